"""Slow senders cannot hold the server (a hostile client over raw sockets).

The idle timeout restarts with every byte, so it cannot stop a client that
drips its headers or its body.  The server (here with --header-timeout 2)
cuts a request whose headers are not complete 2 s after its request line,
and a body slower than 512 bytes/s once that grace is over; meanwhile other
clients are served at once.  Sending bytes slowly is what these clients do,
so the pauses below are the behaviour under test, not waits for the server.
"""
import socket
import time

import pytest
import requests

from conftest import demo_server, metrics_values

DEADLINE = 2


@pytest.fixture(scope="module")
def strict():
    with demo_server("laurel-slow-", "--header-timeout", str(DEADLINE)) as srv:
        yield srv


def drip(url, head, chunks, every, limit):
    """Send head, then each chunk every `every` s until the server closes or `limit` s pass;
    returns (seconds until closed or None, bytes answered)."""
    host, port = url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=limit)
    t0 = time.monotonic()
    got = b""
    try:
        s.sendall(head)
        for chunk in chunks:
            if time.monotonic() - t0 > limit:
                return None, got
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - t0, got
            s.settimeout(every)
            try:
                d = s.recv(4096)
                if not d:
                    return time.monotonic() - t0, got
                got += d
            except socket.timeout:
                pass
        return None, got
    finally:
        s.close()


def test_slow_headers_cut_after_the_deadline(strict):
    head = b"GET / HTTP/1.1\r\nHost: a\r\n"
    chunks = [b"X-Slow-%d: 1\r\n" % i for i in range(100)]
    took, got = drip(strict.url, head, chunks, 0.5, DEADLINE + 8)
    assert took is not None and took < DEADLINE + 3, (
        "expected the connection cut about %d s after the request line; saw %r" % (DEADLINE, took))
    assert not got.startswith(b"HTTP/1.1 200"), "expected no answer to a dripped request"


def test_slow_body_cut(strict):
    head = (b"POST /login HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: 100000\r\n\r\n")
    took, got = drip(strict.url, head, [b"a=bbbbbbbb&" for _ in range(200)], 0.5, DEADLINE + 8)
    assert took is not None and took < DEADLINE + 3, (
        "expected a body at ~22 bytes/s cut after the %d s grace; saw %r" % (DEADLINE, took))


def test_others_served_while_slow_clients_wait(strict):
    socks = []
    try:
        for i in range(50):
            s = socket.create_connection(("127.0.0.1", strict.port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Wait: ")
            socks.append(s)
        t0 = time.monotonic()
        r = requests.get(strict.url + "/healthz", timeout=5)
        assert r.status_code == 200 and time.monotonic() - t0 < 2, (
            "expected /healthz at once beside 50 slow clients; saw %d after %.1f s"
            % (r.status_code, time.monotonic() - t0))
        # Each slow client is cut by the deadline: its socket reads end-of-file.
        deadline = time.monotonic() + DEADLINE + 5
        for s in socks:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                assert s.recv(100) == b"", "expected the slow client cut without an answer"
            except socket.timeout:
                raise AssertionError("expected every slow client cut within %d s"
                                     % (DEADLINE + 5))
    finally:
        for s in socks:
            s.close()
    assert metrics_values(strict.url).get("laurel_http_cut_slow_total", 0) >= 50


def test_a_prompt_request_is_unaffected(strict):
    r = requests.get(strict.url + "/cases", timeout=10)
    assert r.status_code == 200


def test_slow_request_line_cut_after_the_deadline(strict):
    """A request line dripped a byte at a time: the deadline runs from its first byte (the idle
    timeout, 30 s, restarts with every byte and would never end it)."""
    took, got = drip(strict.url, b"G", [b"E", b"T", b" ", b"/"] + [b"a"] * 100, 0.5,
                     DEADLINE + 8)
    assert took is not None and took < DEADLINE + 3, (
        "expected a dripped request line cut about %d s after its first byte; saw %r"
        % (DEADLINE, took))


def test_headroom_closes_idle_connections_not_begun_requests():
    """Near the connection limit (here 64; the last eighth is headroom) idle keep-alive
    connections are closed, oldest first, so that new clients get in; a connection on which a
    request has begun is never one of them, though it is the oldest."""
    with demo_server("laurel-headroom-", "--max-connections", "64") as srv:
        begun = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        begun.sendall(b"GET /heal")
        idle = []
        try:
            for i in range(58):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
                assert s.recv(4096).startswith(b"HTTP/1.1 200"), "expected /healthz 200"
                idle.append(s)
            cut = 0
            deadline = time.monotonic() + 15
            while cut < 5 and time.monotonic() < deadline:  # the watchdog looks 4 times a second
                cut = metrics_values(srv.url).get("laurel_http_cut_idle_total", 0)
                time.sleep(0.1)
            assert cut >= 5, "expected idle connections closed near the limit; %d were" % cut
            r = requests.get(srv.url + "/healthz", timeout=5)
            assert r.status_code == 200, "expected a new client served near the limit"
            closed = 0
            for s in idle[:5]:  # the oldest idle ones
                s.settimeout(5)
                try:
                    closed += s.recv(100) == b""
                except ConnectionResetError:
                    closed += 1
            assert closed == 5, "expected the 5 oldest idle connections closed; %d were" % closed
            begun.sendall(b"thz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            out = begun.recv(4096)
            assert out.startswith(b"HTTP/1.1 200"), (
                "expected the begun request finished and answered; saw %r" % out[:100])
        finally:
            begun.close()
            for s in idle:
                s.close()
