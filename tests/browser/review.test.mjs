// review.test.mjs — a review round in a real browser: a reviewer scores a
// case, the organiser closes, ranks and advances the stage.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// Like home.test.mjs, the test builds nothing: it takes the release binary from
// $LAUREL_BIN, or ../../build/laurel relative to this file, makes a fresh demo
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
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, access } from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const LAUREL = process.env.LAUREL_BIN || path.resolve(here, '../../build/laurel');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = path.join(here, 'out');
const PASSWORD = 'laurel-demo-2019';
const REVIEWER = 'expert@demo.laurel';
const ORGANISER = 'organiser@demo.laurel';
const CASES = 200; // the public archive is not used here; the edition in review is the same
const ROUND = '复评';

const DEMO_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 20_000;

let tmp;            // temporary folder: data, access log
let server;         // the laurel child process
let serverLog = ''; // its stdout+stderr, shown when something fails
let base;           // http://127.0.0.1:PORT
let browser;

function freePort() {
    return new Promise((resolve, reject) => {
        const s = createServer();
        s.unref();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

function run(file, args, timeout) {
    return new Promise((resolve, reject) => {
        execFile(file, args, { timeout, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
            else resolve(stdout + stderr);
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, child, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`laurel exited early (${child.exitCode ?? child.signalCode})\n${serverLog}`);
        try {
            const r = await fetch(url + '/healthz', { signal: AbortSignal.timeout(1000) });
            if (r.ok && (await r.text()).trim() === 'ok') return;
        } catch { /* not up yet */ }
        await sleep(100);
    }
    throw new Error(`laurel did not answer /healthz within ${timeoutMs} ms\n${serverLog}`);
}

async function startServer(dataDir) {
    // A port found free may be taken before laurel binds it: try a few.
    for (let attempt = 1; attempt <= 3; attempt++) {
        const port = await freePort();
        serverLog = '';
        const child = spawn(LAUREL, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`,
            '--access-log', path.join(tmp, 'access.log'), '--threads', '2'],
            { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (d) => { serverLog += d; });
        child.stderr.on('data', (d) => { serverLog += d; });
        const url = `http://127.0.0.1:${port}`;
        try {
            await waitHealthy(url, child, START_TIMEOUT_MS);
            return { child, url };
        } catch (e) {
            await stopServer(child);
            if (attempt === 3) throw e;
        }
    }
}

async function stopServer(child) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(2000)]);
        throw new Error(`laurel did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
}

before(async () => {
    await access(LAUREL, fsc.X_OK).catch(() => {
        throw new Error(`no laurel binary at ${LAUREL}: build it (ninja -C build) or set LAUREL_BIN`);
    });
    await access(CHROMIUM, fsc.X_OK).catch(() => {
        throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk`);
    });
    tmp = await mkdtemp(path.join(tmpdir(), 'laurel-review-'));
    await mkdir(OUT, { recursive: true });
    const dataDir = path.join(tmp, 'data');
    await run(LAUREL, ['demo', '--data', dataDir, '--cases', String(CASES)], DEMO_TIMEOUT_MS);
    ({ child: server, url: base } = await startServer(dataDir));
    browser = await chromium.launch({
        executablePath: CHROMIUM,
        timeout: 30_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
});

after(async () => {
    const errors = [];
    if (browser) await browser.close().catch((e) => errors.push(e));
    await stopServer(server).catch((e) => errors.push(e));
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch((e) => errors.push(e));
    if (errors.length) throw errors[0];
});

// One browser context per person; it records script errors and failed or
// erroring requests to our server.  A confirm() a button may raise is accepted,
// as the person would.
async function newPage() {
    const context = await browser.newContext({
        locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('dialog', (d) => d.accept().catch(() => {}));
    return { context, page, problems };
}

let shotNo = 0;
async function shot(page, name) {
    shotNo += 1;
    const file = path.join(OUT, `review-${String(shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
}

// Clicks something that submits a form or follows a link and waits for the
// page it leads to (the server answers POSTs with 303 + a GET).
async function clickAndLoad(page, locator) {
    await locator.waitFor({ state: 'visible' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

// The alert a page shows when the server refused something, for the message of a failed assert.
async function pageError(page) {
    const alerts = page.locator('.form-error, .field-error');
    return (await alerts.count()) ? (await alerts.allInnerTexts()).join(' | ') : '(no error shown)';
}

async function signIn(page, email, label) {
    await page.goto(base + '/', { waitUntil: 'load' });
    await clickAndLoad(page, page.getByRole('link', { name: '登录', exact: true }));
    assert.match(new URL(page.url()).pathname, /^\/login$/);
    await page.getByLabel('电子邮箱', { exact: true }).fill(email);
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await shot(page, `${label}-login`);
    await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/login/,
        `${email} could not sign in: ${await pageError(page)}`);
    await page.locator('header a.account[href="/me"]').waitFor({ state: 'visible' });
}

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
            await page.goto(base + '/review', { waitUntil: 'load' });
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
            await page.goto(base + '/review', { waitUntil: 'load' });
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
            await page.goto(base + '/admin/stages', { waitUntil: 'load' });
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
                await page.goto(`${base}/admin/stages/${id}/ranking`, { waitUntil: 'load' });
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
            assert.equal(await page.locator('table tbody tr.advanced').count(), advanceN,
                'expected one highlighted row per advanced case');
            await shot(page, 'organiser-advanced');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    assert.deepEqual(allProblems, [], 'expected no script errors or failed requests');
});
