"""persons: persons, links with evidence, blind-indexed match keys, corrections

Revision ID: 0004_persons
Revises: 0002_ingest
Create Date: 2026-11-28 09:30:00.000000

Adds the foreign key ``source_record.person_id -> person.id`` (ingest's column).

It revises ``0002_ingest`` rather than branching from ``0001_foundation`` with
``depends_on = "0002_ingest"``: with ``depends_on``, Alembic drops ``0002_ingest`` from the
version table once this revision is applied, while ``ScriptDirectory.get_heads()`` still
lists it, so ``hub.migrations.is_up_to_date`` would report a migrated database as behind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models_base

revision: str = "0004_persons"
down_revision: str | Sequence[str] | None = "0002_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["person.id"],
            name=op.f("fk_person_merged_into_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_status"), ["status"], unique=False)

    op.create_table(
        "person_link",
        sa.Column("source_record_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("linked_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_person_link_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_link_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_record_id", name=op.f("pk_person_link")),
    )
    with op.batch_alter_table("person_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_link_person_id"), ["person_id"], unique=False)

    op.create_table(
        "person_match_key",
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("source_record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_match_key_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("value", "source_record_id", name=op.f("pk_person_match_key")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("person_match_key", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_match_key_source_record_id", ["source_record_id"], unique=False
        )

    op.create_table(
        "person_correction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("other_person_id", sa.Uuid(), nullable=True),
        sa.Column("source_record_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_person_id"],
            ["person.id"],
            name=op.f("fk_person_correction_other_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_person_correction_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_correction_source_record_id_source_record"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_correction")),
    )

    op.create_table(
        "person_constraint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_a", sa.Uuid(), nullable=False),
        sa.Column("record_b", sa.Uuid(), nullable=False),
        sa.Column("correction_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["person_correction.id"],
            name=op.f("fk_person_constraint_correction_id_person_correction"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_a"],
            ["source_record.id"],
            name=op.f("fk_person_constraint_record_a_source_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_b"],
            ["source_record.id"],
            name=op.f("fk_person_constraint_record_b_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_constraint")),
    )
    with op.batch_alter_table("person_constraint", schema=None) as batch_op:
        batch_op.create_index("ix_person_constraint_record_a", ["record_a"], unique=False)
        batch_op.create_index("ix_person_constraint_record_b", ["record_b"], unique=False)

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_source_record_person_id_person"),
            "person",
            ["person_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_source_record_person_id_person"), type_="foreignkey"
        )

    with op.batch_alter_table("person_constraint", schema=None) as batch_op:
        batch_op.drop_index("ix_person_constraint_record_b")
        batch_op.drop_index("ix_person_constraint_record_a")
    op.drop_table("person_constraint")
    op.drop_table("person_correction")
    with op.batch_alter_table("person_match_key", schema=None) as batch_op:
        batch_op.drop_index("ix_person_match_key_source_record_id")
    op.drop_table("person_match_key")
    with op.batch_alter_table("person_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_link_person_id"))
    op.drop_table("person_link")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_status"))
    op.drop_table("person")
