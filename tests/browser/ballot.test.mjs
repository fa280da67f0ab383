// ballot.test.mjs — the final ballot (终评) in a real browser: the organiser
// forms a jury and opens a sitting, a juror saves and casts a ballot and gets
// a receipt, the organiser tallies and proposes the award tiers.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// As review.test.mjs: a fresh demo in a temporary folder, served on a free
// loopback port, Debian's Chromium through playwright-core, in zh-CN.  The
// path, through the pages and their buttons only:
//   1. the organiser closes, ranks and advances 复评 (the 终评's candidates),
//      opens 终评's 评审委员会与投票, sets 130 places and a quorum of 1, adds
//      the first expert offered, opens the sitting, ticks them present and
//      starts the voting;
//   2. the juror opens 终评投票, ticks three candidates, saves, confirms and
//      casts, and is shown a receipt; the receipt page finds the ballot;
//   3. the organiser tallies (the three cases elected, as the juror chose)
//      and proposes the tiers from the result.
// Screenshots go to tests/browser/out/ballot-NN-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, Laurel, clickAndLoad, numberedShots, pageError, signIn as signInAs } from './harness.mjs';

const ORGANISER = 'organiser@demo.laurel';
const laurel = new Laurel({ name: 'ballot', cases: 200 });
before(() => laurel.start());
after(() => laurel.stop());

const shot = numberedShots('ballot');
const signIn = (page, email, label) => signInAs(page, laurel.base, email, label, shot);
const newPage = () => laurel.newPage(DESKTOP, { acceptDialogs: true });

async function noError(page) {
    assert.equal(await page.locator('.form-error').count(), 0, await pageError(page));
}

// The stage of the campaign under review named `name`: its id, from /admin/stages.
async function stageId(page, name) {
    await page.goto(laurel.base + '/admin/stages', { waitUntil: 'load' });
    const links = page.locator('main a[href^="/admin/stages/"]', { hasText: name });
    await clickAndLoad(page, links.last());
    const m = new URL(page.url()).pathname.match(/^\/admin\/stages\/(\d+)$/);
    assert.ok(m, `expected the stage's page, saw ${page.url()}`);
    return m[1];
}

test('a juror casts a ballot; the organiser tallies and proposes the tiers', { timeout: 300_000 }, async () => {
    const allProblems = [];
    let juror = '', ballot = '', chosen = [];

    // ---- 1. The organiser: the candidates, the jury, the sitting.
    {
        const { context, page, problems } = await newPage();
        try {
            await signIn(page, ORGANISER, 'organiser');
            const review = await stageId(page, '复评');
            await page.goto(`${laurel.base}/admin/stages/${review}/ranking`, { waitUntil: 'load' });
            for (const step of ['close', 'rank', 'advance']) {
                await clickAndLoad(page, page.locator(`form[action="/admin/stages/${review}/${step}"] button`));
                await noError(page);
            }
            ballot = await stageId(page, '终评');
            await clickAndLoad(page, page.locator(`a[href="/admin/stages/${ballot}/jury"]`).first());
            await page.locator('#places').fill('130');
            await page.locator('#quorum').fill('1');
            await clickAndLoad(page, page.getByRole('button', { name: '保存设置', exact: true }));
            await noError(page);
            await clickAndLoad(page, page.getByRole('button', { name: '添加委员', exact: true }));
            await noError(page);
            juror = (await page.locator('table tbody tr small').first().innerText()).trim();
            assert.match(juror, /@demo\.laurel$/);
            await clickAndLoad(page, page.getByRole('button', { name: '召开会议', exact: true }));
            await page.locator('input[name="present"]').first().check();
            await clickAndLoad(page, page.getByRole('button', { name: '保存到会名单', exact: true }));
            await noError(page);
            await clickAndLoad(page, page.getByRole('button', { name: '开始投票', exact: true }));
            await noError(page);
            assert.match(await page.locator('.ballot-state').innerText(), /投票中/);
            await shot(page, 'organiser-voting');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    // ---- 2. The juror: save, then cast; the receipt.
    let receipt = '';
    {
        const { context, page, problems } = await newPage();
        try {
            await signIn(page, juror, 'juror');
            await page.goto(laurel.base + '/ballot', { waitUntil: 'load' });
            await clickAndLoad(page, page.locator(`a[href="/ballot/${ballot}"]`));
            const boxes = page.locator('input[name="approve"]:not([disabled])');
            for (let i = 0; i < 3; i++) {
                await boxes.nth(i).check();
                chosen.push(await boxes.nth(i).getAttribute('value'));
            }
            await clickAndLoad(page, page.getByRole('button', { name: '保存', exact: true }));
            await noError(page);
            assert.match(await page.locator('.ballot-count').innerText(), /3\s*\/\s*130/);
            await shot(page, 'juror-saved');
            await page.locator('input[name="confirm"]').check();
            await clickAndLoad(page, page.getByRole('button', { name: '投出选票', exact: true }));
            await noError(page);
            receipt = (await page.locator('#receipt').innerText()).trim();
            assert.ok(receipt.length >= 20, `expected a receipt, saw "${receipt}"`);
            await shot(page, 'juror-receipt');
            await clickAndLoad(page, page.getByRole('link', { name: '核对选票回执' }).first());
            await page.locator('#receipt').fill(receipt);
            await clickAndLoad(page, page.getByRole('button', { name: '核对', exact: true }));
            assert.match(await page.locator('.ballot-found').innerText(), /尚未计票/);
            assert.equal(await page.locator('.ballot-found li').count(), 3);
            await shot(page, 'juror-receipt-checked');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    // ---- 3. The organiser tallies and proposes the tiers.
    {
        const { context, page, problems } = await newPage();
        try {
            await signIn(page, ORGANISER, 'organiser-again');
            await page.goto(`${laurel.base}/admin/stages/${ballot}/jury`, { waitUntil: 'load' });
            await clickAndLoad(page, page.getByRole('button', { name: '计票', exact: true }));
            await noError(page);
            assert.equal(new URL(page.url()).pathname, `/admin/stages/${ballot}/tally`);
            const elected = await page.locator('table.ballot-results tr.elected').evaluateAll(
                (rows) => rows.map((r) => r.getAttribute('data-case')));
            assert.deepEqual(elected.sort(), chosen.slice().sort());
            await shot(page, 'organiser-tally');
            await clickAndLoad(page, page.locator(`a[href="/admin/stages/${ballot}/tiers"]`).first());
            await clickAndLoad(page, page.getByRole('button', { name: '按终评结果提出奖项', exact: true }));
            await noError(page);
            assert.equal(await page.locator('table.award-rows tbody tr').count(), 3);
            assert.match(await page.locator('table.award-rows').innerText(), /按顺序列入/);
            await shot(page, 'organiser-tiers');
        } finally {
            allProblems.push(...problems);
            await context.close();
        }
    }

    assert.deepEqual(allProblems, [], 'expected no script errors or failed requests');
});
