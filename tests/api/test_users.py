"""/api/v1/users: keys shown once, revoked at once, every change audited."""

from __future__ import annotations

from tests.api.conftest import Api


def test_an_admin_creates_a_user_whose_key_works_and_is_shown_once(api: Api) -> None:
    created = api.client.post(
        "/api/v1/users", json={"username": "dana", "role": "analyst"}, headers=api.headers("admin")
    )

    assert created.status_code == 201, created.text
    key = created.json()["api_key"]
    me = api.client.get("/api/v1/users/me", headers={"X-API-Key": key}).json()
    assert me["username"] == "dana" and me["role"] == "analyst"
    listed = api.client.get("/api/v1/users", headers=api.headers("admin")).json()
    assert "dana" in [u["username"] for u in listed]
    assert key not in api.client.get("/api/v1/users", headers=api.headers("admin")).text


def test_a_revoked_key_stops_working_at_once(api: Api) -> None:
    assert api.client.get("/api/v1/users/me", headers=api.headers("viewer")).status_code == 200
    revoked = api.client.post("/api/v1/users/viewer/revoke", headers=api.headers("admin"))

    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert api.client.get("/api/v1/users/me", headers=api.headers("viewer")).status_code == 401


def test_rotating_a_key_replaces_it(api: Api) -> None:
    assert api.client.get("/api/v1/users/me", headers=api.headers("analyst")).status_code == 200
    rotated = api.client.post("/api/v1/users/analyst/rotate", headers=api.headers("admin"))

    assert rotated.status_code == 200
    assert api.client.get("/api/v1/users/me", headers=api.headers("analyst")).status_code == 401
    new_key = {"Authorization": f"Bearer {rotated.json()['api_key']}"}
    assert api.client.get("/api/v1/users/me", headers=new_key).json()["username"] == "analyst"


def test_both_key_headers_work_and_bad_keys_do_not(api: Api) -> None:
    key = api.keys["viewer"]
    assert api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert api.client.get("/api/v1/users/me", headers={"X-API-Key": key}).status_code == 200
    for bad in ({"X-API-Key": key[:-2] + "xx"}, {"Authorization": "Bearer nlk_nope_nope"}, {"X-API-Key": ""}):
        response = api.client.get("/api/v1/users/me", headers=bad)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_unknown_users_and_roles_are_refused(api: Api) -> None:
    assert api.client.post("/api/v1/users/nobody/revoke", headers=api.headers("admin")).status_code == 404
    bad_role = api.client.post("/api/v1/users", json={"username": "x", "role": "root"}, headers=api.headers("admin"))
    assert bad_role.status_code == 422
