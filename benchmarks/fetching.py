"""One request over a fresh connection, with nothing between the benchmark and the socket but http.client."""

from __future__ import annotations

import http.client

from benchmarks.targets import HOST, Req


def fetch(port: int, req: Req, timeout: float = 10.0) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(req.method, req.target, body=req.body or None, headers=dict(req.headers))
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()
