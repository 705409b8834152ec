"""ingest: import runs, source records (encrypted), quarantined rows

Revision ID: 0002_ingest
Revises: 0001_foundation
Create Date: 2026-11-28 08:30:00.000000

``source_record.person_id`` has no foreign key here: identity resolution owns the person
table and adds the constraint in its own migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models_base

revision: str = "0002_ingest"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_import_run_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_run_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_run_source"), ["source"], unique=False)

    op.create_table(
        "source_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_record_id", sa.String(length=128), nullable=False),
        sa.Column("schema_version", sa.String(length=16), nullable=False),
        sa.Column("person", sa.LargeBinary(), nullable=False),
        sa.Column("details", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("lives_in_qpv", sa.Boolean(), nullable=True),
        sa.Column("known_to_mission_locale", sa.Boolean(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("received_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_import_id", sa.Uuid(), nullable=False),
        sa.Column("last_import_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_import_id"],
            ["import_run.id"],
            name=op.f("fk_source_record_first_import_id_import_run"),
        ),
        sa.ForeignKeyConstraint(
            ["last_import_id"],
            ["import_run.id"],
            name=op.f("fk_source_record_last_import_id_import_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint("source", "source_record_id", name=op.f("uq_source_record_source")),
    )
    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_record_commune_insee"), ["commune_insee"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_source_record_first_import_id"), ["first_import_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_source_record_last_import_id"), ["last_import_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_source_record_person_id"), ["person_id"], unique=False)

    op.create_table(
        "quarantined_row",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_run.id"],
            name=op.f("fk_quarantined_row_import_id_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_row")),
    )
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantined_row_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quarantined_row_import_id"), ["import_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_row_import_id"))
        batch_op.drop_index(batch_op.f("ix_quarantined_row_created_at"))
    op.drop_table("quarantined_row")

    with op.batch_alter_table("source_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_record_person_id"))
        batch_op.drop_index(batch_op.f("ix_source_record_last_import_id"))
        batch_op.drop_index(batch_op.f("ix_source_record_first_import_id"))
        batch_op.drop_index(batch_op.f("ix_source_record_commune_insee"))
    op.drop_table("source_record")

    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_run_source"))
        batch_op.drop_index(batch_op.f("ix_import_run_organisation_id"))
    op.drop_table("import_run")
