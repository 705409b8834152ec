"""auth: api clients, signing keys, revoked tokens, client assertions

Revision ID: 0003_auth
Revises: 0001_foundation
Create Date: 2026-11-28 07:29:38.325912
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models_base

revision: str = "0003_auth"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_assertion",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_client_assertion")),
    )
    with op.batch_alter_table("client_assertion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_assertion_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_token")),
    )
    with op.batch_alter_table("revoked_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_token_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("alg", sa.String(length=16), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_key")),
    )
    op.create_table(
        "api_client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("jwks", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("secret_rotated_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_api_client_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_client_client_id")),
    )
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_client_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_client_organisation_id"))

    op.drop_table("api_client")
    op.drop_table("signing_key")
    with op.batch_alter_table("revoked_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_token_expires_at"))

    op.drop_table("revoked_token")
    with op.batch_alter_table("client_assertion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_assertion_expires_at"))

    op.drop_table("client_assertion")
