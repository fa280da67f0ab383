// review.test.mjs — a review round in a real browser: a reviewer scores a
// case, the organiser closes, ranks and advances the stage.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// Like home.test.mjs, the test builds nothing: harness.mjs takes the release
// binary from $LAUREL_BIN, or ../../build/laurel, makes a fresh demo
// in a temporary folder (the demo holds the 2020 edition in review: 初评 done,
// 复评 under way, expert@demo.laurel with a few untouched 复评 cases), serves it
// on a free loopback port and drives Debian's Chromium (/usr/bin/chromium, or
// $CHROMIUM) through playwright-core, in zh-CN.
//
// The path, through the pages and their buttons only:
//   1. the reviewer (expert@demo.laurel) signs in, opens 评审任务 (/review),
//      opens a case not yet started, fills every criterion and a comment,
//      submits, and sees the case marked 已提交 in the list;
//   2. the organiser signs in, finds 复评 among the stages (/admin/stages),
//      opens its ranking page, 截止评分, 计算排名, 按规则晋级, and sees as many
//      cases advanced as the stage's rule says (its advance_n).
// A screenshot of every step goes to tests/browser/out/review-NN-*.png (git
// ignores the folder).  Every wait is bounded; the server is stopped and the
// temporary folder removed even when a step fails.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, Laurel, clickAndLoad, numberedShots, pageError, signIn as signInAs } from './harness.mjs';

const REVIEWER = 'expert@demo.laurel';
const ORGANISER = 'organiser@demo.laurel';
const CASES = 200; // the public archive is not used here; the edition in review is the same
const ROUND = '复评';

const laurel = new Laurel({ name: 'review', cases: CASES });
before(() => laurel.start());
after(() => laurel.stop());

const shot = numberedShots('review');
const signIn = (page, email, label) => signInAs(page, laurel.base, email, label, shot);

// One browser context per person; it records script errors and failed or
// erroring requests to our server.  A confirm() a button may raise is accepted,
// as the person would.
const newPage = () => laurel.newPage(DESKTOP, { acceptDialogs: true });

// The 复评 row of the reviewer's list for the case at `href`: its status text.
async function statusOf(page, href) {
    const row = page.locator('table tbody tr').filter({ has: page.locator(`a[href="${href}"]`) });
    await row.first().waitFor({ state: 'visible' });
    return (await row.first().locator('.case-status').innerText()).trim();
}

// "按规则拟晋级 130 个，已晋级 0 个，临界 62 个。" -> { proposed: 130, advanced: 0 }
async function counts(page) {
    const text = (await page.locator('p.count').first().innerText()).trim();
    const nums = (text.match(/\d+/g) || []).map(Number);
    assert.ok(nums.length >= 2, `expected the ranking's counts, saw "${text}"`);
    return { text, proposed: nums[0], advanced: nums[1] };
}

