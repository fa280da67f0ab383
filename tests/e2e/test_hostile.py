"""A hostile client over raw sockets: strict HTTP/1.1 framing (RFC 9112).

Each request below is one a proxy in front might frame otherwise than we do
(request smuggling).  Each must be answered at once with 400 (501 for a
transfer coding we do not implement) and the connection closed, so that the
request smuggled after it is never processed.  A sound request on the same
server still works, and one server runs per port (no SO_REUSEPORT).
"""
import socket
import subprocess
import time

import pytest

from conftest import LAUREL_BIN, db_args, to_db

SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
ANSWER_WITHIN = 5.0  # seconds; the idle timeout is 30, so "at once" is well below


def exchange(url, data, timeout=ANSWER_WITHIN):
    """Send data, read until the server closes; (bytes, seconds, closed)."""
    host, port = url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=timeout)
    t0 = time.monotonic()
    out = b""
    closed = False
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    finally:
        s.close()
    return out, time.monotonic() - t0, closed


CASES = {
    "two different Content-Length": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n"
        b"hello" + SMUGGLED, 400),
    "two Transfer-Encoding": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400),
    "space before the colon of Transfer-Encoding": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n"
        b"Content-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED, 400),
    "Transfer-Encoding and Content-Length": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED, 400),
    "no Host": (b"GET / HTTP/1.1\r\n\r\n" + SMUGGLED, 400),
    "two Host": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + SMUGGLED, 400),
    "bare CR in a header value": (
        b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n" + SMUGGLED, 400),
    "transfer coding gzip": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nxxxx" + SMUGGLED, 501),
    "transfer coding xchunked": (
        b"POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n4\r\nxxxx\r\n"
        b"0\r\n\r\n" + SMUGGLED, 501),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ambiguous_framing_refused_at_once(base, name):
    data, status = CASES[name]
    out, took, closed = exchange(base, data)
    responses = out.count(b"HTTP/1.1 ")
    first = out.split(b"\r\n", 1)[0].decode("latin1")
    assert first.startswith("HTTP/1.1 %d" % status), (
        "%s: expected %d at once, saw %r after %.1f s" % (name, status, out[:200], took))
    assert closed, "%s: expected the server to close the connection; it stayed open %.1f s" % (
        name, took)
    assert responses == 1, ("%s: expected exactly one response (the smuggled request never "
                            "processed), saw %d: %r" % (name, responses, out[:600]))
    assert b"Connection: close" in out, "%s: expected Connection: close; saw %r" % (
        name, out[:300])


def test_http10_without_host_is_fine(base):
    out, took, closed = exchange(base, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200") or out.startswith(b"HTTP/1.0 200"), (
        "expected an HTTP/1.0 request without Host to be answered 200; saw %r" % out[:200])


def test_sound_keepalive_pair_answered(base):
    data = (b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
            b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    out, took, closed = exchange(base, data, timeout=10)
    assert out.count(b"HTTP/1.1 200") == 2, (
        "expected two pipelined sound requests both answered 200; saw %r" % out[:600])


def test_no_second_server_on_the_same_port(laurel_server, tmp_path):
    """SO_REUSEPORT would let a second server (on another data folder) share the port and
    split the traffic; it must fail to listen instead."""
    data = str(tmp_path / "other")
    subprocess.run([LAUREL_BIN, "init", "--data", data], check=True, capture_output=True,
                   timeout=60)
    to_db(data)
    try:
        p = subprocess.run([LAUREL_BIN, "serve", "--data", data, *db_args(data), "--listen",
                            "127.0.0.1:%d" % laurel_server.port], capture_output=True,
                           timeout=30, cwd=str(tmp_path))
    except subprocess.TimeoutExpired:
        raise AssertionError("expected a second server on port %d to fail at once; it served"
                             % laurel_server.port)
    assert p.returncode != 0 and b"cannot listen" in p.stderr, (
        "expected a second server on port %d to fail to listen; saw exit %d: %r"
        % (laurel_server.port, p.returncode, p.stderr[-300:]))


# libmicrohttpd 0.9.75 cuts a header value at a NUL, waits for a whole header block after a
# garbage request line, and sends the status line and headers of its own error answers twice;
# src/http/rawguard.c reads the raw bytes before it does (see rawscan.h).

def one_refusal(out, status, what):
    assert out.startswith(b"HTTP/1.1 %d" % status), "%s: expected %d at once; saw %r" % (
        what, status, out[:200])
    assert out.count(b"HTTP/1.1 ") == 1, "%s: expected exactly one response; saw %d: %r" % (
        what, out.count(b"HTTP/1.1 "), out[:600])
    head, _, body = out.partition(b"\r\n\r\n")
    assert b"Connection: close" in head, "%s: expected Connection: close; saw %r" % (what, head)
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    assert len(body) == length, "%s: expected a body of %d bytes; saw %r" % (what, length, body)


def test_nul_in_header_value_refused(base):
    out, took, closed = exchange(base, b"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n" +
                                 SMUGGLED)
    one_refusal(out, 400, "a NUL in a header value")
    assert closed, "expected the connection closed after the 400"


def test_garbage_request_line_refused_at_once(base):
    out, took, closed = exchange(base, b"\x00\x01\x02 hello\r\n")
    one_refusal(out, 400, "a garbage request line")
    assert closed and took < ANSWER_WITHIN, "expected an answer and a close at once; took %.1f s" % (
        took)


def test_request_line_without_version_refused(base):
    out, took, closed = exchange(base, b"GET /healthz\r\n\r\n")
    one_refusal(out, 400, "a request line without HTTP/1.x")


def test_bad_content_length_one_response(base):
    out, took, closed = exchange(base, b"POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 5x"
                                 b"\r\n\r\nhello" + SMUGGLED)
    one_refusal(out, 400, "a Content-Length of 5x")


def test_unsupported_version_one_response(base):
    out, took, closed = exchange(base, b"GET /healthz HTTP/2.0\r\nHost: a\r\n\r\n")
    one_refusal(out, 505, "HTTP/2.0 in a request line")


def test_oversized_cookie_one_response(base):
    """Past the header limit (12 KiB): one 431, not the library's own answer twice."""
    out, took, closed = exchange(base, b"GET / HTTP/1.1\r\nHost: a\r\nCookie: " + b"a" * 40000 +
                                 b"\r\n\r\n")
    one_refusal(out, 431, "a 40,000-byte cookie")
    out, took, closed = exchange(base, b"GET / HTTP/1.1\r\nHost: a\r\nCookie: " + b"a" * 16000 +
                                 b"\r\n\r\n")
    one_refusal(out, 431, "a 16,000-byte cookie")


def test_large_cookie_within_limit_answered(base):
    """A head under the limit, however much of it is cookie, is read and answered once."""
    out, took, closed = exchange(base, b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                                 b"Cookie: " + b"a" * 11000 + b"\r\n\r\n", timeout=10)
    assert out.startswith(b"HTTP/1.1 200") and out.count(b"HTTP/1.1 ") == 1, (
        "expected one 200 for an 11,000-byte cookie; saw %r" % out[:300])


def test_refusal_waits_for_the_request_before_it(base):
    """Pipelined: a sound request, then one with a NUL; the first is answered, then the 400."""
    out, took, closed = exchange(base, b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                                 b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: \x00\r\n\r\n", timeout=10)
    first, _, rest = out.partition(b"ok\n")
    assert first.startswith(b"HTTP/1.1 200") and rest.startswith(b"HTTP/1.1 400"), (
        "expected 200 then 400 on one connection; saw %r" % out[:800])
    assert out.count(b"HTTP/1.1 ") == 2 and closed, "expected two responses and a close; saw %r" % (
        out[:800])


def test_request_after_a_chunked_body_is_read(base):
    """The raw check follows a chunked body (a NUL in it is data) to the request after it."""
    out, took, closed = exchange(base, b"POST /login HTTP/1.1\r\nHost: a\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n3\r\na\x00c\r\n0\r\n\r\n"
                                 b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                                 timeout=10)
    assert out.count(b"HTTP/1.1 ") == 2 and out.rstrip().endswith(b"ok"), (
        "expected the POST answered, then /healthz 200; saw %r" % out[:800])
