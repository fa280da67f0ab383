"""Nobody can lock the organiser out, and guessing still slows down.

Failures count per account and address together: five wrong passwords from
one address stop that address for that account, the right password from an
address with no failures still gets through.  Once an account has had many
failures, an address that fails on it even once is stopped too (a guesser
spread over many addresses gets one try per address).  Every failure is
logged and shown to the organiser on /admin/logins (a short page).

Failures come from loopback addresses of their own (127.0.1.x), so the
counters of 127.0.0.1, which the other suites use, never move.
"""
import re

from conftest import PASSWORD as DEMO_PASSWORD
from test_auth import FAILED_ZH, PASSWORD, THROTTLED_ZH, Browser, account


def test_wrong_passwords_elsewhere_never_lock_the_account(laurel_server, base):
    victim = account(laurel_server, "owasp")
    attacker = Browser(base, "127.0.1.11")
    for i in range(5):
        r = attacker.login(victim, "wrong-%d" % i)
        assert r.status_code == 401 and FAILED_ZH in r.text, (
            "expected failure %d to be 401, saw %d" % (i + 1, r.status_code))
    r = attacker.login(victim, PASSWORD)
    assert r.status_code == 429 and THROTTLED_ZH in r.text, (
        "expected the failing address slowed down (429) even with the right password; saw %d"
        % r.status_code)
    r = Browser(base, "127.0.1.12").login(victim, PASSWORD)
    assert r.status_code == 303, ("expected the owner, from an address with no failures, to "
                                  "sign in; saw %d" % r.status_code)


def test_spread_guessing_gets_one_try_per_address(laurel_server, base):
    victim = account(laurel_server, "spread")
    for i in range(5):
        r = Browser(base, "127.0.1.%d" % (20 + i)).login(victim, "wrong-%d" % i)
        assert r.status_code == 401, "expected failure %d to be 401, saw %d" % (
            i + 1, r.status_code)
    # The account has had 5 failures: an address that fails once more is stopped at once.
    guesser = Browser(base, "127.0.1.30")
    r = guesser.login(victim, "wrong-again")
    assert r.status_code == 401, "expected the new address's first try to be answered 401"
    r = guesser.login(victim, PASSWORD)
    assert r.status_code == 429, ("expected an address that failed on a much-failed account "
                                  "to be stopped; saw %d" % r.status_code)
    r = Browser(base, "127.0.1.31").login(victim, PASSWORD)
    assert r.status_code == 303, "expected a clean address to sign in; saw %d" % r.status_code


def test_failures_logged_and_shown_to_the_organiser(laurel_server, base):
    email = "nobody-logged@demo.laurel"
    r = Browser(base, "127.0.1.40").login(email, "wrong-password")
    assert r.status_code == 401
    assert re.search(r'failed sign-in for "nobody-logged@demo\.laurel" from 127\.0\.1\.40',
                     laurel_server.stderr_text()), (
        "expected the failure logged with account and address; saw %r"
        % laurel_server.stderr_tail(600))
    org = Browser(base, "127.0.0.1").signed_in("organiser@demo.laurel", DEMO_PASSWORD)
    r = org.get("/admin/logins")
    assert r.status_code == 200, "expected the organiser to see /admin/logins; saw %d" % (
        r.status_code)
    assert email in r.text and "127.0.1.40" in r.text, (
        "expected the failure listed on /admin/logins; saw %r" % r.text[-1500:])
    rows = r.text.count('class="login-failure"')
    assert 1 <= rows <= 50, "expected a short page (at most 50 rows), saw %d" % rows
    r = Browser(base, "127.0.0.1").get("/admin/logins")
    assert r.status_code in (303, 401), (
        "expected /admin/logins closed to the public; saw %d" % r.status_code)
