// harness.mjs — what Laurel's browser tests share: a fresh demo served by the
// real binary on a free loopback port, Debian's Chromium through
// playwright-core, pages that record what went wrong, and numbered screenshots.
//
// Not a test itself: node --test runs *.test.mjs, and this file is imported by
// home.test.mjs, workflow.test.mjs and review.test.mjs.
//
// The harness builds nothing: it takes the release binary from $LAUREL_BIN, or
// ../../build/laurel relative to this file, and Chromium from $CHROMIUM, or
// /usr/bin/chromium.  Screenshots go to tests/browser/out/, which git ignores.
// Every wait is bounded; stop() stops the server, closes the browser and
// removes the temporary folder whatever start() got to.
//
// Use:
//     const laurel = new Laurel({ name: 'review', cases: 200 });
//     before(() => laurel.start());
//     after(() => laurel.stop());
//     ... const { context, page, problems } = await laurel.newPage();

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
export const LAUREL = process.env.LAUREL_BIN || path.resolve(here, '../../build/laurel');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const OUT = path.join(here, 'out');
export const PASSWORD = 'laurel-demo-2019'; // every account of the demo

const DEMO_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

// SIGTERM, then SIGKILL (and an error) if laurel has not exited within STOP_TIMEOUT_MS.
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

// One demo, one server, one browser for a test file.  `name` names the
// temporary folder (laurel-NAME-XXXXXX), `cases` the size of the demo's public
// archive, `stepTimeoutMs` the default bound of every page action.
export class Laurel {
    constructor({ name, cases, stepTimeoutMs = 60_000, serveArgs = [] }) {
        this.name = name;
        this.cases = cases;
        this.serveArgs = serveArgs; // more options of `laurel serve` (a test's SMS gateway)
        this.stepTimeoutMs = stepTimeoutMs;
        this.tmp = null;     // temporary folder: data, access log, whatever the test adds
        this.server = null;  // the laurel child process
        this.serverLog = ''; // its stdout+stderr, shown when something fails
        this.base = null;    // http://127.0.0.1:PORT
        this.browser = null;
    }

