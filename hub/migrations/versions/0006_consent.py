"""consent: consent registry, audit log, rights requests, erasure tombstones, retention proofs

Person ids are plain uuid columns without a foreign key to ``person`` (see consent/models.py).

Revision ID: 0006_consent
Revises: 0001_foundation
Create Date: 2026-11-28 07:34:32.983185
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models_base

revision: str = "0006_consent"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("anchor_seq", sa.BigInteger(), nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor_client_id", sa.String(length=200), nullable=False),
        sa.Column("actor_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("recipient_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_kind", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("lawful_basis", sa.String(length=32), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_event_seq")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_event_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_recipient_organisation_id"),
            ["recipient_organisation_id"],
            unique=False,
        )

    op.create_table(
        "consent_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("recipient_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_kind", sa.String(length=32), nullable=True),
        sa.Column("lawful_basis", sa.String(length=32), nullable=False),
        sa.Column("notice_version", sa.String(length=64), nullable=False),
        sa.Column("collection_method", sa.String(length=32), nullable=False),
        sa.Column("collected_by_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("collected_by", sa.LargeBinary(), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("valid_from", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("occurred_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_client_id", sa.String(length=200), nullable=False),
        sa.Column("redacted_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event")),
    )
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_event_collected_by_organisation_id"),
            ["collected_by_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_consent_event_consent_id"), ["consent_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_event_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_event_recipient_organisation_id"),
            ["recipient_organisation_id"],
            unique=False,
        )

    op.create_table(
        "retention_proof",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("ran_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("cutoff", sa.String(length=200), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_proof")),
    )
    with op.batch_alter_table("retention_proof", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_proof_run_id"), ["run_id"], unique=False)

    op.create_table(
        "rights_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_months", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.LargeBinary(), nullable=True),
        sa.Column("details", sa.LargeBinary(), nullable=True),
        sa.Column("rectification", sa.LargeBinary(), nullable=True),
        sa.Column("purposes", sa.JSON(), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_client_id", sa.String(length=200), nullable=False),
        sa.Column("completed_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by_client_id", sa.String(length=200), nullable=True),
        sa.Column("completion_note", sa.LargeBinary(), nullable=True),
        sa.Column("completion_summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_request")),
    )
    with op.batch_alter_table("rights_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rights_request_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rights_request_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rights_request_status"), ["status"], unique=False)

    op.create_table(
        "erasure_tombstone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("erased_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_erasure_tombstone_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_tombstone")),
        sa.UniqueConstraint("person_id", name=op.f("uq_erasure_tombstone_person_id")),
    )
    op.create_table(
        "processing_restriction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_processing_restriction_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_restriction")),
    )
    with op.batch_alter_table("processing_restriction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processing_restriction_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "recipient_notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_client_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["rights_request.id"],
            name=op.f("fk_recipient_notification_request_id_rights_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_notification")),
    )
    with op.batch_alter_table("recipient_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recipient_notification_recipient_organisation_id"),
            ["recipient_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_recipient_notification_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "erased_source_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tombstone_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tombstone_id"],
            ["erasure_tombstone.id"],
            name=op.f("fk_erased_source_key_tombstone_id_erasure_tombstone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_source_key")),
    )
    with op.batch_alter_table("erased_source_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erased_source_key_key"), ["key"], unique=False)

    op.create_table(
        "reimport_flag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tombstone_id", sa.Uuid(), nullable=False),
        sa.Column("source_record_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("detected_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_client_id", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["tombstone_id"],
            ["erasure_tombstone.id"],
            name=op.f("fk_reimport_flag_tombstone_id_erasure_tombstone"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimport_flag")),
    )
    with op.batch_alter_table("reimport_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reimport_flag_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reimport_flag_source_record_id"), ["source_record_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reimport_flag_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reimport_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimport_flag_status"))
        batch_op.drop_index(batch_op.f("ix_reimport_flag_source_record_id"))
        batch_op.drop_index(batch_op.f("ix_reimport_flag_person_id"))

    op.drop_table("reimport_flag")
    with op.batch_alter_table("erased_source_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erased_source_key_key"))

    op.drop_table("erased_source_key")
    with op.batch_alter_table("recipient_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipient_notification_request_id"))
        batch_op.drop_index(batch_op.f("ix_recipient_notification_recipient_organisation_id"))

    op.drop_table("recipient_notification")
    with op.batch_alter_table("processing_restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processing_restriction_person_id"))

    op.drop_table("processing_restriction")
    op.drop_table("erasure_tombstone")
    with op.batch_alter_table("rights_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_request_status"))
        batch_op.drop_index(batch_op.f("ix_rights_request_person_id"))
        batch_op.drop_index(batch_op.f("ix_rights_request_due_on"))

    op.drop_table("rights_request")
    with op.batch_alter_table("retention_proof", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_proof_run_id"))

    op.drop_table("retention_proof")
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_event_recipient_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_consent_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_consent_event_consent_id"))
        batch_op.drop_index(batch_op.f("ix_consent_event_collected_by_organisation_id"))

    op.drop_table("consent_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_recipient_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))

    op.drop_table("audit_event")
    op.drop_table("audit_chain_head")
