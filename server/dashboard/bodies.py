"""How much a request may send: a cap on every body, applied before anything parses it.

Everything the dashboard takes is small: a login (a password of at most 1,024
characters, percent-encoded: LOGIN_BODY_BYTES), an annotation or a setup (a few KB of
JSON or form, BODY_BYTES); only the watch's file, uploaded after a login, may be larger
(device.watch.read.MAX_WATCH_FILE_BYTES, and its form's envelope: UPLOADS; its own route
checks it again). A body declared larger (Content-Length) is refused before a
byte of it is read; one sent without a length (chunked) is counted as it comes and
refused as soon as it passes the cap. Nothing is spooled to the SD card (Starlette's
multipart parser writes a file part over 1 MB to the temporary folder), and nothing big
is held in memory.
"""

from __future__ import annotations

import json
import re

from footnote.device.watch.read import MAX_WATCH_FILE_BYTES

LOGIN_BODY_BYTES = 16 * 1024
BODY_BYTES = 64 * 1024
UPLOADS = (
    (re.compile(r"/runs/[0-9]+/watch"), MAX_WATCH_FILE_BYTES + BODY_BYTES),  # a form: the file and the CSRF field
    (re.compile(r"/api/runs/[0-9]+/watch-file"), MAX_WATCH_FILE_BYTES),  # the file itself
)


def cap_for(path: str) -> int:
    if path == "/login":
        return LOGIN_BODY_BYTES
    return next((cap for pattern, cap in UPLOADS if pattern.fullmatch(path)), BODY_BYTES)


def _too_large(cap: int) -> tuple[dict, dict]:
    body = json.dumps({"detail": f"The request body is larger than this dashboard accepts ({cap} bytes)."}).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """ASGI middleware: 413 for a body over cap_for(path)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = cap_for(scope["path"])
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            for message in _too_large(cap):
                await send(message)
            return
        received = 0
        over = False
        started = False

        async def counted_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    # To the app the client has gone: it stops reading; the answer is ours.
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's answer to a body it never got whole
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            for message in _too_large(cap):
                await send(message)
