"""The door (src/http/frontdoor.c): a plain GET /healthz is answered by the accept thread,
ahead of requests queued on the server's threads, with the same answer as the route's; the
connection then goes on to the server; any other head goes the full way untouched."""
import json
import socket
import time

from conftest import HTTP_TIMEOUT, metrics_values

DOOR = "laurel_http_door_health_total"


def door_count(base):
    return metrics_values(base).get(DOOR, 0)


def connect(base):
    host, port = base.rsplit("/", 1)[1].split(":")
    s = Conn(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(HTTP_TIMEOUT)
    s.connect((host, int(port)))
    return s


def read_answer(s):
    """One HTTP answer from socket s: (status, {header lower: value}, body).  Reads through
    a buffered file kept on the socket, so that a second answer sent at once is kept."""
    f = getattr(s, "_door_file", None) or s.makefile("rb")
    s._door_file = f
    line = f.readline()
    assert line, "expected an answer, saw the connection closed"
    status = int(line.split()[1])
    headers = {}
    while True:
        line = f.readline().decode("latin-1").strip()
        if not line:
            break
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return status, headers, body


class Conn(socket.socket):
    """A socket that can carry read_answer's buffered file."""


def test_plain_check_answered_at_the_door_then_the_connection_goes_on(base):
    before = door_count(base)
    with connect(base) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nUser-Agent: lb\r\n\r\n")
        status, h, body = read_answer(s)
        assert (status, body) == (200, b"ok\n"), "expected 200 ok, saw %d %r" % (status, body)
        for k, v in (("content-type", "text/plain; charset=utf-8"),
                     ("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                     ("cache-control", "no-store"), ("referrer-policy", "same-origin")):
            assert h.get(k) == v, "expected %s: %s at the door, saw %r" % (k, v, h.get(k))
        assert h.get("keep-alive", "").startswith("timeout="), (
            "expected Keep-Alive on a kept connection, saw %r" % h)
        assert "date" in h, "expected a Date header, saw %r" % h
        # The same connection, now the server's: a page and a second check.
        s.sendall(b"GET /cases HTTP/1.1\r\nHost: probe\r\n\r\n")
        status, h, body = read_answer(s)
        assert status == 200 and b"<html" in body, "expected the case list, saw %d" % status
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        status, h, body = read_answer(s)
        assert (status, body) == (200, b"ok\n"), "expected 200 ok again, saw %d %r" % (
            status, body)
    after = door_count(base)
    assert after == before + 1, (
        "expected one check answered at the door (the later one by the server), saw %d -> %d"
        % (before, after))


def test_connection_close_honoured(base):
    before = door_count(base)
    with connect(base) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        status, h, body = read_answer(s)
        assert status == 200 and h.get("connection", "").lower() == "close", (
            "expected 200 with Connection: close, saw %d %r" % (status, h))
        assert s._door_file.read(1) == b"", "expected the connection closed after the answer"
    assert door_count(base) == before + 1, "expected the check answered at the door"


def test_other_heads_go_the_full_way(base):
    before = door_count(base)
    heads = [
        b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /healthz?lang=en HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: a=b\r\nConnection: close\r\n\r\n",
        # Two checks at once: the server answers both, in order.
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n",
    ]
    for head in heads:
        with connect(base) as s:
            s.sendall(head)
            for _ in range(head.count(b"GET ") + head.count(b"HEAD ")):
                status, h, body = read_answer(s)
                if head.startswith(b"HEAD"):
                    assert status == 200, "HEAD: saw %d" % status
                    continue
                assert (status, body) == (200, b"ok\n"), "%r: saw %d %r" % (head, status, body)
    # A head in two pieces, the first a check's beginning: waited for, then answered.
    with connect(base) as s:
        s.sendall(b"GET /heal")
        time.sleep(0.05)  # the pieces apart, as a slow client sends them (not a wait on the server)
        s.sendall(b"thz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, h, body = read_answer(s)
        assert (status, body) == (200, b"ok\n"), "split head: saw %d %r" % (status, body)
    after = door_count(base)
    assert after in (before, before + 1), (
        "expected none of the other heads answered at the door, saw %d -> %d" % (before, after))


def test_door_answers_are_logged(base, laurel_server):
    with connect(base) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        read_answer(s)
    deadline = time.monotonic() + 30
    while True:
        with open(laurel_server.access_log, encoding="utf-8") as f:
            lines = [json.loads(x) for x in f if '"/healthz"' in x]
        if lines and lines[-1]["status"] == 200 and lines[-1]["method"] == "GET":
            break
        assert time.monotonic() < deadline, "expected the door's answer in the access log"
        time.sleep(0.2)


def test_libmicrohttpd_idle_socket_refuses_a_local_connection(laurel_server, base):
    """libmicrohttpd's own listening socket (abstract Unix, laurel-idle-PID-N) is never
    connected to by the door; a local process that finds it and connects is refused at
    accept (the accept policy takes IP peers only): the connection closes without an
    answer, and the server stays up."""
    name = "@laurel-idle-%d-" % laurel_server.proc.pid
    with open("/proc/net/unix") as f:
        paths = [line.split()[-1] for line in f if name in line]
    assert paths, "expected libmicrohttpd's idle socket %s* in /proc/net/unix" % name
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(HTTP_TIMEOUT)
        s.connect("\0" + paths[0][1:])
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = s.recv(4096)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""
        assert answer == b"", "expected the connection refused, saw %r" % answer[:200]
    with connect(base) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n")
        assert read_answer(s)[0] == 200
