"""Repository functions on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from neurolake.catalog import Catalog, ColumnSpec
from neurolake.catalog.repositories import audit, history, tables, users
from neurolake.errors import NotFoundError


def test_tables_upsert_keeps_descriptions_and_order(catalog: Catalog) -> None:
    cols = [ColumnSpec("id", "int64", False), ColumnSpec("country", "string")]
    with catalog.session() as s:
        tables.upsert_table(s, "customers", location="/l/customers", version=0, columns=cols, row_count=2)
        tables.set_description(s, "customers", "Where the customer lives", column="country")
    with catalog.session() as s:
        cols2 = [*cols, ColumnSpec("city", "string")]
        tables.upsert_table(s, "customers", location="/l/customers", version=1, columns=cols2, row_count=5)
    with catalog.session() as s:
        t = tables.get_table(s, "customers")
        assert t is not None and t.current_version == 1 and t.row_count == 5
        assert [c.name for c in t.columns] == ["id", "country", "city"]
        assert t.columns[1].description == "Where the customer lives"
        assert t.columns[0].nullable is False
        assert [x.name for x in tables.list_tables(s)] == ["customers"]
        assert tables.delete_table(s, "customers") is True
        assert tables.get_table(s, "customers") is None


def test_failed_session_rolls_back(catalog: Catalog) -> None:
    with pytest.raises(RuntimeError), catalog.session() as s:
        tables.upsert_table(s, "t", location="/t", version=0, columns=[])
        raise RuntimeError("boom")
    with catalog.session() as s:
        assert tables.get_table(s, "t") is None


def test_query_history_filters_by_user_newest_first(catalog: Catalog) -> None:
    with catalog.session() as s:
        alice, _ = users.create_user(s, "alice", role="analyst")
        bob, _ = users.create_user(s, "bob", role="viewer")
        history.record_query(s, sql="SELECT 1", status="success", user_id=alice.id, rows=1, duration_ms=1.5)
        history.record_query(s, sql="SELECT 2", status="error", user_id=bob.id, error="boom")
        history.record_query(s, sql="SELECT 3", status="success", user_id=alice.id, cache_hit=True)
    with catalog.session() as s:
        mine = history.list_queries(s, user_id=alice.id)
        assert [q.sql for q in mine] == ["SELECT 3", "SELECT 1"]
        assert [q.sql for q in history.list_queries(s, status="error")] == ["SELECT 2"]
        assert len(history.list_queries(s, limit=2)) == 2


def test_api_keys_are_hashed_salted_and_revocable(catalog: Catalog) -> None:
    with catalog.session() as s:
        _, key = users.create_user(s, "carol", email="carol@example.com", role="admin")
        _, other_key = users.create_user(s, "dave", role="viewer")
    assert key.startswith("nlk_") and len(key) > 40
    with catalog.session() as s:
        stored = users.get_user(s, "carol")
        assert stored is not None and key not in (stored.api_key_hash or "")
        assert stored.api_key_hash and stored.api_key_hash.startswith("pbkdf2_sha256$")
        found = users.authenticate(s, key)
        assert found is not None and found.username == "carol"
        assert users.authenticate(s, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert users.authenticate(s, "garbage") is None
        assert users.authenticate(s, other_key).username == "dave"  # type: ignore[union-attr]
        users.revoke_user(s, "carol")
    with catalog.session() as s:
        assert users.authenticate(s, key) is None
        new_key = users.rotate_key(s, "carol")
    with catalog.session() as s:
        assert users.authenticate(s, new_key).username == "carol"  # type: ignore[union-attr]
        assert users.authenticate(s, key) is None


def test_same_key_material_hashes_differently_per_user(catalog: Catalog) -> None:
    with catalog.session() as s:
        a, _ = users.create_user(s, "a1")
        b, _ = users.create_user(s, "b1")
        salts = {u.api_key_hash.split("$")[2] for u in (a, b)}  # type: ignore[union-attr]
    assert len(salts) == 2


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("eve", {"role": "superuser"}, "Unknown role"),
        ("bad name!", {}, "Username"),
        ("frank", {"email": "not-an-email"}, "not an email"),
    ],
)
def test_create_user_rejects_bad_input(catalog: Catalog, name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message), catalog.session() as s:
        users.create_user(s, name, **kwargs)


def test_duplicate_and_unknown_users(catalog: Catalog) -> None:
    with catalog.session() as s:
        users.create_user(s, "gina")
    with pytest.raises(ValueError, match="already exists"), catalog.session() as s:
        users.create_user(s, "gina")
    with pytest.raises(NotFoundError, match="No user named"), catalog.session() as s:
        users.revoke_user(s, "nobody")


def test_audit_log_filters(catalog: Catalog) -> None:
    with catalog.session() as s:
        u, _ = users.create_user(s, "henry", role="admin")
        audit.record_audit(s, "query.run", user_id=u.id, sql="SELECT 1")
        audit.record_audit(s, "table.optimize", user_id=u.id, table="orders")
        audit.record_audit(s, "query.run", sql="SELECT 2")
    with catalog.session() as s:
        runs = audit.list_audit(s, action="query.run")
        assert [r.details["sql"] for r in runs] == ["SELECT 2", "SELECT 1"]
        assert len(audit.list_audit(s, user_id=u.id)) == 2
