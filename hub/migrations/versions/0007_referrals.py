"""referrals: partner directory, referrals and their history, matches feed, idempotency
keys, notifications outbox, routing of imported records

Revision ID: 0007_referrals
Revises: 0004_persons

Referrals refer to ``person`` and ``source_record``, so this revision follows
``0004_persons`` (itself after ``0002_ingest``) instead of branching from
``0001_foundation`` with ``depends_on``: Alembic drops a ``depends_on`` target from the
version table once the dependent revision is applied while ``ScriptDirectory.get_heads()``
still lists it, and ``hub.migrations.is_up_to_date`` would report a migrated database as
behind (see 0004_persons).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.models_base

revision: str = "0007_referrals"
down_revision: str | Sequence[str] | None = "0004_persons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_idempotency_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_idempotency_key")),
        sa.UniqueConstraint("client_id", "key", name=op.f("uq_referral_idempotency_key_client_id")),
    )
    with op.batch_alter_table("referral_idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_idempotency_key_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "directory_service",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("structure_id", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("thematiques", sa.JSON(), nullable=False),
        sa.Column("publics", sa.JSON(), nullable=True),
        sa.Column("zone_eligibilite", sa.JSON(), nullable=True),
        sa.Column("reseaux_porteurs", sa.JSON(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("response_delay_days", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_directory_service_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_service")),
        sa.UniqueConstraint("external_id", name=op.f("uq_directory_service_external_id")),
    )
    with op.batch_alter_table("directory_service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_service_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("available_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("acked_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_outbox_event_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_event_feed", ["organisation_id", "available_at"], unique=False
        )

    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_webhook_endpoint_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoint_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_event.id"],
            name=op.f("fk_webhook_delivery_event_id_outbox_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("event_id", "endpoint_id", name=op.f("uq_webhook_delivery_event_id")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"], unique=False
        )

    op.create_table(
        "referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_record_id", sa.Uuid(), nullable=True),
        sa.Column("sender_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("sender_client_id", sa.String(length=64), nullable=True),
        sa.Column("recipient_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("routing_state", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("peer_code", sa.String(length=64), nullable=True),
        sa.Column("person", sa.LargeBinary(), nullable=False),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("due_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_flagged_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_referral_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_recipient_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_sender_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name=op.f("fk_referral_service_id_directory_service"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_referral_source_record_id_source_record"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("source_record_id", name=op.f("uq_referral_source_record_id")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_peer_code"), ["peer_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_recipient_organisation_id"),
            ["recipient_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_sender_organisation_id"),
            ["sender_organisation_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_referral_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_status"), ["status"], unique=False)

    op.create_table(
        "referral_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("actor_organisation_id", sa.Uuid(), nullable=True),
        sa.Column("actor_client_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_event_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event")),
    )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_event_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_match",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("awaiting_consent", sa.Boolean(), nullable=False),
        sa.Column("available_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_checked_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivery_count", sa.Integer(), nullable=False),
        sa.Column("acked_at", hub.models_base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_match_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_match_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_match")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_referral_match_referral_id")),
    )
    with op.batch_alter_table("referral_match", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_match_feed", ["organisation_id", "available_at"], unique=False
        )

    op.create_table(
        "source_record_routing",
        sa.Column("source_record_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("decided_at", hub.models_base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_source_record_routing_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_source_record_routing_referral_id_referral"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_source_record_routing_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_record_id", name=op.f("pk_source_record_routing")),
    )
    with op.batch_alter_table("source_record_routing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_record_routing_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("source_record_routing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_record_routing_person_id"))

    op.drop_table("source_record_routing")
    with op.batch_alter_table("referral_match", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_match_feed")

    op.drop_table("referral_match")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_event_referral_id"))

    op.drop_table("referral_event")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status"))
        batch_op.drop_index(batch_op.f("ix_referral_service_id"))
        batch_op.drop_index(batch_op.f("ix_referral_sender_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_referral_recipient_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_referral_person_id"))
        batch_op.drop_index(batch_op.f("ix_referral_peer_code"))

    op.drop_table("referral")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_endpoint_id"))
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoint_organisation_id"))

    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_feed")

    op.drop_table("outbox_event")
    with op.batch_alter_table("directory_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_service_organisation_id"))

    op.drop_table("directory_service")
    with op.batch_alter_table("referral_idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_idempotency_key_expires_at"))

    op.drop_table("referral_idempotency_key")
