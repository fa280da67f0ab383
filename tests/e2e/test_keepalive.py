"""Keep-alive without lost requests: the server announces how long it keeps an
idle connection (Keep-Alive: timeout=N, below its real idle timeout), and the
test client, as browsers do, retries an idempotent request whose pooled
connection was closed before any byte of the answer (never a POST)."""
import socket
import threading

import pytest
import requests

from conftest import get


def test_keepalive_timeout_announced(base):
    r = get(base, "/healthz")
    ka = r.headers.get("Keep-Alive", "")
    assert ka.startswith("timeout="), "expected Keep-Alive: timeout=N; saw %r" % ka
    n = int(ka.split("=", 1)[1])
    assert 1 <= n < 30, "expected a timeout below the 30 s idle timeout; saw %d" % n


class CloseFirst:
    """A loopback server that closes its first connection after reading a request, without
    answering, and answers 200 on every later one."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                d = c.recv(4096)
                if not d:
                    break
                data += d
            self.requests += 1
            if self.requests > 1:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            c.close()

    def close(self):
        self.sock.close()


def test_client_retries_an_idempotent_request_closed_before_any_byte():
    srv = CloseFirst()
    try:
        r = requests.get("http://127.0.0.1:%d/" % srv.port, timeout=10)
        assert r.status_code == 200 and srv.requests == 2, (
            "expected the GET retried once on a new connection; saw %d after %d requests"
            % (r.status_code, srv.requests))
    finally:
        srv.close()


def test_client_never_retries_a_post():
    srv = CloseFirst()
    try:
        with pytest.raises(requests.ConnectionError):
            requests.post("http://127.0.0.1:%d/" % srv.port, data={"a": "1"}, timeout=10)
        assert srv.requests == 1, "expected one POST only; the server saw %d" % srv.requests
    finally:
        srv.close()
