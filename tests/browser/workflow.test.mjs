// workflow.test.mjs — one case through the whole intake, in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// Like home.test.mjs, the test builds nothing: harness.mjs takes the release
// binary from $LAUREL_BIN, or ../../build/laurel, makes a fresh demo
// in a temporary folder, serves it on a free loopback port and drives Debian's
// Chromium (/usr/bin/chromium, or $CHROMIUM) through playwright-core, in zh-CN.
//
// The path, through the pages and their buttons only (no direct HTTP posts):
//   1. the submitter (zhoujiadu@demo.laurel) signs in, creates a case, fills the
//      title, track, contact and the five sections, saves a draft, attaches a
//      small PDF written to the temporary folder, submits, signs out;
//   2. the recommender of 上海市 (shanghai@demo.laurel) endorses it on /recommend;
//   3. the organiser ticks the checklist on /admin/screening/{id} and passes it;
//   4. the submitter sees 形式审查通过 on /submit/{id}/status.
// A screenshot of every step goes to tests/browser/out/workflow-NN-*.png (git
// ignores the folder).  Every wait is bounded; the server is stopped and the
// temporary folder removed even when a step fails.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DESKTOP, Laurel, clickAndLoad, numberedShots, pageError, signIn as signInAs } from './harness.mjs';

const SUBMITTER = 'zhoujiadu@demo.laurel';
const RECOMMENDER = 'shanghai@demo.laurel';
const ORGANISER = 'organiser@demo.laurel';
const CASES = 200; // the public archive is not used here: a small demo is enough
const STEP_TIMEOUT_MS = 60_000;

// The case this test creates: unique title, so that lists can be searched for it.
const TITLE = `浏览器测试案例：楼门议事会推动老旧小区加装电梯 ${Date.now() % 100000}`;
const SECTIONS = [
    ['1', '背景与起因', '周家渡街道辖区内老旧小区多，六层以下住宅普遍没有电梯，老年居民上下楼困难。' +
        '居民对加装电梯意见不一，低层住户担心采光和噪音，高层住户盼望尽快开工，' +
        '物业、业委会和居委会之间缺少一个能把各方意见摆到桌面上的平台。'],
    ['2', '做法与经过', '街道党工委以楼门为单位成立议事会，由楼组长党员牵头，邀请低层和高层住户代表、' +
        '物业经理和设计单位一起协商。议事会先后召开十二次会议，逐户上门听取意见，' +
        '对方案反复修改，明确费用分摊比例和后期维护责任，并在小区公示栏公开每一次会议记录。'],
    ['3', '成效与反响', '一年来，辖区共有二十三个楼门完成加装电梯签约，其中十五台已经投入使用。' +
        '居民满意度调查显示，九成以上受访者认为议事会让协商更公开、更公平。'],
    ['4', '探讨与评论', '楼门议事会把党的组织优势转化为基层治理效能，关键在于让每一户都有说话的地方，' +
        '让不同意见在程序中得到尊重和回应。'],
    ['5', '附录', '议事会章程、会议记录样本和费用分摊测算表另附。'],
];

const laurel = new Laurel({ name: 'workflow', cases: CASES, stepTimeoutMs: STEP_TIMEOUT_MS });
let pdfPath;        // the attachment, in the temporary folder

