// csp.test.mjs — the Content-Security-Policy of Laurel's pages, in a real browser.
//
// Every HTML page carries a strict policy (our own scripts and styles only, no
// inline ones, never framed).  The harness counts a CSP violation as a problem
// for every browser test; this file checks that it does: an inline style and
// an inline script put into a served page are blocked and reported, and the
// public pages walked here report nothing.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Laurel } from './harness.mjs';

const laurel = new Laurel({ name: 'csp', cases: 200 });
before(() => laurel.start());
after(() => laurel.stop());

test('pages carry a strict policy and show no violation', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await laurel.newPage();
    try {
        for (const p of ['/', '/cases', '/results', '/regions', '/news', '/search?q=社区', '/login']) {
            const r = await page.goto(laurel.base + p, { waitUntil: 'networkidle' });
            const csp = r.headers()['content-security-policy'] || '';
            assert.match(csp, /frame-ancestors 'none'/, `${p}: no frame-ancestors 'none' in ${csp}`);
            assert.match(csp, /script-src 'self'/, `${p}: scripts not limited to the site: ${csp}`);
            assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${p}: a lax policy: ${csp}`);
        }
        assert.deepEqual(problems, [], 'the browser saw errors');
    } finally {
        await context.close();
    }
});

test('an inline style or script is blocked and reported', { timeout: 60_000 }, async () => {
    const { context, page, problems } = await laurel.newPage();
    try {
        await page.goto(laurel.base + '/', { waitUntil: 'load' });
        const ran = await page.evaluate(async () => {
            window.__inline = false;
            const s = document.createElement('script');
            s.textContent = 'window.__inline = true;';
            document.head.appendChild(s);
            const st = document.createElement('style');
            st.textContent = 'body { outline: 3px solid red; }';
            document.head.appendChild(st);
            await new Promise((r) => setTimeout(r, 200));
            return { script: window.__inline, outline: getComputedStyle(document.body).outlineStyle };
        });
        assert.equal(ran.script, false, 'an inline script ran despite the policy');
        assert.notEqual(ran.outline, 'solid', 'an inline style applied despite the policy');
        const csp = problems.filter((p) => p.startsWith('CSP violation'));
        assert.ok(csp.length >= 2, `expected the harness to record both violations; saw ${JSON.stringify(problems)}`);
    } finally {
        await context.close();
    }
});
