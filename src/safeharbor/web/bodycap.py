"""A byte cap on every request body, enforced while it streams in (issue 16, M6).

Starlette spools a multipart body to disk as it arrives and FastAPI reads a form before any route or
dependency runs, so a cap checked by a route, or a `Content-Length` check alone, does not bound what
one anonymous request can make the server read: a chunked body declares no length at all. This ASGI
middleware counts the bytes of every `http.request` message whatever the headers say. A declared
length over the cap is refused before anything is read; a stream that goes over is stopped at the
first message past the cap by raising `BodyTooLarge` (an HTTP 413) from `receive`, which the app's
own exception handlers turn into a readable page. The response asks the client to close the
connection, so the rest of an oversized body is never read.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
# Anonymous forms (the tip forms, sign-in, sign-out) carry words: anything bigger is not a form.
PUBLIC_BODY_LIMIT = 64 * KIB
# Everything else a signed-in person sends (notes, case text, reviews) is still typed by hand.
BODY_LIMIT = 1024 * KIB
_PUBLIC_POSTS = ("/report", "/es/report", "/login", "/logout")

FALLBACK_PAGE = (
    b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Too large</title></head>"
    b"<body><h1>That was too large to send</h1><p>Nothing was kept. Please shorten what you wrote "
    b"and send it again.</p></body></html>"
)


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a request body passes its cap (an HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"The request was larger than {limit // KIB} KiB; nothing of it was kept.",
            headers={"Connection": "close"},
        )
        self.limit = limit


def limit_for_path(path: str) -> int:
    """The cap for a request to `path`: smaller for the forms anyone may send."""
    for prefix in _PUBLIC_POSTS:
        if path == prefix or path.startswith(prefix + "/"):
            return PUBLIC_BODY_LIMIT
    return BODY_LIMIT


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimit:
    """ASGI middleware: no request body larger than `limit_for(path)` bytes is ever read."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] = limit_for_path) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = _declared_length(scope)
        received = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge:
            # Raised where no exception handler was in reach (e.g. by a middleware reading the body).
            if started:
                raise
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(FALLBACK_PAGE)).encode()),
                        (b"connection", b"close"),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": FALLBACK_PAGE})
