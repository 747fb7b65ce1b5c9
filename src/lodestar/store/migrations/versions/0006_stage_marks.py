"""stage marks: the inputs each pipeline stage's last complete run covered

Revision ID: 0006_stage_marks
Revises: 0005_one_head
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_stage_marks"
down_revision = "0005_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_marks",
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("stage"),
    )


def downgrade() -> None:
    op.drop_table("stage_marks")
