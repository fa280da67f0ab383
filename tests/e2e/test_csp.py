"""Every HTML page carries a strict Content-Security-Policy, and no template
needs it loosened: no inline script, style or event handler anywhere.

The browser tests (tests/browser/) fail on any violation a real page
reports; this suite checks the header on public, error and signed-in pages
and scans the templates, so a new inline <style> is caught without Chromium.
"""
import glob
import os
import re

from conftest import REPO, get

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
                    re.I)


def check_policy(r, path):
    csp = r.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and \
        "style-src 'self'" in csp, "%s: expected a strict policy, saw %r" % (path, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (
        "%s: expected no unsafe-* source, saw %r" % (path, csp))


def test_html_pages_carry_the_policy(base):
    for path in ["/", "/cases", "/cases/1", "/results", "/news", "/login", "/no-such-page"]:
        r = get(base, path)
        assert r.headers.get("Content-Type", "").startswith("text/html"), path
        check_policy(r, path)


def test_templates_have_no_inline_script_or_style():
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, "templates", "*.html"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                for m in INLINE.finditer(line):
                    found.append("%s:%d: %s" % (os.path.basename(path), n, m.group(0)))
    assert not found, "expected no inline script, style or handler in templates; saw %r" % found