test('a reviewer scores a case; the organiser closes, ranks and advances 复评', { timeout: 240_000 }, async () => {
    const allProblems = [];

    // ---- 1. The reviewer scores one of his 复评 cases.
    {
        const { context, page, problems } = await newPage();
        try {
            await signIn(page, REVIEWER, 'reviewer');
            await page.goto(laurel.base + '/review', { waitUntil: 'load' });
            assert.equal((await page.locator('h1').first().innerText()).trim(), '评审任务');
            await shot(page, 'reviewer-list');

            // A case of 复评 not started yet (the demo leaves the demo reviewer's untouched).
            const stage = page.locator('section.review-stage').filter({ has: page.locator('h2', { hasText: ROUND }) });
            const row = stage.locator('tbody tr').filter({ has: page.locator('.status-none') }).first();
            await row.waitFor({ state: 'visible' });
            const link = row.locator('a[href^="/review/"]').first();
            const href = await link.getAttribute('href');
            assert.match(href, /^\/review\/\d+\/[^/]+$/);
            await clickAndLoad(page, link);
            assert.equal(new URL(page.url()).pathname, href);
            await shot(page, 'reviewer-case');

            // Every criterion within its range, and a comment.
            const form = page.locator(`form[action="${href}"]`);
            const inputs = form.locator('input[type="number"]');
            const n = await inputs.count();
            assert.ok(n >= 1, 'expected a score field per criterion');
            const given = [];
            for (let i = 0; i < n; i++) {
                const input = inputs.nth(i);
                const max = Number(await input.getAttribute('max'));
                assert.ok(max > 0, `criterion ${i + 1} has no maximum`);
                const v = Math.max(0, Math.min(max, Math.round(max * (0.7 + 0.05 * i))));
                await input.fill(String(v));
                given.push(v);
            }
            await form.locator('textarea[name="comment"]').fill('做法扎实，成效数据翔实，建议进一步提炼可推广的经验。');
            await shot(page, 'reviewer-filled');
            await clickAndLoad(page, form.getByRole('button', { name: '提交评审', exact: true }));
            assert.equal(new URL(page.url()).pathname, href,
                `expected to stay on the case after submitting: ${await pageError(page)}`);
            assert.equal(await page.locator('.form-error').count(), 0, await pageError(page));
            await shot(page, 'reviewer-submitted');

            // The list marks it submitted.
            await page.goto(laurel.base + '/review', { waitUntil: 'load' });
            assert.equal(await statusOf(page, href), '已提交', 'expected the case marked 已提交 in 评审任务');
            await shot(page, 'reviewer-list-after');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    // ---- 2. The organiser closes, ranks and advances 复评.
    {
        const { context, page, problems } = await newPage();
        try {
            await signIn(page, ORGANISER, 'organiser');
            await page.goto(laurel.base + '/admin/stages', { waitUntil: 'load' });
            await shot(page, 'organiser-stages');
            await clickAndLoad(page, page.locator('main a[href^="/admin/stages/"]', { hasText: ROUND }).first());
            const m = new URL(page.url()).pathname.match(/^\/admin\/stages\/(\d+)$/);
            assert.ok(m, `expected the stage's page, saw ${page.url()}`);
            const id = m[1];

            // Its ranking page, through a link if the stage pages offer one.
            const rankingLink = page.locator(`a[href="/admin/stages/${id}/ranking"]`).first();
            if (await rankingLink.count())
                await clickAndLoad(page, rankingLink);
            else
                await page.goto(`${laurel.base}/admin/stages/${id}/ranking`, { waitUntil: 'load' });
            assert.equal(new URL(page.url()).pathname, `/admin/stages/${id}/ranking`);
            assert.match(await page.locator('h1').first().innerText(), new RegExp(ROUND));
            const rule = await page.locator('.ranking-rule').innerText();
            const nMatch = rule.match(/前\s*(\d+)/);
            assert.ok(nMatch, `expected the rule to name how many advance, saw "${rule}"`);
            const advanceN = Number(nMatch[1]);
            assert.equal(advanceN, 130, 'the demo sets 复评 to advance its top 130');
            await shot(page, 'organiser-ranking');

            // 截止评分, then 计算排名, then 按规则晋级.
            await clickAndLoad(page, page.locator(`form[action="/admin/stages/${id}/close"] button`));
            assert.equal(await page.locator('.form-error').count(), 0, await pageError(page));
            await shot(page, 'organiser-closed');
            await clickAndLoad(page, page.locator(`form[action="/admin/stages/${id}/rank"] button`));
            assert.equal(await page.locator('.form-error').count(), 0, await pageError(page));
            await page.locator('p.count').first().waitFor({ state: 'visible' });
            const ranked = await counts(page);
            assert.equal(ranked.proposed, advanceN, `expected ${advanceN} proposed: "${ranked.text}"`);
            await shot(page, 'organiser-ranked');
            await clickAndLoad(page, page.locator(`form[action="/admin/stages/${id}/advance"] button`));
            assert.equal(await page.locator('.form-error').count(), 0, await pageError(page));
            const done = await counts(page);
            assert.equal(done.advanced, advanceN,
                `expected the advanced count to equal the stage's advance_n (${advanceN}): "${done.text}"`);
            // The table shows 50 cases a page: the highlighted rows of every page.
            let highlighted = 0;
            for (let n = 1; n <= 100; n++) {
                await page.goto(`${laurel.base}/admin/stages/${id}/ranking?page=${n}`, { waitUntil: 'load' });
                highlighted += await page.locator('table tbody tr.advanced').count();
                if (!(await page.locator('nav.pager a[rel=next]').count())) break;
            }
            assert.equal(highlighted, advanceN, 'expected one highlighted row per advanced case');
            await shot(page, 'organiser-advanced');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    assert.deepEqual(allProblems, [], 'expected no script errors or failed requests');
});
