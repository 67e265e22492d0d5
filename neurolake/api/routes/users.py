"""/api/v1/users: who may use the API (admins), and who you are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from neurolake.api.deps import AdminUser, AuditorDep, SessionDep, ViewerUser
from neurolake.api.schemas.users import UserCreate, UserPublic, UserWithKeyPublic
from neurolake.catalog.repositories import users as users_repo

router = APIRouter(prefix="/users", tags=["users"])
Username = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]


@router.get("/me", response_model=UserPublic)
def me(user: ViewerUser) -> object:
    """The user the API key belongs to."""
    return user


@router.post("", response_model=UserWithKeyPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep, audit: AuditorDep) -> UserWithKeyPublic:
    """Create a user; the response holds their API key, which is shown only this once."""
    with audit.action("user.create", username=body.username, role=body.role):
        user, key = users_repo.create_user(session, body.username, email=body.email, role=body.role)
        session.commit()
    return UserWithKeyPublic(**UserPublic.model_validate(user).model_dump(), api_key=key)


@router.get("", response_model=list[UserPublic])
def list_users(admin: AdminUser, session: SessionDep) -> list:
    """Every user, revoked ones included."""
    return users_repo.list_users(session)


@router.post("/{username}/revoke", response_model=UserPublic)
def revoke_user(username: Username, admin: AdminUser, session: SessionDep, audit: AuditorDep) -> object:
    """Revoke a user's key at once; the user and their history stay."""
    with audit.action("user.revoke", username=username):
        user = users_repo.revoke_user(session, username)
        session.commit()
    return user


@router.post("/{username}/rotate", response_model=UserWithKeyPublic)
def rotate_key(username: Username, admin: AdminUser, session: SessionDep, audit: AuditorDep) -> UserWithKeyPublic:
    """Give a user a new key (shown only now); the old one stops working."""
    with audit.action("user.rotate", username=username):
        key = users_repo.rotate_key(session, username)
        session.commit()
        user = users_repo.get_user(session, username)
    return UserWithKeyPublic(**UserPublic.model_validate(user).model_dump(), api_key=key)
