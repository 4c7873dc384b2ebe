"""A byte cap on every request body, enforced while it streams (issue 16, M6).

The attack: a chunked multipart body (no Content-Length) to /report, /login, /logout or any other
POST was spooled to disk with no limit. Here a real uvicorn server receives chunked bodies many times
larger than the cap over a raw socket; the server must answer 413 with a readable page long before
the body ends, and keep serving afterwards.
"""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from safeharbor.storage import Store
from safeharbor.web.bodycap import BODY_LIMIT, PUBLIC_BODY_LIMIT, limit_for_path
from tests.browser_support import live_server

BOUNDARY = "sh-test-boundary"
CHUNK = b"A" * 16 * 1024


def _chunked_upload(base: str, path: str, total: int) -> tuple[int, bytes, int]:
    """POST `total` bytes of multipart as chunked transfer; stop sending once the server answers.

    Returns (status, response bytes, bytes of body sent before the answer came)."""
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nAccept: text/html\r\n\r\n"
    ).encode()
    sent = 0
    try:
        sock.sendall(head)
        opening = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="what_seen"\r\n\r\n'.encode()
        sock.sendall(b"%x\r\n%s\r\n" % (len(opening), opening))
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        else:
            sock.sendall(b"0\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < 200:
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            answer += piece
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer, sent


@pytest.mark.parametrize("path", ["/report", "/es/report/hotel", "/login", "/logout", "/cases"])
def test_chunked_body_over_the_cap_is_refused_while_streaming(store: Store, path: str) -> None:
    limit = limit_for_path(path)
    total = 400 * limit  # 25 MB to the public forms, 400 MB elsewhere: far more than any buffer
    with live_server(store) as base:
        status, answer, sent = _chunked_upload(base, path, total)
        if path == "/logout" and status == 303:
            pass  # sign-out answers without reading its body at all: nothing was spooled either
        else:
            assert status == 413, answer[:300]
            assert b"too large" in answer.lower()
            assert b"text/html" in answer.lower()
        # The server stopped reading near the cap; only socket buffers lie between the two.
        assert sent < total / 4
        # ...and it still serves everyone else.
        assert httpx.get(base + "/", timeout=10).status_code == 200


def test_declared_length_over_the_cap_is_refused_before_reading(store: Store) -> None:
    with live_server(store) as base:
        response = httpx.post(
            base + "/report",
            content=b"x" * (PUBLIC_BODY_LIMIT + 1),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
            timeout=20,
        )
        assert response.status_code == 413
        assert "too large" in response.text.lower()
        assert response.headers["Content-Security-Policy"]  # the page keeps every security header


def test_a_chunked_form_under_the_cap_is_read_as_usual(store: Store) -> None:
    def body() -> object:
        yield b"what_seen=hello&"
        yield b"form_token=nonsense"

    with live_server(store) as base:
        response = httpx.post(
            base + "/report",
            content=body(),  # type: ignore[arg-type]
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
            timeout=20,
        )
    assert response.status_code == 400  # read, then refused for its bad form token: not 413
    assert "hello" in response.text


def test_limits_are_smaller_for_anonymous_forms() -> None:
    assert limit_for_path("/report") == limit_for_path("/login") == PUBLIC_BODY_LIMIT
    assert limit_for_path("/reports-elsewhere") == BODY_LIMIT
    assert PUBLIC_BODY_LIMIT < BODY_LIMIT
