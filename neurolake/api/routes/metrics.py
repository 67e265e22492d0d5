"""Observability over HTTP: ``/metrics`` for Prometheus, the JSON summary, and the dashboard page.

``GET /metrics`` is open, like ``/health``: scrapers carry no API key, and it holds counts
only, no SQL or names of people (docs/decisions/0005). The summary needs a key: viewers and
analysts get their own queries, admins everyone's (or one user's with ``user=``). The
dashboard is for admins; a browser signs in once with a key, kept in an HttpOnly cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from neurolake.api.deps import ApiStateDep, PlatformDep, SessionDep, ViewerUser, is_admin
from neurolake.catalog.repositories import users as users_repo
from neurolake.observability.collector import PlatformCollector
from neurolake.observability.dashboard import plotly_js, render_dashboard
from neurolake.observability.metrics import METRICS
from neurolake.observability.summary import MetricsSummary, Scope, build_summary
from neurolake.observability.window import MAX_HOURS

#: The cookie the dashboard keeps its API key in.
DASHBOARD_COOKIE = "neurolake_dashboard_key"
Hours = Annotated[float, Query(gt=0, le=MAX_HOURS, description="Window: the last this many hours")]

router = APIRouter(tags=["observability"])
api = APIRouter(prefix="/metrics", tags=["observability"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def prometheus_metrics(platform: PlatformDep) -> Response:
    """Prometheus text format: the process's counters, the cache's counters and the tables' sizes."""
    live = CollectorRegistry(auto_describe=False)
    live.register(PlatformCollector(platform))
    body = generate_latest(METRICS.registry) + generate_latest(live)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@api.get("/summary", response_model=MetricsSummary)
def metrics_summary(
    user: ViewerUser,
    platform: PlatformDep,
    session: SessionDep,
    hours: Hours = 24,
    username: Annotated[str | None, Query(alias="user", max_length=64)] = None,
) -> MetricsSummary:
    """The dashboard's figures. Yours, unless you are an admin: then everyone's, or one user's with ``user=``."""
    if username is not None and not is_admin(user) and username != user.username:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins may read another user's figures.")
    scope = Scope.of(user)
    if is_admin(user):
        scope = Scope.all()
        if username is not None:
            target = users_repo.get_user(session, username)
            if target is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"No user named {username!r}.")
            scope = Scope.of(target)
    return build_summary(platform, hours=hours, scope=scope)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request, state: ApiStateDep, platform: PlatformDep, hours: Hours = 24) -> HTMLResponse:
    """The dashboard for an admin signed in by cookie (or sending a key); the sign-in form otherwise."""
    key = request.cookies.get(DASHBOARD_COOKIE) or _header_key(request)
    problem = _admin_problem(state, platform, key) if key else None
    if key is None or problem is not None:
        return HTMLResponse(_sign_in_page(problem), status_code=status.HTTP_401_UNAUTHORIZED)
    summary = build_summary(platform, hours=hours)
    return HTMLResponse(render_dashboard(summary, hours=hours), headers={"Cache-Control": "no-store"})


@router.post("/dashboard/login", include_in_schema=False)
def dashboard_login(
    request: Request, state: ApiStateDep, platform: PlatformDep, api_key: Annotated[str, Form()]
) -> Response:
    """Check an admin's API key and keep it in an HttpOnly cookie for the dashboard's pages."""
    problem = _admin_problem(state, platform, api_key.strip())
    if problem is not None:
        return HTMLResponse(_sign_in_page(problem), status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse("/dashboard", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        DASHBOARD_COOKIE,
        api_key.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/dashboard",
        max_age=8 * 3600,
    )
    return response


@router.post("/dashboard/logout", include_in_schema=False)
def dashboard_logout() -> Response:
    response = RedirectResponse("/dashboard", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(DASHBOARD_COOKIE, path="/dashboard")
    return response


@router.get("/dashboard/plotly.js", include_in_schema=False)
def dashboard_plotly() -> Response:
    """The installed plotly.js: the page needs no network beyond this server."""
    return Response(plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})


def _header_key(request: Request) -> str | None:
    bearer = request.headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:].strip() or None
    return request.headers.get("x-api-key") or None


def _admin_problem(state: ApiStateDep, platform: PlatformDep, key: str) -> str | None:
    """None when ``key`` belongs to an active admin; else what is wrong, for the sign-in page."""
    with platform.catalog.session() as session:
        user = state.authenticator.authenticate(session, key)
    if user is None:
        return "That API key is not valid or was revoked."
    if not is_admin(user):
        return f"The dashboard needs the admin role; {user.username} is {user.role}."
    return None


def _sign_in_page(problem: str | None) -> str:
    import html

    note = f'<p class="error" role="alert">{html.escape(problem)}</p>' if problem else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>NeuroLake dashboard: sign in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:420px;margin:80px auto}}.error{{color:#b42318}}
input{{width:100%;padding:6px;margin:8px 0}}</style></head><body><h1>NeuroLake dashboard</h1>{note}
<form method="post" action="/dashboard/login"><label>Admin API key
<input type="password" name="api_key" autocomplete="off" required></label>
<button type="submit">Sign in</button></form>
<p>Create one with <code>neurolake users create NAME --role admin</code>.</p></body></html>"""
