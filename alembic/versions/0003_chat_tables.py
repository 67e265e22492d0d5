"""chat tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 06:15:00.000000

The chat's ``chat_*`` tables (see ``neurolake/catalog/chat_tables.py``). Releases before this
migration created them on first use, so a table that is already there is left as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TABLES = ("chat_feedbacks", "chat_elements", "chat_steps", "chat_threads", "chat_users")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "chat_users" not in existing:
        op.create_table(
            "chat_users",
            sa.Column("id", sa.String(length=36), primary_key=True),
            sa.Column("identifier", sa.String(length=255), nullable=False, unique=True),
            sa.Column("created_at", sa.String(length=40), nullable=False),
            sa.Column("meta", sa.JSON(), nullable=False),
        )
    if "chat_threads" not in existing:
        op.create_table(
            "chat_threads",
            sa.Column("id", sa.String(length=64), primary_key=True),
            sa.Column("created_at", sa.String(length=40), nullable=False),
            sa.Column("updated_at", sa.String(length=40), nullable=False),
            sa.Column("name", sa.Text()),
            sa.Column("user_id", sa.String(length=36)),
            sa.Column("user_identifier", sa.String(length=255)),
            sa.Column("tags", sa.JSON()),
            sa.Column("meta", sa.JSON(), nullable=False),
        )
        op.create_index("ix_chat_threads_user_id", "chat_threads", ["user_id"])
    if "chat_steps" not in existing:
        op.create_table(
            "chat_steps",
            sa.Column("id", sa.String(length=64), primary_key=True),
            sa.Column("thread_id", sa.String(length=64), nullable=False),
            sa.Column("parent_id", sa.String(length=64)),
            sa.Column("name", sa.Text()),
            sa.Column("type", sa.String(length=64)),
            sa.Column("command", sa.Text()),
            sa.Column("streaming", sa.Boolean()),
            sa.Column("wait_for_answer", sa.Boolean()),
            sa.Column("is_error", sa.Boolean()),
            sa.Column("meta", sa.JSON()),
            sa.Column("tags", sa.JSON()),
            sa.Column("input", sa.Text()),
            sa.Column("output", sa.Text()),
            sa.Column("created_at", sa.String(length=40)),
            sa.Column("start", sa.String(length=40)),
            sa.Column("end", sa.String(length=40)),
            sa.Column("generation", sa.JSON()),
            sa.Column("show_input", sa.String(length=16)),
            sa.Column("language", sa.String(length=64)),
            sa.Column("default_open", sa.Boolean()),
        )
        op.create_index("ix_chat_steps_thread_id", "chat_steps", ["thread_id"])
    if "chat_elements" not in existing:
        op.create_table(
            "chat_elements",
            sa.Column("id", sa.String(length=64), primary_key=True),
            sa.Column("thread_id", sa.String(length=64)),
            sa.Column("for_id", sa.String(length=64)),
            sa.Column("type", sa.String(length=32)),
            sa.Column("name", sa.Text()),
            sa.Column("display", sa.String(length=16)),
            sa.Column("size", sa.String(length=16)),
            sa.Column("language", sa.String(length=64)),
            sa.Column("page", sa.Integer()),
            sa.Column("mime", sa.String(length=255)),
            sa.Column("url", sa.Text()),
            sa.Column("chainlit_key", sa.String(length=64)),
            sa.Column("props", sa.JSON()),
            sa.Column("content", sa.LargeBinary()),
        )
        op.create_index("ix_chat_elements_thread_id", "chat_elements", ["thread_id"])
        op.create_index("ix_chat_elements_for_id", "chat_elements", ["for_id"])
    if "chat_feedbacks" not in existing:
        op.create_table(
            "chat_feedbacks",
            sa.Column("id", sa.String(length=64), primary_key=True),
            sa.Column("for_id", sa.String(length=64), nullable=False),
            sa.Column("thread_id", sa.String(length=64)),
            sa.Column("value", sa.Integer(), nullable=False),
            sa.Column("comment", sa.Text()),
        )
        op.create_index("ix_chat_feedbacks_for_id", "chat_feedbacks", ["for_id"])
        op.create_index("ix_chat_feedbacks_thread_id", "chat_feedbacks", ["thread_id"])


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)  # their indexes go with them
