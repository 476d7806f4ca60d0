"""Assemble the review app: routes, static files, errors, token and safety headers.

Only assembly happens here; endpoints are in :mod:`pipeline.review.routes` and
storage in :mod:`pipeline.review.store`.

Security
--------
* Binds to 127.0.0.1 unless told otherwise; another host needs a token
  (:func:`serve` refuses to start without one).
* With a token, every request must carry it: header ``X-Review-Token``,
  ``Authorization: Bearer ...``, or the ``review_token`` cookie that the first
  ``/?token=...`` visit sets.
* Without a token, only ``Host: 127.0.0.1 / localhost`` is served (no DNS
  rebinding), and state-changing requests must be ``application/json``
  (a cross-site form cannot send that without a CORS preflight, which this app
  never grants).
* A Content-Security-Policy allowing only the app's own scripts, so even text
  that slipped into the DOM as HTML could not run.
"""
from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .routes import router
from .store import ReviewError, ReviewStore

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "review_token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(store: Optional[ReviewStore] = None, *, token: Optional[str] = None,
               allowed_hosts: Optional[tuple] = None) -> FastAPI:
    """The review app over ``store``.

    Parameters
    ----------
    store : ReviewStore, optional
        Storage; may be left out when tests override ``routes.get_store``.
    token : str, optional
        When set, every request must carry it.
    allowed_hosts : tuple of str, optional
        Host names accepted in the ``Host`` header (``None``: any).

    Returns
    -------
    fastapi.FastAPI
    """
    app = FastAPI(title="KB review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.token = token
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.exception_handler(ReviewError)
    async def review_error(request: Request, exc: ReviewError):
        return JSONResponse({"detail": str(exc)}, status_code=getattr(exc, "status", 400))

    @app.middleware("http")
    async def guard(request: Request, call_next):
        host = _host_name(request.headers.get("host") or "")
        if allowed_hosts is not None and host not in allowed_hosts:
            return JSONResponse({"detail": f"host {host!r} is not served; open http://127.0.0.1:PORT/"},
                                status_code=400)
        set_cookie = False
        if token:
            given = (request.headers.get("x-review-token") or _bearer(request.headers.get("authorization"))
                     or request.cookies.get(COOKIE) or "")
            query = request.query_params.get("token")
            if query and secrets.compare_digest(query.encode(), token.encode()):
                set_cookie = True
            elif not (given and secrets.compare_digest(given.encode(), token.encode())):
                return JSONResponse({"detail": "this review server needs its token: open the URL printed at "
                                               "start-up (ending in ?token=...) or send the X-Review-Token header"},
                                    status_code=401)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return JSONResponse({"detail": "send the action as JSON (Content-Type: application/json)"},
                                    status_code=415)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        if set_cookie:
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    return app


def _host_name(header: str) -> str:
    """``127.0.0.1:8765`` -> ``127.0.0.1``; ``[::1]:8765`` -> ``[::1]``."""
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


def _bearer(value: Optional[str]) -> str:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return ""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: Optional[str]) -> None:
    """Refuse to expose the app beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise ReviewError(f"binding to {host} lets other machines reach the review app; "
                          "pass --token SECRET (every request must then carry it) or use --host 127.0.0.1")


def serve(kb_dir, host: str = "127.0.0.1", port: int = 8765, reviewer: Optional[str] = None,
          token: Optional[str] = None, log_level: str = "warning") -> None:
    """Run the app with uvicorn until interrupted (the ``review`` command)."""
    import uvicorn

    check_bind(host, token)
    store = ReviewStore(kb_dir, reviewer=reviewer or "reviewer")
    allowed = None if token else tuple(LOOPBACK_HOSTS) + ((host,) if host not in LOOPBACK_HOSTS else ())
    app = create_app(store, token=token, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    p = store.progress()
    print(f"Reviewing {store.dir} ({p['total']} documents, {p['done']} done) as {store.reviewer}: open {url}\n"
          f"Corrections go to {store.dir / 'corrections.jsonl'}; stop with Ctrl+C.", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
