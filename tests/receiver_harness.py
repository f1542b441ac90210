"""Receivers that answer badly, on 127.0.0.1: raw sockets, one thread per connection.

Each serves one malformed answer to every request it gets (after reading the
request), so a test can point an integration at it and watch the worker live.
"""

from __future__ import annotations

import socket
import threading
import time

STATUS_OK = b"HTTP/1.1 200 OK\r\n"

ANSWERS: dict[str, bytes | None] = {
    # Not HTTP at all: another protocol's banner.
    "not_http": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    # One header of 70 KB.
    "huge_header": STATUS_OK + b"X-Padding: " + b"a" * 70_000 + b"\r\n\r\n",
    # 150 headers.
    "many_headers": STATUS_OK
    + b"".join(b"X-Header-%d: %d\r\n" % (n, n) for n in range(150))
    + b"\r\n",
    # A 2xx with a 10 MB body: the status is all the worker needs.
    "huge_body": STATUS_OK + b"Content-Length: 10485760\r\n\r\n" + b"x" * 10_485_760,
    # A 500 with a 10 MB body.
    "huge_error_body": b"HTTP/1.1 500 Oops\r\nContent-Length: 10485760\r\n\r\n" + b"y" * 10_485_760,
    # A redirect to the metadata service: not followed.
    "redirect": b"HTTP/1.1 307 Temporary Redirect\r\n"
    b"Location: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n",
    # The connection closed without a word.
    "close": b"",
    # Accepts, reads, never answers.
    "hang": None,
    # A byte every 0.2 s forever: each read succeeds, the whole never ends.
    "trickle": None,
}


class BadReceiver:
    def __init__(self, answer: str):
        self.answer = answer
        self.requests = 0
        self.stop = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.server.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                _read_request(conn)
                self.requests += 1
                if self.answer == "hang":
                    self.stop.wait(30)
                elif self.answer == "trickle":
                    conn.sendall(STATUS_OK)
                    while not self.stop.wait(0.2):
                        conn.sendall(b"X")
                else:
                    conn.sendall(ANSWERS[self.answer])
            except OSError:
                pass  # the worker hung up first: what it should do


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    deadline = time.monotonic() + 5
    while len(body) < length and time.monotonic() < deadline:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk
