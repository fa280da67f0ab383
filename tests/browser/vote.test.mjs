// vote.test.mjs — a visitor votes from a phone (390×844) in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// The demo's exhibition is open for voting now.  A visitor opens a case's vote
// page from a shared link, types a phone number, gets a code (read from this
// test's SMS gateway sink, to which the server POSTs {"phone", "text"}),
// verifies it, votes, and sees the count grow by one and the votes left today
// drop from 10 to 9.  Then the exhibition list, the same at desktop width.
// Screenshots go to tests/browser/out/vote-NN-*.png.  Every wait is bounded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import path from 'node:path';
import { Laurel, DESKTOP, OUT, numberedShots, clickAndLoad, sleep } from './harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const CODE_TIMEOUT_MS = 30_000;

// The SMS gateway sink: every JSON POST kept, answered 200.
const sms = [];
const gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
        try { sms.push(JSON.parse(body)); } catch { /* not JSON: not a message */ }
        res.writeHead(200, { 'Content-Length': 2 }).end('ok');
    });
});
await new Promise((resolve) => gateway.listen(0, '127.0.0.1', resolve));

const laurel = new Laurel({
    name: 'vote', cases: 200,
    serveArgs: ['--sms', `http://127.0.0.1:${gateway.address().port}/send`],
});
before(() => laurel.start());
after(async () => {
    gateway.close();
    await laurel.stop();
});

async function codeFor(phone) {
    const deadline = Date.now() + CODE_TIMEOUT_MS;
    while (Date.now() < deadline) {
        const m = sms.find((x) => x.phone === phone);
        if (m) return /(\d{6})/.exec(m.text)[1];
        await sleep(100);
    }
    throw new Error(`no SMS to ${phone} within ${CODE_TIMEOUT_MS} ms; saw ${JSON.stringify(sms)}`);
}

test('a visitor on a phone opens a shared case link, gets a code, votes', async () => {
    const open = await (await fetch(`${laurel.base}/api/v1/votes`)).json();
    const stage = open.stages.find((s) => s.cases.length > 0);
    assert.ok(stage, `expected an exhibition open for voting in the demo; saw ${JSON.stringify(open)}`);
    const caseId = stage.cases[7];
    const link = `${laurel.base}/cases/${caseId}/vote`;
    const shot = numberedShots('vote');
    const { context, page, problems } = await laurel.newPage(PHONE);
    try {
        await page.goto(link, { waitUntil: 'load' });
        const before = Number(await page.locator('#vote-count').innerText());
        await shot(page, 'phone-case');
        const phone = `137${String(Date.now() % 1e8).padStart(8, '0')}`;
        await page.getByLabel('手机号', { exact: true }).fill(phone);
        await clickAndLoad(page, page.getByRole('button', { name: '获取验证码' }).first());
        await page.getByText('验证码已发送').first().waitFor({ state: 'visible' });
        await page.getByLabel('验证码（6 位数字）').fill(await codeFor(phone));
        await shot(page, 'phone-code');
        await clickAndLoad(page, page.getByRole('button', { name: '验证', exact: true }));
        assert.equal(await page.locator('#vote-remaining').innerText(), '10');
        await clickAndLoad(page, page.getByRole('button', { name: '投票', exact: true }));
        await page.getByText('投票成功').waitFor({ state: 'visible' });
        assert.equal(Number(await page.locator('#vote-count').innerText()), before + 1);
        assert.equal(await page.locator('#vote-remaining').innerText(), '9');
        await shot(page, 'phone-voted');
        // The page fits the phone: nothing wider than the screen.
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(wide <= 390, `the vote page is ${wide}px wide on a 390px phone`);
        // The exhibition list, by votes, with this case's new count.
        await clickAndLoad(page, page.getByRole('link', { name: '查看全部展示案例' }));
        await page.locator(`.vote-list a[href="/cases/${caseId}/vote"]`).first().waitFor();
        // The list is long (every case of the stage): its first screen only.
        await page.screenshot({ path: path.join(OUT, 'vote-phone-exhibition.png') });
        assert.deepEqual(problems, []);
    } finally {
        await context.close();
    }
    const desk = await laurel.newPage(DESKTOP);
    try {
        await desk.page.goto(link, { waitUntil: 'load' });
        await shot(desk.page, 'desktop-case');
        await desk.page.goto(`${laurel.base}/votes/${stage.id}`, { waitUntil: 'load' });
        await desk.page.screenshot({ path: path.join(OUT, 'vote-desktop-exhibition.png') });
        assert.deepEqual(desk.problems, []);
    } finally {
        await desk.context.close();
    }
});
