// phone.test.mjs — what a person on a phone (390 x 844) sees of the header, the
// results chart and the case editor's toolbar, in a real browser.
//
// Run: node --test tests/browser/phone.test.mjs   (after `npm ci` in tests/browser/)
//
// The header (masthead and navigation) takes at most a quarter of the screen,
// signed out and signed in as each kind of user; the results chart's labels
// read at 12 px or more; a clerk formats a section with the toolbar (加粗,
// 列表) without typing any syntax and sees it in 保存并预览.  Screenshots go to
// tests/browser/out/phone-NN-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Laurel, clickAndLoad, numberedShots, signIn } from './harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const laurel = new Laurel({ name: 'phone', cases: 200 });
const shot = numberedShots('phone');
before(() => laurel.start());
after(() => laurel.stop());

async function headerShare(page) {
    return page.evaluate(() => {
        const h = document.querySelector('body > header');
        return h.getBoundingClientRect().height / window.innerHeight;
    });
}

test('the header takes at most a quarter of a phone screen, signed out and in', async () => {
    const seen = [];
    for (const who of [null, 'organiser@demo.laurel', 'shanghai@demo.laurel',
                       'zhoujiadu@demo.laurel', 'expert001@demo.laurel']) {
        const { context, page } = await laurel.newPage(PHONE);
        try {
            if (who) await signIn(page, laurel.base, who, who.split('@')[0], shot);
            else await page.goto(laurel.base + '/', { waitUntil: 'load' });
            await shot(page, `header-${who ? who.split('@')[0] : 'anon'}`);
            seen.push([who || 'anonymous', await headerShare(page)]);
        } finally {
            await context.close();
        }
    }
    for (const [who, share] of seen)
        assert.ok(share <= 0.25, `the header of ${who} takes ${(share * 100).toFixed(1)}% of the screen`);
});

test('the results chart reads on a phone', async () => {
    const { context, page } = await laurel.newPage(PHONE);
    try {
        await page.goto(laurel.base + '/results', { waitUntil: 'load' });
        const sizes = await page.evaluate(() => {
            const svg = document.querySelector('svg.chart');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map((t) => Number(t.getAttribute('font-size')) * scale);
        });
        await shot(page, 'results');
        assert.ok(sizes.length > 0, 'expected labels in the chart');
        assert.ok(Math.min(...sizes) >= 12, `chart labels of ${Math.min(...sizes).toFixed(1)} px`);
    } finally {
        await context.close();
    }
});

test('a clerk formats a section with the toolbar and previews it', async () => {
    const { context, page, problems } = await laurel.newPage(PHONE);
    try {
        await signIn(page, laurel.base, 'zhoujiadu@demo.laurel', 'clerk', shot);
        await page.goto(laurel.base + '/submit', { waitUntil: 'load' });
        await clickAndLoad(page, page.getByRole('button', { name: '新建案例', exact: true }));
        const area = page.locator('#s1');
        await area.fill('议事会\n每月一次\n居民参与');
        await area.evaluate((t) => t.setSelectionRange(0, 3)); // 议事会
        const bar = page.locator('.md-toolbar[data-for="s1"]');
        await bar.getByRole('button', { name: '加粗', exact: true }).click();
        await area.evaluate((t) => { const s = t.value.indexOf('每月'); t.setSelectionRange(s, t.value.length); });
        await bar.getByRole('button', { name: '列表', exact: true }).click();
        assert.equal(await area.inputValue(), '**议事会**\n- 每月一次\n- 居民参与');
        await shot(page, 'toolbar');
        await clickAndLoad(page, page.getByRole('button', { name: '保存并预览', exact: true }));
        assert.match(new URL(page.url()).pathname, /^\/submit\/\d+\/preview$/);
        assert.equal(await page.locator('main strong', { hasText: '议事会' }).count(), 1);
        assert.equal(await page.locator('main li', { hasText: '居民参与' }).count(), 1);
        await shot(page, 'preview');
        assert.deepEqual(problems, []);
    } finally {
        await context.close();
    }
});
