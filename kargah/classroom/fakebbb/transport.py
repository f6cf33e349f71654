"""An httpx transport that answers the BBB client from the fake in this process (tests)."""

from __future__ import annotations

import httpx

from kargah.classroom.fakebbb import server


class FakeBBBTransport(httpx.BaseTransport):
    """Routes `…/api/<call>?<query>` to `server.handle` without a network or a request
    cycle, so a test's threads each keep their own database connection."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call = request.url.path.rsplit("/api/", 1)[-1].strip("/")
        self.calls.append(call)
        answer = server.handle(call, request.url.query.decode())
        return httpx.Response(
            answer.status, text=answer.body, headers={"Content-Type": answer.content_type}
        )