// A minimal valid PDF 1.4: catalog, page tree, one A4 page with one line of
// Helvetica text; the cross-reference table holds the real byte offsets.
function minimalPdf() {
    const stream = 'BT /F1 24 Tf 72 760 Td (Laurel workflow test) Tj ET';
    const objects = [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ' +
            '/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
        `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ];
    let pdf = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
    const offsets = [];
    objects.forEach((body, i) => {
        offsets.push(Buffer.byteLength(pdf, 'latin1'));
        pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    });
    const xref = Buffer.byteLength(pdf, 'latin1');
    pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const o of offsets) pdf += `${String(o).padStart(10, '0')} 00000 n \n`;
    pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(pdf, 'latin1');
}

before(async () => {
    await laurel.start();
    pdfPath = path.join(laurel.tmp, '议事会章程.pdf');
    await writeFile(pdfPath, minimalPdf());
});
after(() => laurel.stop());

// One browser context per person, as if each sat at their own computer; it
// records script errors and failed or erroring requests to our server.
// Submitting and endorsing ask first (confirm()); the person says yes.
const newPage = () => laurel.newPage(DESKTOP, { acceptDialogs: true });

const shot = numberedShots('workflow');
const signIn = (page, email, label) => signInAs(page, laurel.base, email, label, shot);

async function signOut(page, label) {
    await clickAndLoad(page, page.locator('header a.account[href="/me"]'));
    assert.equal(new URL(page.url()).pathname, '/me');
    await shot(page, `${label}-me`);
    /* The masthead's sign-out, present on every page. */
    await clickAndLoad(page, page.locator('header form.signout').getByRole('button', { name: '退出', exact: true }));
    await page.getByRole('link', { name: '登录', exact: true }).first().waitFor({ state: 'visible' });
    // And really out: a personal page sends the browser back to the login form.
    await page.goto(laurel.base + '/me', { waitUntil: 'load' });
    assert.match(new URL(page.url()).pathname, /^\/login/, 'still signed in after 退出');
}

test('a case from draft to 形式审查通过, through the pages', { timeout: 240_000 }, async () => {
    let caseId;
    const allProblems = [];
    const person = async (who, fn) => {
        const { context, page, problems } = await newPage();
        try {
            await fn(page);
        } finally {
            allProblems.push(...problems.map((p) => `${who}: ${p}`));
            await context.close();
        }
    };

    // 1. The submitter: a new case, a draft, a PDF, submitted.
    await person('submitter', async (page) => {
        await signIn(page, SUBMITTER, 'submitter');
        await clickAndLoad(page, page.getByRole('link', { name: '我的申报', exact: true }));
        assert.equal(new URL(page.url()).pathname, '/submit');
        await shot(page, 'submitter-list');
        await clickAndLoad(page, page.getByRole('button', { name: '新建案例', exact: true }));
        const m = new URL(page.url()).pathname.match(/^\/submit\/(\d+)$/);
        assert.ok(m, `新建案例 led to ${page.url()}, not /submit/{id}`);
        caseId = m[1];

        await page.getByLabel(/^案例标题/).fill(TITLE);
        await page.getByLabel('申报类别', { exact: true }).selectOption({ label: '红色物业与小区治理' });
        await page.getByLabel('关键词', { exact: false }).fill('加装电梯、楼门议事会');
        await page.getByLabel('姓名', { exact: true }).fill('张晓敏');
        await page.getByLabel('电话', { exact: true }).fill('021-5888 0000');
        await page.getByLabel(/^电子邮箱/).fill('zhangxm@example.org');
        let total = 0;
        for (const [seq, name, body] of SECTIONS) {
            const box = page.getByLabel(new RegExp(`^${seq}\\. ${name}`));
            await box.fill(body);
            total += [...body].length;
        }
        assert.ok(total >= 300, `the test's own sections are too short (${total} characters)`);
        // The page's own counter (submit.js) follows the typing.
        await page.waitForFunction(
            (n) => document.querySelector('#total-count span')?.textContent.trim() === String(n), total,
            { timeout: STEP_TIMEOUT_MS });
        await shot(page, 'submitter-filled');

        await clickAndLoad(page, page.getByRole('button', { name: '保存草稿', exact: true }));
        assert.equal(new URL(page.url()).pathname, `/submit/${caseId}`);
        await page.getByRole('status').filter({ hasText: '草稿已保存' }).waitFor({ state: 'visible' })
            .catch(async () => assert.fail(`no 草稿已保存 after saving: ${await pageError(page)}`));
        assert.equal((await page.locator('h1').first().innerText()).trim(), TITLE);
        assert.equal(await page.getByLabel(/^1\. 背景与起因/).inputValue(), SECTIONS[0][2]);
        await shot(page, 'submitter-saved');

        await page.getByLabel('选择文件', { exact: true }).setInputFiles(pdfPath);
        await clickAndLoad(page, page.getByRole('button', { name: '上传附件', exact: true }));
        await page.getByRole('status').filter({ hasText: '附件已上传' }).waitFor({ state: 'visible' })
            .catch(async () => assert.fail(`no 附件已上传 after the upload: ${await pageError(page)}`));
        const file = page.locator('.submit-files a', { hasText: '议事会章程.pdf' });
        await file.waitFor({ state: 'visible' });
        assert.match(await page.locator('.submit-files li').first().innerText(), /PDF 文件/);
        await shot(page, 'submitter-uploaded');

        await clickAndLoad(page, page.getByRole('button', { name: '提交案例', exact: true }));
        await page.locator('.case-status', { hasText: '已提交' }).first().waitFor({ state: 'visible' })
            .catch(async () => assert.fail(`the case is not 已提交 after 提交案例: ${await pageError(page)}`));
        await shot(page, 'submitter-submitted');
        await signOut(page, 'submitter');
    });

    // 2. The recommender of 上海市 endorses it from the list.
    await person('recommender', async (page) => {
        await signIn(page, RECOMMENDER, 'recommender');
        await clickAndLoad(page, page.locator('header a.account[href="/me"]'));
        await clickAndLoad(page, page.getByRole('link', { name: '推荐本地区案例', exact: true }));
        assert.equal(new URL(page.url()).pathname, '/recommend');
        const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: TITLE }) });
        await row.waitFor({ state: 'visible' });
        assert.match(await row.innerText(), /已提交/);
        await shot(page, 'recommender-list');
        await clickAndLoad(page, row.getByRole('button', { name: '推荐', exact: true }));
        assert.equal(new URL(page.url()).pathname.replace(/\/$/, ''), '/recommend',
            `endorsing led to ${page.url()}`);
        const after = page.getByRole('row').filter({ has: page.getByRole('link', { name: TITLE }) });
        await after.waitFor({ state: 'visible' });
        assert.match(await after.innerText(), /已推荐/, `not 已推荐 after 推荐: ${await pageError(page)}`);
        await shot(page, 'recommender-endorsed');
        await signOut(page, 'recommender');
    });

    // 3. The organiser screens it: checklist ticked, 通过.
    await person('organiser', async (page) => {
        await signIn(page, ORGANISER, 'organiser');
        await clickAndLoad(page, page.locator('header a.account[href="/me"]'));
        await clickAndLoad(page, page.getByRole('link', { name: '形式审查', exact: true }));
        assert.equal(new URL(page.url()).pathname, '/admin/screening');
        await shot(page, 'organiser-queue');
        await clickAndLoad(page, page.getByRole('link', { name: TITLE, exact: true }));
        assert.equal(new URL(page.url()).pathname, `/admin/screening/${caseId}`);
        assert.match(await page.locator('.intake-case').innerText(), /议事会章程\.pdf/,
            'the screening page does not list the attachment');
        const checks = page.locator('form[action$="/screening/' + caseId + '"] input[type=checkbox]');
        const n = await checks.count();
        assert.ok(n >= 1, 'the screening form has no checklist');
        for (let i = 0; i < n; i++) await checks.nth(i).check();
        await page.getByRole('radio', { name: '通过', exact: true }).check();
        await shot(page, 'organiser-checklist');
        await clickAndLoad(page, page.getByRole('button', { name: '提交结论', exact: true }));
        const err = page.locator('.form-error');
        if (await err.count()) assert.fail(`the screening was refused: ${await pageError(page)}`);
        await shot(page, 'organiser-passed');
        // The decision shows on the case itself.
        await page.goto(`${laurel.base}/admin/screening/${caseId}`, { waitUntil: 'load' });
        assert.match(await page.locator('.intake-case').innerText(), /形式审查通过/);
        await signOut(page, 'organiser');
    });

    // 4. The submitter sees the result.
    await person('submitter-again', async (page) => {
        await signIn(page, SUBMITTER, 'submitter-again');
        await clickAndLoad(page, page.getByRole('link', { name: '我的申报', exact: true }));
        const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: TITLE }) });
        await row.waitFor({ state: 'visible' });
        await clickAndLoad(page, row.getByRole('link', { name: '进度', exact: true }));
        assert.equal(new URL(page.url()).pathname, `/submit/${caseId}/status`);
        const now = page.locator('.submit-meta .case-status');
        assert.equal((await now.innerText()).trim(), '形式审查通过');
        const history = await page.locator('.submit-table').innerText();
        for (const word of ['已提交', '已推荐', '形式审查通过'])
            assert.ok(history.includes(word), `the history lacks ${word}:\n${history}`);
        await shot(page, 'submitter-status');
        await signOut(page, 'submitter-again');
    });

    assert.deepEqual(allProblems, [], 'the browser saw errors');
});
