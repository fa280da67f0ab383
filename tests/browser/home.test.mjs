// home.test.mjs — Laurel's public pages in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// The test builds nothing: harness.mjs takes the release binary from
// $LAUREL_BIN, or ../../build/laurel, makes a fresh demo campaign in a
// temporary folder, serves it on a free loopback port, and drives Debian's
// Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core:
// home page -> 案例展示 -> one case.  Screenshots (desktop 1280 wide, phone
// 390x844) go to tests/browser/out/, which git ignores.  Every wait is bounded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Laurel, OUT } from './harness.mjs';

const CASES = 4000;
const CAMPAIGN = '全国城市基层党建创新案例征集评选';

const laurel = new Laurel({ name: 'browser', cases: CASES });
before(() => laurel.start());
after(() => laurel.stop());

// With isMobile, Chromium widens the layout viewport to fit content that
// overflows, so window.innerWidth grows with it (a 600 px element on a 390 px
// phone gives scrollWidth 608 and innerWidth 608).  Compare against the
// narrowest of innerWidth, clientWidth and the viewport we asked for.
async function horizontalOverflow(page) {
    const asked = page.viewportSize().width;
    const m = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        clientWidth: document.documentElement.clientWidth,
    }));
    return { ...m, limit: Math.min(m.innerWidth, m.clientWidth, asked) };
}

// Walks home -> 案例展示 -> first case; returns the case URL.
async function walk(page, shot) {
    // Home page: the campaign's title.
    const home = await page.goto(laurel.base + '/', { waitUntil: 'load' });
    assert.equal(home.status(), 200);
    await page.locator('h1').first().waitFor();
    assert.equal((await page.locator('h1').first().innerText()).trim(), CAMPAIGN);
    assert.ok((await page.title()).includes(CAMPAIGN), `title "${await page.title()}" lacks the campaign name`);
    const steps = [{ name: 'home', url: page.url(), overflow: await horizontalOverflow(page) }];
    await shot('home');

    // Into 案例展示 through the main navigation.
    const casesLink = page.getByRole('link', { name: '案例展示', exact: true }).first();
    await casesLink.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(/\/cases(\?|$)/), casesLink.click()]);
    assert.equal((await page.locator('h1').first().innerText()).trim(), '案例展示');
    steps.push({ name: 'cases', url: page.url(), overflow: await horizontalOverflow(page) });
    await shot('cases');

    // One case from the list.
    const caseLink = page.locator('main a[href^="/cases/"]').first();
    await caseLink.waitFor({ state: 'visible' });
    const listedTitle = (await caseLink.innerText()).trim();
    assert.ok(listedTitle.length > 0, 'the first case link has no text');
    await Promise.all([page.waitForURL(/\/cases\/\d+$/), caseLink.click()]);

    const crumbs = page.locator('nav.breadcrumb, nav[aria-label="breadcrumb"]').first();
    await crumbs.waitFor({ state: 'visible' });
    assert.match(await crumbs.innerText(), /您的位置/);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    assert.equal(h1, listedTitle, 'the case page title differs from the link that led to it');
    const body = await page.locator('body').innerText();
    assert.match(body, /点击\s*\d+\s*次/, 'the case page shows no view counter 点击 N 次');
    steps.push({ name: 'case', url: page.url(), overflow: await horizontalOverflow(page) });
    await shot('case');
    return steps;
}

test('desktop: home -> 案例展示 -> a case page', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await laurel.newPage({ viewport: { width: 1280, height: 900 } });
    try {
        await walk(page, (name) => page.screenshot({ path: path.join(OUT, `desktop-${name}.png`), fullPage: true }));
        assert.deepEqual(problems, [], 'the browser saw errors');
    } finally {
        await context.close();
    }
});

test('phone 390x844: same walk, no horizontal overflow', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await laurel.newPage({
        viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    try {
        const steps = await walk(page,
            (name) => page.screenshot({ path: path.join(OUT, `phone-${name}.png`), fullPage: false }));
        // Full length of the case page as well, for a person to look at.
        await page.screenshot({ path: path.join(OUT, 'phone-case-full.png'), fullPage: true });
        const wide = steps.filter((s) => s.overflow.scrollWidth > s.overflow.limit);
        assert.deepEqual(wide.map((s) => `${s.name} ${s.url}: scrollWidth ${s.overflow.scrollWidth} > ${s.overflow.limit}` +
            ` (innerWidth ${s.overflow.innerWidth}, clientWidth ${s.overflow.clientWidth})`),
            [], 'pages wider than the phone screen');
        assert.deepEqual(problems, [], 'the browser saw errors');
    } finally {
        await context.close();
    }
});
