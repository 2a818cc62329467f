"""The widget's demo page, the agent console page and their static files, with the headers that
keep them safe (Content-Security-Policy, no framing of the console).

Example::

    if mount_static(sanic_app, Path("widget/dist")):
        ...   # /, /console and /static/* are served
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, file

from handoff.edges.http_api import error
from handoff.protocol.errors import ErrorCode

# The pages load only their own scripts and styles and talk only to this origin (the socket.io
# websocket included: CSP 3 lets 'self' match ws/wss of the same host). The widget styles its
# Shadow DOM with a constructed stylesheet, so no inline styles are needed. The console must
# never be framed (clickjacking); the demo page may be framed by itself only.
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
)
PAGE_HEADERS = {
    "index.html": {"Content-Security-Policy": _PAGE_CSP + "frame-ancestors 'self'"},
    "console.html": {
        "Content-Security-Policy": _PAGE_CSP + "frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
    },
}


def mount_static(app: Sanic[Any, Any], directory: Path) -> bool:
    """Serve the widget and console (issue 4) when their build directory exists.

    ``/`` -> ``index.html`` (demo page), ``/console`` -> ``console.html`` (each with its
    Content-Security-Policy), ``/static/*`` -> the files under ``static/``.
    """
    if not directory.is_dir():
        return False
    root = directory.resolve()
    # Only static/ is served as files: the pages themselves go out with their headers below.
    if (root / "static").is_dir():
        app.static("/static", root / "static", name="static")

    async def page(request: Request, name: str) -> HTTPResponse:
        path = root / name
        if not path.is_file():
            return error(404, ErrorCode.NOT_FOUND, f"{name} is not built")
        return await file(path, headers={"Cache-Control": "no-cache", **PAGE_HEADERS[name]})

    async def index(request: Request) -> HTTPResponse:
        return await page(request, "index.html")

    async def console(request: Request) -> HTTPResponse:
        return await page(request, "console.html")

    app.add_route(index, "/", methods=["GET"], name="static_index")
    app.add_route(console, "/console", methods=["GET"], name="static_console")
    return True
