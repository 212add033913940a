"""Self-services other than bill payment: tax records, the address book, companies,
stay registrations, arbitration applications, their rejections, and named counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("arbitration_applications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_no", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("applicant_doc_number", sa.String(length=32), nullable=False),
        sa.Column("respondent_uscc", sa.String(length=18), nullable=False),
        sa.Column("commission", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_arbitration_applications"),
        sa.UniqueConstraint("application_no", name="uq_arbitration_applications_application_no"),
        sa.UniqueConstraint("idempotency_key", name="uq_arbitration_applications_idempotency_key"),
        sa.UniqueConstraint("verification_code", name="uq_arbitration_applications_verification_code")
    )
    op.create_index("ix_arbitration_applications_applicant_doc_number", "arbitration_applications", ["applicant_doc_number"])
    op.create_index("ix_arbitration_applications_reference", "arbitration_applications", ["reference"])
    op.create_index("ix_arbitration_applications_respondent_uscc", "arbitration_applications", ["respondent_uscc"])
    op.create_table("companies",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=256), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("legal_representative", sa.String(length=64), nullable=False),
        sa.Column("representative_title", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name="pk_companies")
    )
    op.create_table("counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters")
    )
    op.create_table("police_stations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_police_stations")
    )
    op.create_table("submission_rejections",
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_submission_rejections")
    )
    op.create_index("ix_submission_rejections_verification_code", "submission_rejections", ["verification_code"])
    op.create_table("taxpayers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("taxpayer_id", sa.String(length=32), nullable=False),
        sa.Column("surname", sa.String(length=64), nullable=False),
        sa.Column("given_names", sa.String(length=64), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_taxpayers"),
        sa.UniqueConstraint("taxpayer_id", name="uq_taxpayers_taxpayer_id")
    )
    op.create_table("address_nodes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("is_hotel", sa.Boolean(), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=True),
        sa.Column("police_station_id", sa.String(length=32), nullable=True),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["address_nodes.id"], name="fk_address_nodes_parent_id_address_nodes"),
        sa.ForeignKeyConstraint(["police_station_id"], ["police_stations.id"], name="fk_address_nodes_police_station_id_police_stations"),
        sa.PrimaryKeyConstraint("id", name="pk_address_nodes")
    )
    op.create_index("ix_address_nodes_parent_id", "address_nodes", ["parent_id"])
    op.create_table("stay_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_no", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("doc_number", sa.String(length=32), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=False),
        sa.Column("planned_departure", sa.Date(), nullable=False),
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("police_station_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["police_station_id"], ["police_stations.id"], name="fk_stay_registrations_police_station_id_police_stations"),
        sa.PrimaryKeyConstraint("id", name="pk_stay_registrations"),
        sa.UniqueConstraint("idempotency_key", name="uq_stay_registrations_idempotency_key"),
        sa.UniqueConstraint("registration_no", name="uq_stay_registrations_registration_no"),
        sa.UniqueConstraint("verification_code", name="uq_stay_registrations_verification_code")
    )
    op.create_index("ix_stay_registrations_doc_number", "stay_registrations", ["doc_number"])
    op.create_index("ix_stay_registrations_reference", "stay_registrations", ["reference"])
    op.create_table("tax_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_no", sa.String(length=32), nullable=False),
        sa.Column("verification_code", sa.String(length=16), nullable=False),
        sa.Column("taxpayer_pk", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.String(length=7), nullable=False),
        sa.Column("period_end", sa.String(length=7), nullable=False),
        sa.Column("total_income_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_authority", sa.String(length=128), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["taxpayer_pk"], ["taxpayers.id"], name="fk_tax_records_taxpayer_pk_taxpayers"),
        sa.PrimaryKeyConstraint("id", name="pk_tax_records"),
        sa.UniqueConstraint("record_no", name="uq_tax_records_record_no"),
        sa.UniqueConstraint("verification_code", name="uq_tax_records_verification_code")
    )
    op.create_index("ix_tax_records_taxpayer_pk", "tax_records", ["taxpayer_pk"])
    op.create_table("tax_withholdings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("taxpayer_pk", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("income_item", sa.String(length=64), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_authority", sa.String(length=128), nullable=False),
        sa.Column("withholding_agent", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["taxpayer_pk"], ["taxpayers.id"], name="fk_tax_withholdings_taxpayer_pk_taxpayers"),
        sa.PrimaryKeyConstraint("id", name="pk_tax_withholdings")
    )
    op.create_index("ix_tax_withholdings_taxpayer_pk", "tax_withholdings", ["taxpayer_pk"])
    op.create_table("taxpayer_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("taxpayer_pk", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=16), nullable=False),
        sa.Column("doc_number", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["taxpayer_pk"], ["taxpayers.id"], name="fk_taxpayer_documents_taxpayer_pk_taxpayers"),
        sa.PrimaryKeyConstraint("id", name="pk_taxpayer_documents"),
        sa.UniqueConstraint("doc_type", "doc_number", name="uq_taxpayer_documents_doc")
    )
    op.create_index("ix_taxpayer_documents_taxpayer_pk", "taxpayer_documents", ["taxpayer_pk"])
    op.create_table("tax_sessions",
        sa.Column("otp_session", sa.String(length=64), nullable=False),
        sa.Column("taxpayer_pk", sa.Integer(), nullable=False),
        sa.Column("document_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_pk"], ["taxpayer_documents.id"], name="fk_tax_sessions_document_pk_taxpayer_documents"),
        sa.ForeignKeyConstraint(["taxpayer_pk"], ["taxpayers.id"], name="fk_tax_sessions_taxpayer_pk_taxpayers"),
        sa.PrimaryKeyConstraint("otp_session", name="pk_tax_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_tax_sessions_token_hash")
    )
    op.create_index("ix_tax_sessions_taxpayer_pk", "tax_sessions", ["taxpayer_pk"])


def downgrade() -> None:
    op.drop_table("tax_sessions")
    op.drop_table("taxpayer_documents")
    op.drop_table("tax_withholdings")
    op.drop_table("tax_records")
    op.drop_table("stay_registrations")
    op.drop_table("address_nodes")
    op.drop_table("taxpayers")
    op.drop_table("submission_rejections")
    op.drop_table("police_stations")
    op.drop_table("counters")
    op.drop_table("companies")
    op.drop_table("arbitration_applications")