    // Checks the binaries, makes the demo, serves it and launches Chromium.
    async start() {
        await access(LAUREL, fsc.X_OK).catch(() => {
            throw new Error(`no laurel binary at ${LAUREL}: build it (ninja -C build) or set LAUREL_BIN`);
        });
        await access(CHROMIUM, fsc.X_OK).catch(() => {
            throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk`);
        });
        this.tmp = await mkdtemp(path.join(tmpdir(), `laurel-${this.name}-`));
        await mkdir(OUT, { recursive: true });
        const dataDir = path.join(this.tmp, 'data');
        await run(LAUREL, ['demo', '--data', dataDir, '--cases', String(this.cases)], DEMO_TIMEOUT_MS);
        await this.#serve(dataDir);
        this.browser = await chromium.launch({
            executablePath: CHROMIUM,
            timeout: 30_000,
            args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        });
    }

    // Closes the browser, stops the server and removes the folder; throws the
    // first thing that went wrong, after trying all three.
    async stop() {
        const errors = [];
        if (this.browser) await this.browser.close().catch((e) => errors.push(e));
        await stopServer(this.server).catch((e) => errors.push(e));
        if (this.tmp) await rm(this.tmp, { recursive: true, force: true }).catch((e) => errors.push(e));
        if (errors.length) throw errors[0];
    }

    async #waitHealthy(url, child, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            if (child.exitCode !== null || child.signalCode !== null)
                throw new Error(`laurel exited early (${child.exitCode ?? child.signalCode})\n${this.serverLog}`);
            try {
                const r = await fetch(url + '/healthz', { signal: AbortSignal.timeout(1000) });
                if (r.ok && (await r.text()).trim() === 'ok') return;
            } catch { /* not up yet */ }
            await sleep(100);
        }
        throw new Error(`laurel did not answer /healthz within ${timeoutMs} ms\n${this.serverLog}`);
    }

    async #serve(dataDir) {
        // A port found free may be taken before laurel binds it: try a few.
        for (let attempt = 1; attempt <= 3; attempt++) {
            const port = await freePort();
            this.serverLog = '';
            const child = spawn(LAUREL, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`,
                '--access-log', path.join(this.tmp, 'access.log'), '--threads', '2',
                ...this.serveArgs],
                { stdio: ['ignore', 'pipe', 'pipe'] });
            child.stdout.on('data', (d) => { this.serverLog += d; });
            child.stderr.on('data', (d) => { this.serverLog += d; });
            const url = `http://127.0.0.1:${port}`;
            try {
                await this.#waitHealthy(url, child, START_TIMEOUT_MS);
                this.server = child;
                this.base = url;
                return;
            } catch (e) {
                await stopServer(child);
                if (attempt === 3) throw e;
            }
        }
    }

    // A page in a new context (zh-CN, Asia/Shanghai, plus `options`), as if
    // one person sat at their own computer.  `problems` records what a person
    // would not see but should not happen: script errors, Content-Security-Policy
    // violations and failed or erroring requests.  With acceptDialogs, a confirm() a button raises is
    // accepted, as the person would.  The caller closes `context`.
    async newPage(options = {}, { acceptDialogs = false } = {}) {
        const context = await this.browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
        const page = await context.newPage();
        page.setDefaultTimeout(this.stepTimeoutMs);
        page.setDefaultNavigationTimeout(this.stepTimeoutMs);
        const problems = [];
        page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
        // A Content-Security-Policy violation (inline script or style, a foreign source) is a
        // failure: Chromium reports it on the console, and the page fires an event for it.
        page.on('console', (m) => {
            if (/Content Security Policy/i.test(m.text())) problems.push(`CSP violation: ${m.text()}`);
        });
        await page.addInitScript(() => {
            document.addEventListener('securitypolicyviolation', (e) => {
                console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
            });
        });
        // A request the browser cancelled itself (net::ERR_ABORTED: the page navigated away, or
        // a form was sent, before the favicon or an image had arrived) is no failure of the
        // server's; a reset, an empty answer or a refused connection is.
        page.on('requestfailed', (r) => {
            const why = r.failure()?.errorText || '';
            if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${why}`);
        });
        page.on('response', (r) => {
            if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
        });
        if (acceptDialogs) page.on('dialog', (d) => d.accept().catch(() => {}));
        return { context, page, problems };
    }
}

// The desktop viewport the workflow tests use.
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

// shot(page, name) for a test: full-page screenshots numbered in the order
// taken, out/PREFIX-NN-name.png.
export function numberedShots(prefix) {
    let n = 0;
    return async (page, name) => {
        n += 1;
        const file = path.join(OUT, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
    };
}

// Clicks something that submits a form or follows a link and waits for the
// page it leads to (the server answers POSTs with 303 + a GET).
export async function clickAndLoad(page, locator) {
    await locator.waitFor({ state: 'visible' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

// The alert a page shows when the server refused something, for the message of a failed assert.
export async function pageError(page) {
    const alerts = page.locator('.form-error, .field-error');
    return (await alerts.count()) ? (await alerts.allInnerTexts()).join(' | ') : '(no error shown)';
}

// Signs `email` in through the home page's 登录 link and the login form,
// taking the screenshot LABEL-login with `shot` before submitting.
export async function signIn(page, base, email, label, shot) {
    await page.goto(base + '/', { waitUntil: 'load' });
    await clickAndLoad(page, page.getByRole('link', { name: '登录', exact: true }));
    assert.match(new URL(page.url()).pathname, /^\/login$/);
    await page.getByLabel('电子邮箱', { exact: true }).fill(email);
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await shot(page, `${label}-login`);
    await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/login/,
        `${email} could not sign in: ${await pageError(page)}`);
    // Signed in: the masthead links to the workbench instead of 登录.
    await page.locator('header a.account[href="/me"]').waitFor({ state: 'visible' });
}
