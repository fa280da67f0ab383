"""A graceful stop: SIGTERM lets a request in flight finish, refuses new
connections, and the server exits 0 even while clients keep connecting.

The request in flight is one the server has begun: it is sent with "Expect:
100-continue", as curl sends a large body, and the server's "100 Continue" says
it has read the head (before that, on a busy machine, the connection might not
even have been accepted when the signal came).  The server learns of the
signal, says so on its log ("finishing requests in flight"), and only then is a
new connection tried; the test waits on that line, never on a clock.  Clients keep opening connections through the stop because
that is when the listening socket changes hands inside libmicrohttpd (an
earlier stop aborted the process there).
"""
import os
import shutil
import signal
import socket
import tempfile
import threading
import time

from conftest import LAUREL_BIN, LaurelServer, make_demo

SIGNALLED = "finishing requests in flight"


def begun_request(port, body_length):
    """A connection whose POST head the server has read and begun: it has
    answered the head's "Expect: 100-continue"."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(("POST /login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Expect: 100-continue\r\n"
               "Content-Length: %d\r\n\r\n" % (port, body_length)).encode())
    interim = read_answer(s)
    assert interim.startswith(b"HTTP/1.1 100 "), (
        "expected the server to answer the head with 100 Continue; saw %r" % interim[:200])
    return s


def read_answer(s):
    """The bytes the server sends until it closes or a whole head has come."""
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def connection_is_served(port):
    """True when a new connection gets an HTTP answer; False when it is refused,
    reset or closed without one."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError:
        return False
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return read_answer(s).startswith(b"HTTP/1.1 ")
    except OSError:
        return False
    finally:
        s.close()


def wait_for_log(srv, text, limit_s=60):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if text in srv.stderr_text():
            return True
        if not srv.alive():
            return text in srv.stderr_text()
        time.sleep(0.02)
    return False


def test_sigterm_finishes_the_request_in_flight_and_refuses_new_ones():
    workdir = tempfile.mkdtemp(prefix="laurel-stop-")
    try:
        data = make_demo(workdir, "--cases", "200")
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        srv.start()
        port = srv.port
        body = b"email=a%40b.c&password=x"
        s = begun_request(port, len(body))
        s.sendall(body[:5])  # the request has begun; its body is not all there
        srv.proc.send_signal(signal.SIGTERM)
        assert wait_for_log(srv, SIGNALLED), (
            "expected the server to log %r after SIGTERM; saw %s" % (SIGNALLED, srv.stderr_tail()))
        assert not connection_is_served(port), (
            "expected a new connection after SIGTERM to get no answer; it was served")
        s.sendall(body[5:])
        answer = read_answer(s)
        s.close()
        assert answer.startswith(b"HTTP/1.1 "), (
            "expected the request in flight at SIGTERM to be answered; saw %r" % answer[:200])
        rc = srv.proc.wait(timeout=60)
        srv.proc = None
        assert rc == 0, "expected exit 0 after SIGTERM, saw %r; stderr: %s" % (
            rc, srv.stderr_tail())
    finally:
        if not os.environ.get("LAUREL_E2E_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


def test_sigterm_while_clients_keep_connecting_exits_0():
    workdir = tempfile.mkdtemp(prefix="laurel-stop-")
    try:
        data = make_demo(workdir, "--cases", "200")
        srv = LaurelServer(LAUREL_BIN, data, workdir)
        for cycle in range(10):
            srv.start()
            port = srv.port
            done = threading.Event()
            served = []

            def churn():
                for _ in range(2000):  # bounded; the stop ends it sooner
                    if done.is_set():
                        return
                    served.append(connection_is_served(port))

            clients = [threading.Thread(target=churn) for _ in range(4)]
            for t in clients:
                t.start()
            while not served:  # the clients are connecting
                time.sleep(0.01)
            srv.proc.send_signal(signal.SIGTERM)
            try:
                rc = srv.proc.wait(timeout=60)
            finally:
                done.set()
                for t in clients:
                    t.join()
            srv.proc = None
            assert rc == 0, "cycle %d: expected exit 0 after SIGTERM under connections, " \
                "saw %r; stderr: %s" % (cycle, rc, srv.stderr_tail())
            assert any(served), "cycle %d: no connection was served before the stop" % cycle
    finally:
        if not os.environ.get("LAUREL_E2E_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
