"""The client's address behind a reverse proxy (--trusted-proxy CIDR).

Only a peer inside a trusted proxy's network may name the client through
X-Forwarded-For (its right-most untrusted entry); from anyone else the header
is ignored, so a client cannot dodge the sign-in throttle by writing its own.
The throttle counts per account and address, so the address it sees is what
these tests observe.
"""
import subprocess

import pytest

from conftest import LAUREL_BIN, db_args, demo_server, to_db
from test_auth import PASSWORD, Browser, account


@pytest.fixture(scope="module")
def proxied():
    with demo_server("laurel-proxy-", "--trusted-proxy", "127.0.3.1/32,127.0.4.0/24") as srv:
        yield srv


def fail_five(base, victim, ip, xff):
    b = Browser(base, ip, headers={"X-Forwarded-For": xff})
    for i in range(5):
        r = b.login(victim, "wrong-%d" % i)
        assert r.status_code == 401, "expected failure %d to be 401, saw %d" % (i + 1,
                                                                               r.status_code)


def test_forwarded_address_used_from_a_trusted_proxy(proxied):
    base = proxied.url
    victim = account(proxied, "proxy")
    fail_five(base, victim, "127.0.3.1", "10.0.0.1")
    r = Browser(base, "127.0.3.1", headers={"X-Forwarded-For": "10.0.0.1"}).login(victim, PASSWORD)
    assert r.status_code == 429, "expected the client 10.0.0.1 slowed down, saw %d" % r.status_code
    r = Browser(base, "127.0.3.1", headers={"X-Forwarded-For": "10.0.0.2"}).login(victim, PASSWORD)
    assert r.status_code == 303, ("expected another client behind the same proxy to sign in, "
                                  "saw %d" % r.status_code)


def test_chain_of_trusted_proxies_and_a_forged_entry(proxied):
    """client -> proxy 127.0.4.9 -> proxy 127.0.3.1: the header reads "forged, client, 127.0.4.9"."""
    base = proxied.url
    victim = account(proxied, "chain")
    fail_five(base, victim, "127.0.3.1", "1.2.3.4, 10.0.1.1, 127.0.4.9")
    r = Browser(base, "127.0.3.1",
                headers={"X-Forwarded-For": "5.6.7.8, 10.0.1.1, 127.0.4.9"}).login(victim, PASSWORD)
    assert r.status_code == 429, ("expected the client 10.0.1.1 recognised whatever it forged "
                                  "on the left; saw %d" % r.status_code)


def test_forwarded_header_ignored_from_others(proxied):
    base = proxied.url
    victim = account(proxied, "spoof")
    fail_five(base, victim, "127.0.5.1", "10.0.2.1")
    r = Browser(base, "127.0.5.1", headers={"X-Forwarded-For": "10.0.2.99"}).login(victim,
                                                                                   PASSWORD)
    assert r.status_code == 429, ("expected a client outside the trusted proxies unable to "
                                  "change its address with X-Forwarded-For; saw %d"
                                  % r.status_code)


def test_bad_trusted_proxy_refused(tmp_path):
    data = str(tmp_path / "data")
    subprocess.run([LAUREL_BIN, "init", "--data", data], check=True, capture_output=True,
                   timeout=60)
    to_db(data)
    p = subprocess.run([LAUREL_BIN, "serve", "--data", data, *db_args(data), "--listen",
                        "127.0.0.1:0",
                        "--trusted-proxy", "10.0.0.0/99"], capture_output=True, timeout=30)
    assert p.returncode != 0 and b"trusted proxy" in p.stderr, (
        "expected a malformed --trusted-proxy refused; saw exit %d: %r"
        % (p.returncode, p.stderr[-300:]))
