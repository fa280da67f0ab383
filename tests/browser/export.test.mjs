// export.test.mjs — the static export (`laurel export-site`) in a real browser,
// served by a plain file server (python3 -m http.server) that knows nothing of
// Laurel: the home page, a case page and the search page load with no failed
// request and no script error; a two-character query typed into the masthead's
// search box lists the case it comes from, and its link opens that case's page.
// Screenshots at desktop width and 390 px: out/export-NN-*.png.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { Laurel, LAUREL, DESKTOP, numberedShots, sleep } from './harness.mjs';

const laurel = new Laurel({ name: 'export', cases: 200 });
const shot = numberedShots('export');
let site = null;   // the export's folder
let files = null;  // the file server child
let base = null;   // its URL

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

before(async () => {
    await laurel.start();
    site = path.join(laurel.tmp, 'site');
    await new Promise((resolve, reject) => {
        execFile(LAUREL, ['export-site', site, '--data', path.join(laurel.tmp, 'data')],
            { timeout: 300_000 }, (err, stdout, stderr) =>
                err ? reject(new Error(`export-site failed: ${err.message}\n${stderr}`)) : resolve(stdout));
    });
    const port = await freePort();
    files = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', site],
        { stdio: 'ignore' });
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            if ((await fetch(base + '/index.html', { signal: AbortSignal.timeout(1000) })).ok) break;
        } catch { /* not up yet */ }
        if (Date.now() > deadline) throw new Error('the file server did not answer within 30 s');
        await sleep(100);
    }
});

after(async () => {
    if (files && files.exitCode === null) {
        const exited = new Promise((r) => files.once('exit', r));
        files.kill('SIGTERM');
        await exited;
    }
    await laurel.stop();
});

// A case of the index and two neighbouring Chinese characters of its title.
async function aCase() {
    const index = JSON.parse(await readFile(path.join(site, 'search-index.json'), 'utf8'));
    for (const doc of index.docs) {
        const m = doc[1].match(/[\u4e00-\u9fff]{2}/);
        if (m) return { file: doc[0], title: doc[1], pair: m[0] };
    }
    throw new Error('no case title with two Chinese characters in the index');
}

for (const [label, options] of [['desktop', DESKTOP], ['390', { viewport: { width: 390, height: 844 } }]]) {
    test(`the exported site under a file server (${label})`, { timeout: 180_000 }, async () => {
        const { context, page, problems } = await laurel.newPage(options);
        try {
            const c = await aCase();
            await page.goto(base + '/index.html', { waitUntil: 'networkidle' });
            assert.match(await page.locator('.export-note').innerText(), /静态导出/);
            await shot(page, `${label}-home`);

            await page.goto(base + '/' + c.file, { waitUntil: 'networkidle' });
            assert.equal((await page.locator('main h1').innerText()).trim(), c.title);
            await shot(page, `${label}-case`);

            // The masthead's search box leads to the static search page, which lists the case.
            await page.goto(base + '/index.html', { waitUntil: 'networkidle' });
            await page.locator('#site-q').fill(c.pair);
            await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#site-q').press('Enter')]);
            assert.match(new URL(page.url()).pathname, /\/search\/index\.html$/);
            const hit = page.locator('#export-hits a', { hasText: c.title }).first();
            await hit.waitFor({ state: 'visible' });
            assert.match(await page.locator('#export-count').innerText(), /找到 \d+/);
            assert.equal(await page.locator('#q').inputValue(), c.pair);
            await shot(page, `${label}-search`);
            await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), hit.click()]);
            assert.equal((await page.locator('main h1').innerText()).trim(), c.title);

            // A query nothing matches says so.
            await page.goto(base + '/search/index.html?q=' + encodeURIComponent('龘靐'), { waitUntil: 'networkidle' });
            await page.locator('#export-count:not([hidden])').waitFor();
            assert.match(await page.locator('#export-count').innerText(), /没有找到/);
            assert.equal(await page.locator('#export-hits li').count(), 0);
            assert.deepEqual(problems, [], 'the browser saw errors');
        } finally {
            await context.close();
        }
    });
}
