// news.test.mjs — the news desk and the results page in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// As the other tests, it builds nothing (harness.mjs: the release binary, a
// fresh demo, Debian's Chromium, zh-CN).  Through the pages and their buttons
// only:
//   1. the organiser opens 新闻与公告 from the dashboard, writes an article
//      with the toolbar (a heading, bold text, a list: the Markdown is typed by
//      the buttons, not by the test), saves it and previews it;
//   2. a visitor does not find the draft; the organiser publishes it; the
//      visitor reads it under its slug, rendered, from the news list;
//   3. the visitor sorts the results' table by region by 合计, largest first,
//      and back.
// No script error, CSP violation or failed request is allowed on any page.
// Screenshots go to tests/browser/out/news-NN-*.png (desktop, and the public
// article and results at phone width).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DESKTOP, Laurel, OUT, clickAndLoad, numberedShots, pageError, signIn } from './harness.mjs';

const ORGANISER = 'organiser@demo.laurel';
const TITLE = `Browser test ${Date.now() % 100000} 新闻`;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

const laurel = new Laurel({ name: 'news', cases: 200 });
before(() => laurel.start());
after(() => laurel.stop());

// Select the whole body text area's line `text` (typed before), as a person would with the mouse.
async function selectText(page, text) {
    await page.locator('#body').evaluate((el, t) => {
        const at = el.value.indexOf(t);
        el.focus();
        el.setSelectionRange(at, at + t.length);
    }, text);
}

test('the organiser writes, previews and publishes; the public reads; the results sort', async () => {
    const shot = numberedShots('news');
    const { context, page, problems } = await laurel.newPage(DESKTOP);
    try {
        await signIn(page, laurel.base, ORGANISER, 'news', shot);
        await page.goto(laurel.base + '/admin', { waitUntil: 'load' });
        await clickAndLoad(page, page.getByRole('link', { name: '新闻与公告', exact: true }));
        await clickAndLoad(page, page.getByRole('link', { name: '写新闻', exact: true }));

        await page.getByLabel('标题', { exact: true }).fill(TITLE);
        const body = page.locator('#body');
        await body.fill('征集范围\n第一项\n第二项\n正式启动');
        await selectText(page, '征集范围');
        await page.getByRole('button', { name: '小标题' }).click();
        await selectText(page, '第一项\n第二项');
        await page.getByRole('button', { name: '列表' }).click();
        await selectText(page, '正式启动');
        await page.getByRole('button', { name: '加粗' }).click();
        assert.equal(await body.inputValue(), '## 征集范围\n\n- 第一项\n- 第二项\n\n**正式启动**');
        await shot(page, 'editor');
        await clickAndLoad(page, page.getByRole('button', { name: '保存并预览' }));
        assert.match(new URL(page.url()).pathname, /^\/admin\/news\/\d+\/preview$/,
            `not on the preview: ${await pageError(page)}`);
        assert.equal(await page.locator('.article-body h2').innerText(), '征集范围');
        assert.equal(await page.locator('.article-body > p > strong').innerText(), '正式启动');
        assert.equal(await page.locator('.article-body li').count(), 2);
        await shot(page, 'preview');
        await clickAndLoad(page, page.getByRole('link', { name: '返回编辑' }));
        const slug = await page.getByLabel('网址名称', { exact: true }).inputValue();
        assert.match(slug, /^browser-test-\d+$/);

        // The draft is not public.
        const visitor = await laurel.newPage(PHONE);
        try {
            const r = await visitor.page.goto(`${laurel.base}/news/${slug}`);
            assert.equal(r.status(), 404);
            visitor.problems.length = 0; // that 404 was the point
            await visitor.page.goto(laurel.base + '/news', { waitUntil: 'load' });
            assert.equal(await visitor.page.getByRole('link', { name: TITLE }).count(), 0);

            // Publishing asks first, saying the article goes public at once.
            const asked = [];
            page.on('dialog', (d) => { asked.push(d.message()); d.accept().catch(() => {}); });
            await clickAndLoad(page, page.getByRole('button', { name: '发布', exact: true }));
            assert.equal(asked.length, 1, `expected one confirmation, saw ${asked.length}`);
            assert.match(asked[0], /立即出现在公开网站上/);
            assert.equal(await page.locator('.news-state').first().innerText(), '已发布');
            await shot(page, 'published');

            await visitor.page.reload({ waitUntil: 'load' });
            await clickAndLoad(visitor.page, visitor.page.getByRole('link', { name: TITLE }));
            assert.equal(new URL(visitor.page.url()).pathname, `/news/${slug}`);
            assert.equal(await visitor.page.locator('.article-body strong').innerText(), '正式启动');
            await visitor.page.screenshot({ path: path.join(OUT, 'news-phone-article.png'), fullPage: true });

            // The results' table, sorted by 合计 and back.
            await visitor.page.goto(laurel.base + '/results', { waitUntil: 'load' });
            const total = visitor.page.locator('table[data-sortable] thead th').last();
            await total.getByRole('button').click();
            assert.equal(await total.getAttribute('aria-sort'), 'descending');
            const totals = async () => (await visitor.page.locator('table[data-sortable] tbody tr td:last-child').allInnerTexts()).map(Number);
            const down = await totals();
            assert.deepEqual(down, [...down].sort((a, b) => b - a));
            await total.getByRole('button').click();
            assert.equal(await total.getAttribute('aria-sort'), 'ascending');
            const up = await totals();
            assert.deepEqual(up, [...up].sort((a, b) => a - b));
            await visitor.page.screenshot({ path: path.join(OUT, 'news-phone-results.png') });
            assert.deepEqual(visitor.problems, []);
        } finally {
            await visitor.context.close();
        }
        assert.deepEqual(problems, []);
    } finally {
        await context.close();
    }
});
