// home.test.mjs — Laurel's public pages in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// The test builds nothing: it takes the release binary from $LAUREL_BIN, or
// ../../build/laurel relative to this file.  It makes a fresh demo campaign in
// a temporary folder, serves it on a free loopback port, and drives Debian's
// Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core:
// home page -> 案例展示 -> one case.  Screenshots (desktop 1280 wide, phone
// 390x844) go to tests/browser/out/, which git ignores.  Every wait is bounded.

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
const CASES = 4000;
const CAMPAIGN = '全国城市基层党建创新案例征集评选';

const DEMO_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 15_000;

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
    tmp = await mkdtemp(path.join(tmpdir(), 'laurel-browser-'));
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

// A context that records what a person would not see but should not happen:
// script errors and failed or erroring requests to our own server.
async function newPage(options) {
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return { context, page, problems };
}

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
    const home = await page.goto(base + '/', { waitUntil: 'load' });
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
    const { context, page, problems } = await newPage({ viewport: { width: 1280, height: 900 } });
    try {
        await walk(page, (name) => page.screenshot({ path: path.join(OUT, `desktop-${name}.png`), fullPage: true }));
        assert.deepEqual(problems, [], 'the browser saw errors');
    } finally {
        await context.close();
    }
});

test('phone 390x844: same walk, no horizontal overflow', { timeout: 120_000 }, async () => {
    const { context, page, problems } = await newPage({
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
