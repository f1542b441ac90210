"""Integrations in tests: a real webhook receiver on loopback, and API clients."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from integrations.signing import HEADER, BadSignature, verify
from integrations.tokens import issue_token
from outbox.models import Integration


class Receiver:
    """What a careful receiver does: check the signature, then deduplicate by event id."""

    def __init__(self, secret: str):
        self.secret = secret
        self.answer = 200
        self.received: list[str] = []  # every event id accepted, duplicates included
        self.posts = 0  # requests with a good signature, answered or not
        self.rejected: list[str] = []  # why requests were refused
        self.lock = threading.Lock()
        self.url = ""

    @property
    def unique(self) -> set[str]:
        return set(self.received)

    def handle(self, headers, body: bytes) -> int:
        try:
            verify(self.secret, headers.get(HEADER, ""), body)
        except BadSignature as error:
            with self.lock:
                self.rejected.append(str(error))
            return 400
        with self.lock:
            self.posts += 1
        if callable(self.answer):  # decides per request: e.g. fail every third
            answer = self.answer()
            if answer != 200:
                return answer
        elif self.answer != 200:
            with self.lock:
                self.rejected.append(f"answered {self.answer}")
            return self.answer
        with self.lock:
            self.received += [event["id"] for event in json.loads(body)["events"]]
        return 200


def start_receiver(secret: str) -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(receiver.handle(self.headers, body))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


def make_integration(name: str = "erp", *, events=(), **fields) -> Integration:
    return Integration.objects.create(name=name, event_types=list(events), **fields)


def api_client(integration: Integration) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(integration)}")
    return client
