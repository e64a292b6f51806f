"""FastAPI dependencies: the store, the caller's key, role checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from app.auth import ApiKey, KeyRing, Role
from graph.storage import GraphStore


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def secret_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return None


def _role_check(needed: Role):  # type: ignore[no-untyped-def]
    async def check(
        request: Request,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
        x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> ApiKey | None:
        keys: KeyRing = request.app.state.keys
        key = keys.authorize(secret_from_headers(authorization, x_api_key), needed)
        request.state.key_name = key.name if key else "anonymous"
        return key

    check.required_role = needed  # type: ignore[attr-defined]  # read by app.limits
    return check


def required_role(dependency: Any) -> Role | None:
    """The role a key dependency made by :func:`_role_check` needs, else None."""
    role = getattr(dependency, "required_role", None)
    return role if isinstance(role, Role) else None


StoreDep = Annotated[GraphStore, Depends(get_store)]
ReaderKey = Annotated[ApiKey | None, Depends(_role_check(Role.READER))]
EditorKey = Annotated[ApiKey | None, Depends(_role_check(Role.EDITOR))]
AdminKey = Annotated[ApiKey | None, Depends(_role_check(Role.ADMIN))]
