"""gzip for answers of at least `THRESHOLD` bytes, when the client accepts it, as every production API does.

A mock's answers repeat, and the pipeline hands out a kept answer as the very same `bytes` object every time (see
`mockserver.pipeline`), so each distinct body is compressed once and its gzip kept in a byte-bounded cache keyed by
the body itself (a `bytes` object caches its hash, and a dict compares by identity first: a hit costs a lookup).
Starlette's `GZipMiddleware` compresses again on every request instead.

Only what a client that accepts gzip gets is touched: a compressed answer carries `Content-Encoding: gzip` and
`Vary: Accept-Encoding`; an identity answer suits every client, so the others get it unchanged. A HEAD answer is
the identity representation's headers (with `Vary`): its body is not there to compress, and identity is a valid
choice for any request. A streamed body (more than one message, e.g. a large Swagger UI file) goes uncompressed.
"""

from __future__ import annotations

import gzip

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.http.raw_headers import RawHeaders, headers_of, replace, vary
from mockserver.state.cache import BoundedCache, memo, text_size

THRESHOLD = 500  # bytes: below this, gzip's header and the CPU cost more than they save
BUDGET = 16 << 20  # bytes of bodies and their gzip kept
LEVEL = 6  # zlib's default: most of level 9's ratio at a fraction of its time (each body is compressed once)
COMPRESSIBLE = (b"application/json", b"text/", b"application/javascript")


@memo(1 << 20, text_size)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` allows gzip: listed (or `*`) with a non-zero weight."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[coding.strip()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=LEVEL, mtime=0)  # mtime=0: the same body always gives the same bytes


class Compression:
    def __init__(self, app: ASGIApp, threshold: int = THRESHOLD, budget: int = BUDGET) -> None:
        self.app = app
        self.threshold = threshold
        self.gzipped = BoundedCache(budget, weigh=lambda body, gzipped: len(body) + len(gzipped))

    @staticmethod
    def passes(scope: Scope) -> bool:
        """Nothing to compress for this HTTP request: its client does not accept gzip."""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                return not accepts_gzip(value.decode("latin-1"))
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.passes(scope):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        held: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                raw = headers_of(message)
                if not self.eligible(raw):
                    await send(message)
                    return
                if head:
                    replace(raw, {b"vary": vary(raw, b"Accept-Encoding")})
                    await send(message)
                    return
                held = message  # sent with the first body message, once its size is known
                return
            if held is None:
                await send(message)
                return
            start, held = held, None
            body = message.get("body", b"")
            whole = message["type"] == "http.response.body" and not message.get("more_body", False)
            raw = headers_of(start)
            headers = {b"vary": vary(raw, b"Accept-Encoding")}
            if whole and len(body) >= self.threshold:
                gzipped = self.gzipped.get(body, lambda: compress(body))
                if len(gzipped) < len(body):
                    headers[b"content-encoding"] = b"gzip"
                    headers[b"content-length"] = b"%d" % len(gzipped)
                    message = {"type": "http.response.body", "body": gzipped}
            replace(raw, headers)
            await send(start)
            await send(message)

        await self.app(scope, receive, send_compressed)

    def eligible(self, raw: RawHeaders) -> bool:
        """A body of known length at or above the threshold, of a compressible type, not already encoded."""
        length, content_type = b"", b""
        for name, value in raw:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                content_type = value
            elif name == b"content-encoding":
                return False
        return length.isdigit() and int(length) >= self.threshold and content_type.startswith(COMPRESSIBLE)
