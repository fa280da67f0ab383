"""Bad input: each gets the right 4xx, a Chinese error page (or a JSON error
object under /api/v1), the server stays up, and nothing changes."""
import http.client
import json
import re
import socket
import urllib.parse

import pytest

import requests

from conftest import HTTP_TIMEOUT, get, get_json, healthz, metrics_values, parse_html


@pytest.fixture(scope="module")
def totals_before(laurel_server):
    base = laurel_server.url
    return {"cases": get_json(base, "/cases")["total"], "news": get_json(base, "/news")["total"],
            "best": get_json(base, "/cases?tier=best")["total"]}


def raw_get(base, target, method="GET", headers=None, body=None):
    """Send target exactly as given (no client-side normalisation of .. or %)."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=HTTP_TIMEOUT)
    try:
        c.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def raw_bytes(base, data, timeout=HTTP_TIMEOUT):
    """Send bytes on a fresh socket; return the status and the whole answer
    (status None if nothing came back before the server closed or `timeout`)."""
    u = urllib.parse.urlsplit(base)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", out)
    return (int(m.group(1)) if m else None), out


def has_cjk(s):
    return re.search(r"[\u4e00-\u9fff]", s) is not None


def check_html_error(status, headers, body, want, what):
    ctype = headers.get("Content-Type", "")
    assert status == want, "%s: expected %d, saw %d (%s)" % (what, want, status, body[:200])

    class R:  # the shape parse_html wants
        pass
    r = R()
    r.headers = {"Content-Type": ctype}
    r.text = body.decode("utf-8")
    p = parse_html(r, what)
    assert p.html_lang == "zh-CN", "%s: expected a zh-CN error page, saw lang=%r" % (what, p.html_lang)
    assert p.h1 == ["%d 出错了" % want], "%s: expected <h1>%d 出错了</h1>, saw %r" % (what, want, p.h1)
    msg = re.search(r'<p class="error-message">([^<]*)</p>', r.text)
    assert msg and has_cjk(msg.group(1)), "%s: expected a Chinese error message, saw %r" % (
        what, msg and msg.group(1))
    assert headers.get("Cache-Control") == "no-store", (
        "%s: expected Cache-Control: no-store on an error, saw %r" % (what, headers.get("Cache-Control")))


def check_json_error(status, headers, body, want, what):
    assert status == want, "%s: expected %d, saw %d (%s)" % (what, want, status, body[:200])
    ctype = headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), "%s: expected a JSON error, saw %r: %s" % (
        what, ctype, body[:120])
    e = json.loads(body)["error"]
    assert e["status"] == want and has_cjk(e["message"]), (
        "%s: expected {error:{status:%d, message:<Chinese>}}, saw %r" % (what, want, e))


def bad(base, target, want):
    """The HTML and both JSON forms of a bad request; the server must stay up."""
    s, h, b = raw_get(base, target)
    check_html_error(s, h, b, want, "GET " + target)
    healthz(base, "GET " + target)
    s, h, b = raw_get(base, target, headers={"Accept": "application/json"})
    check_json_error(s, h, b, want, "GET %s (Accept: application/json)" % target)
    healthz(base, "GET %s (JSON)" % target)


def bad_api(base, target, want):
    s, h, b = raw_get(base, "/api/v1" + target)
    check_json_error(s, h, b, want, "GET /api/v1" + target)
    healthz(base, "GET /api/v1" + target)


NOT_FOUND = [
    "/no-such-page", "/cases/999999", "/cases/0", "/cases/-1", "/cases/abc",
    "/cases/99999999999999999999", "/cases/1.5", "/cases/007", "/cases/", "/news/0",
    "/news/99999", "/news/abc", "/regions/999999", "/regions/abc", "/regions/3100000",
    "/tags/" + urllib.parse.quote("没有这个标签"), "/sitemap-1.xml", "/sitemap-x",
]


@pytest.mark.parametrize("target", NOT_FOUND)
def test_not_found_404(base, totals_before, target):
    bad(base, target, 404)
    bad_api(base, target, 404)


BAD_ENCODING = ["/cases/%FF", "/search?q=%C0%AF", "/search?q=%FF%FE", "/cases%G1",
                "/search?q=%G1", "/search?q=%", "/search?q=%E7%A4", "/cases/1%00",
                "/search?q=a%00b", "/cases?region=%ZZ"]


@pytest.mark.parametrize("target", BAD_ENCODING)
def test_bad_encoding_400(base, totals_before, target):
    bad(base, target, 400)


@pytest.mark.parametrize("target", [
    pytest.param(t, id=i) for i, t in [
        ("path-FF", "/cases/%FF"), ("query-C0AF", "/search?q=%C0%AF"), ("query-G1", "/search?q=%G1"),
        ("257-params", "/cases?" + "&".join("k%d=v" % i for i in range(257)))]])
def test_api_bad_encoding_is_json(base, target):
    bad_api(base, target, 400)


@pytest.mark.parametrize("q", ["page=0", "page=-1", "page=abc", "page=99999999999", "page=1e3",
                               "page=%2B2", "page=2.0", "page=201", "page=10001"])
def test_bad_page_4xx(base, totals_before, q):
    for path in ["/cases", "/search?q=%E7%A4%BE%E5%8C%BA", "/news", "/regions/310000"]:
        target = path + ("&" if "?" in path else "?") + q
        s, h, b = raw_get(base, target)
        assert 400 <= s < 500, "GET %s: expected a 4xx, saw %d" % (target, s)
        check_html_error(s, h, b, s, "GET " + target)
        healthz(base, "GET " + target)


def test_page_beyond_last(base):
    m = get_json(base, "/cases?region=310000")
    target = "/cases?region=310000&page=%d" % (m["pages"] + 1)
    bad(base, target, 404)
    ok = get(base, "/cases?region=310000&page=%d" % m["pages"])
    assert ok.status_code == 200, "expected the last page %d to be 200, saw %d" % (
        m["pages"], ok.status_code)


@pytest.mark.parametrize("q", ["region=abc", "region=31000", "region=3100001", "sort=bogus",
                               "sort=VIEWS", "tier=BEST", "tier=a%20b", "track=a_b",
                               "tag=" + urllib.parse.quote("标" * 33)])
def test_bad_param_400(base, totals_before, q):
    bad(base, "/cases?" + q, 400)


def test_too_many_params_400(base):
    many = "/cases?" + "&".join("k%d=v" % i for i in range(257))
    bad(base, many, 400)
    ok = get(base, "/cases?" + "&".join("k%d=v" % i for i in range(256)))
    assert ok.status_code == 200, "expected 256 parameters to be fine, saw %d" % ok.status_code


@pytest.mark.parametrize("target", ["/static/../laurel.db", "/static/%2e%2e/x",
                                    "/static/%2e%2e/laurel.db", "/static/..%2flaurel.db",
                                    "/static/%2e%2e%2f%2e%2e%2fetc/passwd", "/static/..\\laurel.db",
                                    "/static/style.css/..", "/static/nope.css",
                                    "/static/../../../../etc/passwd", "/static/%5c..%5claurel.db"])
def test_static_traversal(base, target):
    s, h, b = raw_get(base, target)
    assert s in (400, 404), "GET %s: expected 400 or 404, saw %d" % (target, s)
    assert b"SQLite format" not in b and b"root:" not in b, (
        "GET %s: expected no file content, saw %r" % (target, b[:60]))
    check_html_error(s, h, b, s, "GET " + target)
    healthz(base, "GET " + target)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_method_not_allowed(base, method):
    for target in ["/cases", "/cases/1", "/healthz", "/api/v1/cases"]:
        s, h, b = raw_get(base, target, method=method, body=b"a=b")
        assert s == 405, "%s %s: expected 405, saw %d" % (method, target, s)
        allow = h.get("Allow", "")
        assert "GET" in allow and "HEAD" in allow, "%s %s: expected Allow: GET, HEAD, saw %r" % (
            method, target, allow)
        if target.startswith("/api/"):
            check_json_error(s, h, b, 405, "%s %s" % (method, target))
        else:
            check_html_error(s, h, b, 405, "%s %s" % (method, target))
        healthz(base, "%s %s" % (method, target))
    s, h, b = raw_get(base, "/cases", method="HEAD")
    assert s == 200 and b == b"", "HEAD /cases: expected 200 with no body, saw %d (%d bytes)" % (
        s, len(b))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_te_and_cl_400(base, method):
    before = metrics_values(base).get("laurel_http_rejected_framing_total", 0)
    req = ("%s /cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
           "\r\n0\r\n\r\n" % method).encode()
    status, out = raw_bytes(base, req)
    assert status == 400, "expected 400 for Transfer-Encoding + Content-Length, saw %r: %r" % (
        status, out[:200])
    body = out.split(b"\r\n\r\n", 1)[1].decode("utf-8", "replace")
    assert has_cjk(body), "expected a Chinese message, saw %r" % body[:120]
    assert b"connection: close" in out.lower(), "expected the connection to be closed"
    healthz(base, "TE+CL")
    after = metrics_values(base).get("laurel_http_rejected_framing_total", 0)
    assert after == before + 1, "expected laurel_http_rejected_framing_total +1, saw %d -> %d" % (
        before, after)


def test_oversized_header(base):
    req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: a=" + b"x" * 65536 +
           b"\r\nConnection: close\r\n\r\n")
    status, out = raw_bytes(base, req)
    assert status in (413, 431), "expected 431 or 413 for a 64 KiB header, saw %r: %r" % (
        status, out[:120])
    healthz(base, "a 64 KiB header")
    # Many headers adding up past the limit.
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"y" * 100) for i in range(500))
    status, out = raw_bytes(base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status in (413, 431), "expected 431 or 413 for 50 KB of headers, saw %r" % status
    healthz(base, "many headers")
    r = requests.get(base + "/healthz", headers={"Cookie": "a=" + "x" * 8000}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, "expected an 8 KB cookie to be fine, saw %d" % r.status_code


def test_body_over_limit_413(base):
    big = b"x" * ((1 << 20) + 1)
    r = requests.post(base + "/cases", data=big, timeout=HTTP_TIMEOUT)
    assert r.status_code == 413, "expected 413 for a 1 MiB + 1 body, saw %d" % r.status_code
    assert has_cjk(r.text), "expected a Chinese message with the 413, saw %r" % r.text[:100]
    healthz(base, "a 1 MiB body")
    # Declared but not sent: refused on the header alone.
    status, out = raw_bytes(base, b"POST /cases HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
                                  b"\r\n" + b"x" * 1000)
    assert status == 413, "expected 413 for Content-Length: 2000000, saw %r" % status
    healthz(base, "a declared 2 MB body")
    r = requests.post(base + "/cases", data=b"x" * (1 << 20), timeout=HTTP_TIMEOUT)
    assert r.status_code == 405, "expected exactly 1 MiB to pass to routing (405), saw %d" % (
        r.status_code)


def test_chunked_body_over_limit_413(base):
    chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
    req = (b"POST /cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunk * 17 + b"0\r\n\r\n")
    status, out = raw_bytes(base, req)
    healthz(base, "a chunked 1.1 MiB body")
    assert status == 413, "expected 413 for a chunked 1.1 MiB body, saw %r (%d bytes back)" % (
        status, len(out))


def test_garbage_request_line(base):
    for data in [b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"GET /cases HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                 b"GET /cases HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                 b"GET /cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"]:
        status, out = raw_bytes(base, data, timeout=2)
        assert status is None or 400 <= status < 500 or status in (501, 505), (
            "expected a 4xx, 501, 505 or a closed connection for %r, saw %r" % (data[:40], status))
        healthz(base, "garbage %r" % data[:30])


def test_nothing_changed(base, totals_before):
    after = {"cases": get_json(base, "/cases")["total"], "news": get_json(base, "/news")["total"],
             "best": get_json(base, "/cases?tier=best")["total"]}
    assert after == totals_before, "expected the totals unchanged by bad input: %r, saw %r" % (
        totals_before, after)
