"""series: media links, series, members, analyst events

Revision ID: 0003_series
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_series"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("victim_identified", sa.Boolean(), nullable=True),
        sa.Column("offender_identified", sa.Boolean(), nullable=True),
        sa.Column("icse_series", sa.String(length=255), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a_sha256", sa.String(length=64), nullable=False),
        sa.Column("b_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("builder_version", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("strength", sa.String(length=8), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["a_sha256"], ["media.sha256"]),
        sa.ForeignKeyConstraint(["b_sha256"], ["media.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("a_sha256", "b_sha256", "kind", name="uq_link"),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_link_b", ["b_sha256"], unique=False)
        batch_op.create_index("ix_link_kind", ["kind"], unique=False)
    op.create_table(
        "series_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("series_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_series_events_series_id"), ["series_id"], unique=False
        )
    op.create_table(
        "series_members",
        sa.Column("media_sha256", sa.String(length=64), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["media_sha256"], ["media.sha256"]),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"]),
        sa.PrimaryKeyConstraint("media_sha256"),
    )
    with op.batch_alter_table("series_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_series_members_series_id"), ["series_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("series_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_members_series_id"))
    op.drop_table("series_members")
    with op.batch_alter_table("series_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_events_series_id"))
    op.drop_table("series_events")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_link_kind")
        batch_op.drop_index("ix_link_b")
    op.drop_table("links")
    op.drop_table("series")
