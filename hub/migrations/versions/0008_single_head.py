"""single head: join the domain branches

The domains were first migrated as branches of 0001_foundation; from here on migrations are
linear again.

Revision ID: 0008_single_head
Revises: 0003_auth, 0005_feeds, 0006_consent, 0007_referrals
Create Date: 2026-11-28 08:52:23.209065
"""

from collections.abc import Sequence

revision: str = "0008_single_head"
down_revision: str | Sequence[str] | None = (
    "0003_auth",
    "0005_feeds",
    "0006_consent",
    "0007_referrals",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
