"""Login: open by default, the configured admin, or a catalog user with their API key."""

from __future__ import annotations

import os

import pytest

from app import auth
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import Settings, load_settings
from neurolake.platform import NeuroLake


def test_without_a_password_the_chat_is_open(settings: Settings) -> None:
    assert not auth.password_required(settings)
    assert not auth.check_login(settings, "admin", "")


@pytest.fixture
def guarded(tmp_path) -> Settings:
    return load_settings(home=tmp_path / "home", environment="test", chat={"admin_password": "s3cret-pass"})


def test_the_configured_admin_signs_in(guarded: Settings, platform: NeuroLake) -> None:
    assert auth.password_required(guarded)
    assert auth.signed_in_user(guarded, platform.catalog, " admin ", "s3cret-pass") == ("admin", "admin")
    assert auth.signed_in_user(guarded, platform.catalog, "admin", "wrong") is None
    assert auth.signed_in_user(guarded, platform.catalog, "root", "s3cret-pass") is None


def test_a_catalog_user_signs_in_with_their_api_key(guarded: Settings, platform: NeuroLake) -> None:
    with platform.catalog.session() as session:
        _, key = users_repo.create_user(session, "ana", role="analyst")

    assert auth.signed_in_user(guarded, platform.catalog, "ana", key) == ("ana", "analyst")
    assert auth.signed_in_user(guarded, platform.catalog, "bob", key) is None  # the key is ana's
    found = auth.catalog_user(platform.catalog, "ana")
    assert found is not None and found.role == "analyst"
    assert auth.catalog_user(platform.catalog, "nobody") is None


def test_the_session_key_is_the_configured_one_or_fresh(
    guarded: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed = load_settings(home=tmp_path / "h", chat={"auth_secret": "k" * 40})
    assert auth.session_secret(fixed) == "k" * 40
    assert auth.session_secret(guarded) != auth.session_secret(guarded)

    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    auth.export_session_secret(fixed)
    assert os.environ[auth.SECRET_ENV] == "k" * 40
    auth.export_session_secret(guarded)  # an exported key is kept: sessions stay valid
    assert os.environ[auth.SECRET_ENV] == "k" * 40


def test_production_refuses_a_placeholder_password(tmp_path) -> None:
    with pytest.raises(ValueError, match="NEUROLAKE_CHAT__ADMIN_PASSWORD"):
        load_settings(home=tmp_path, environment="production", chat={"admin_password": "password"})
