"""The route studio: a local web application where the tourism department designs, edits and publishes routes.

``ocop-geo studio`` serves it on http://127.0.0.1:8765/ (Starlette on uvicorn): one page (``templates/studio.html``,
``static/ocop/studio.js``, the vendored Leaflet of the site, nothing from a CDN) and the JSON API below, over the
package's own functions (:mod:`ocop_geo.studio_session`). Planning runs on the session's worker thread; the request
awaits it without blocking the server.

=======  ==================================  =================================================================
method   path                                what
=======  ==================================  =================================================================
GET      ``/``                               the page
GET      ``/api/bootstrap``                  modes, OCOP groups, districts, venue kinds, the route files
GET      ``/api/registry``                   producers and venues with products, hours, precision, problems
POST     ``/api/registry/edit``              one correction to the overlay (who, why, overlay version)
GET      ``/api/search?q=…&kinds=…``         fuzzy search over producers, venues and POIs
GET      ``/api/routes/{name}``              a route file's data and version
POST     ``/api/routes/{name}``              save it (``data``, ``version``): checked, layout kept
POST     ``/api/check``                      the spec's problems, for the form
POST     ``/api/plan``                       plan the form's spec (``data``, ``client``: the tab)
POST     ``/api/plans/{id}/retime``          the visits of each day in a new order (uids): re-timed
POST     ``/api/plans/{id}/publish``         publish the plan as edited; preview under ``/preview/``
GET      ``/api/plans/{id}/officer``         the officer's view of the plan
=======  ==================================  =================================================================

**Safe by default.** It binds 127.0.0.1. Another ``--host`` (a LAN) needs a token: the start-up prints
``http://HOST:PORT/?token=…``, which sets an HttpOnly cookie; every other request without it is refused. Every
state-changing request (POST) needs the page's CSRF token in ``X-CSRF-Token`` and, when the browser sends one, an
``Origin`` of the studio itself; the ``Host`` header must be the studio's (no DNS rebinding). Requests name route
files by their stem and plans by their id, never by a path; only the registry's overlay, the routes folder and the
output folder are written. A bad input is answered with ``{"error": …, "problems": [...]}`` (HTTP 4xx) that the form
shows; an unexpected error with a plain message (500) and the traceback only in the studio's log.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import settings
from ._errors import InputFileError, OcopGeoError, ValidationError
from .basemap import cached_basemap
from .i18n import gettext
from .mapping import STATIC_DIR
from .pages import render_template
from .studio_session import Studio, Superseded, session_json

__all__ = ["CSRF_HEADER", "TOKEN_COOKIE", "create_app"]

log = logging.getLogger(__name__)

#: The header carrying the page's CSRF token on every POST.
CSRF_HEADER = "X-CSRF-Token"
#: The cookie that carries the access token when the studio serves a LAN (``--host``).
TOKEN_COOKIE = "ocop_studio_token"
#: Largest request body accepted (bytes).
MAX_BODY = 1_000_000
_CSP = ("default-src 'self'; img-src 'self' data: https://*.tile.openstreetmap.org; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def _problem(status: int, message: str, problems: list[str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, "problems": list(problems or []), **extra}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400 naming what is wrong."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HTTPException(413, gettext("The request is too large."))
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, gettext("The request is not JSON.")) from None
    if not isinstance(data, dict):
        raise HTTPException(400, gettext("The request is not a JSON object."))
    return data


def create_app(studio: Studio, *, token: str | None = None, csrf: str | None = None,
               allowed_hosts: list[str] | None = None, lang: str | None = None) -> Starlette:  # fmt: skip
    """The studio's Starlette application.

    Parameters
    ----------
    studio
        The session (registry, folders, planning thread) the API works on.
    token
        When given, every request must carry it (``?token=`` once, then the cookie): for ``--host`` on a LAN.
    csrf
        The CSRF token pages carry (default: a new random one).
    allowed_hosts
        ``Host`` headers accepted (default ``127.0.0.1``, ``localhost``).
    lang
        ``{"vi", "en"}``: the language the page opens in (default ``settings.language``, Vietnamese); the page
        switches without a reload.

    Returns
    -------
    starlette.applications.Starlette
    """
    csrf = csrf or secrets.token_urlsafe(24)
    page_lang = lang
    hosts = allowed_hosts or ["127.0.0.1", "localhost"]

    async def page(request: Request) -> Response:
        lang = page_lang or settings.language

        def _(message: str, **values: object) -> str:  # attributes (aria-label, placeholder) in the page's language
            return gettext(message, lang, **values)

        html = render_template("studio.html", csrf=csrf, root="/static", lang=lang, _=_,
                               attribution=settings.osm_attribution)  # fmt: skip
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def bootstrap(request: Request) -> Response:
        vocab = await asyncio.to_thread(studio.vocabulary)
        return JSONResponse({**vocab, "routes": studio.routes(), "attribution": settings.osm_attribution})

    async def registry(request: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(studio.registry_view))

    async def registry_edit(request: Request) -> Response:
        b = await _body(request)
        version = b.get("version")
        out = await asyncio.to_thread(
            studio.edit_registry, kind=str(b.get("kind", "")), rid=str(b.get("id", "")),
            field_name=str(b.get("field", "")), value=b.get("value"), who=str(b.get("who", "")),
            why=str(b.get("why", "")), version=version if isinstance(version, int) else None,
        )  # fmt: skip
        return JSONResponse(out)

    async def search(request: Request) -> Response:
        q = request.query_params.get("q", "")
        kinds = [k for k in request.query_params.get("kinds", "").split(",") if k] or None
        return JSONResponse({"hits": studio.search(q, kinds=kinds)})

    async def route_get(request: Request) -> Response:
        return JSONResponse(studio.open_route(request.path_params["name"]))

    async def route_save(request: Request) -> Response:
        b = await _body(request)
        data = b.get("data")
        if not isinstance(data, dict):
            raise ValidationError(gettext("Nothing to save"), ["data: the route's fields are missing"])
        version = b.get("version")
        out = await asyncio.to_thread(studio.save_route, request.path_params["name"], data,
                                      version if isinstance(version, str) else None)  # fmt: skip
        return JSONResponse({**out, "routes": studio.routes()})

    async def check(request: Request) -> Response:
        b = await _body(request)
        await asyncio.to_thread(studio.parse, b.get("data") or {})
        return JSONResponse({"ok": True, "problems": []})

    async def plan(request: Request) -> Response:
        b = await _body(request)
        data = b.get("data")
        if not isinstance(data, dict):
            raise ValidationError(gettext("Nothing to plan"), ["data: the route's fields are missing"])
        future = await asyncio.to_thread(studio.submit_plan, data, client=str(b.get("client", ""))[:64])
        session = await asyncio.wrap_future(future)
        return JSONResponse(session_json(session))

    async def retime(request: Request) -> Response:
        b = await _body(request)
        days = b.get("days")
        if not isinstance(days, list) or not all(isinstance(d, list) for d in days):
            raise ValidationError("the new order is not a list of days", ["days: one list of stops per day"])
        session = await asyncio.to_thread(studio.retime, request.path_params["plan_id"], days)
        return JSONResponse(session_json(session))

    async def publish(request: Request) -> Response:
        b = await _body(request)
        base_url = str(b.get("base_url") or "").strip() or None
        out = await asyncio.to_thread(studio.publish, request.path_params["plan_id"], base_url=base_url)
        if out["page"]:
            out["preview"] = "/preview/" + out["page"]
        return JSONResponse(out)

    async def officer(request: Request) -> Response:
        return JSONResponse(await asyncio.to_thread(studio.officer, request.path_params["plan_id"]))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ValidationError)
        return _problem(422, str(exc).split(":\n")[0], exc.problems or [str(exc)])

    async def on_input(request: Request, exc: Exception) -> Response:
        return _problem(400, str(exc))

    async def on_superseded(request: Request, exc: Exception) -> Response:
        return _problem(409, str(exc), superseded=True)

    async def on_ocop(request: Request, exc: Exception) -> Response:
        return _problem(422, str(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):
            return _problem(exc.status_code, str(exc.detail))
        return HTMLResponse(f"<!doctype html><title>{exc.status_code}</title><p>{exc.status_code}</p>",
                            status_code=exc.status_code)  # fmt: skip

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("studio: %s %s failed", request.method, request.url.path)
        return _problem(500, gettext("Something went wrong in the studio; the details are in its console. "
                                     "Try again, or restart it."))  # fmt: skip

    static = StaticFiles(directory=str(STATIC_DIR))
    basemap = StaticFiles(directory=str(cached_basemap().path))  # the offline basemap, as on the published site
    preview = StaticFiles(directory=str(studio.config.site_dir), check_dir=False, html=True)
    routes = [
        Route("/", page),
        Route("/api/bootstrap", bootstrap),
        Route("/api/registry", registry),
        Route("/api/registry/edit", registry_edit, methods=["POST"]),
        Route("/api/search", search),
        Route("/api/routes/{name}", route_get),
        Route("/api/routes/{name}", route_save, methods=["POST"]),
        Route("/api/check", check, methods=["POST"]),
        Route("/api/plan", plan, methods=["POST"]),
        Route("/api/plans/{plan_id}/retime", retime, methods=["POST"]),
        Route("/api/plans/{plan_id}/publish", publish, methods=["POST"]),
        Route("/api/plans/{plan_id}/officer", officer),
        Mount("/static/basemap", app=basemap),
        Mount("/static", app=static),
        Mount("/preview", app=preview),
    ]
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is not None:
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given, token):
                response: Response = RedirectResponse(request.url.path or "/", status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            if not hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, ""), token):
                return _problem(403, gettext("Open the studio with the address printed when it started (it carries "
                                             "the access token)."))  # fmt: skip
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf):
                return _problem(403, gettext("This request does not come from the studio's page (no CSRF token); "
                                             "reload the page."))  # fmt: skip
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
                return _problem(403, gettext("This request comes from another site; it is refused."))
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    app = Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(BaseHTTPMiddleware, dispatch=guard)],
        exception_handlers={ValidationError: on_validation, InputFileError: on_input, Superseded: on_superseded,
                            OcopGeoError: on_ocop, HTTPException: on_http, Exception: on_error},  # fmt: skip
    )
    app.state.csrf = csrf
    app.state.studio = studio
    return app

