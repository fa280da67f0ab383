// campaigns.test.mjs — an organiser sets up a new call and a unit applies, in a real browser.
//
// Run: node --test tests/browser/   (after `npm ci` in tests/browser/)
//
// Through the pages and their buttons only (no direct HTTP posts), on a fresh demo:
//   1. the organiser creates a campaign on /admin/campaigns, writes its call notice with the
//      toolbar (a heading, a list), adds a tier and its quota, adds an exhibition stage, sets
//      the rules and Shanghai's quota on the settings page, closes the demo's open call and
//      opens the new one (each confirmed with its box);
//   2. a visitor reads the open call on /call and follows 申报: the sign-in form, then the
//      unit's cases, which state the rule of one case per unit.
// Screenshots of every step go to tests/browser/out/campaigns-NN-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, Laurel, PASSWORD, clickAndLoad, numberedShots, pageError, signIn as signInAs } from './harness.mjs';

const ORGANISER = 'organiser@demo.laurel';
const SUBMITTER = 'zhoujiadu@demo.laurel';
const NAME = `浏览器测试征集 ${Date.now() % 100000}`;

const laurel = new Laurel({ name: 'campaigns', cases: 200 });
const shot = numberedShots('campaigns');
const newPage = () => laurel.newPage(DESKTOP, { acceptDialogs: true });

before(() => laurel.start());
after(() => laurel.stop());

function day(offset) {
    const d = new Date(Date.now() + 8 * 3600_000 + offset * 86400_000);
    return d.toISOString().slice(0, 10);
}

// Tick the confirmation box of the step whose button is `button`, and press it.
async function confirmStep(page, button) {
    const form = page.locator('form.confirm-step').filter({ has: page.getByRole('button', { name: button }) });
    await form.getByRole('checkbox').check();
    await clickAndLoad(page, form.getByRole('button', { name: button }));
}

test('an organiser opens a new call and a unit finds its way to apply', { timeout: 240_000 }, async () => {
    const problems = [];
    {
        const { context, page, problems: p } = await newPage();
        try {
            await signInAs(page, laurel.base, ORGANISER, 'organiser', shot);
            await page.goto(laurel.base + '/admin/campaigns', { waitUntil: 'load' });
            await shot(page, 'campaigns');
            await page.getByLabel('活动名称', { exact: true }).fill(NAME);
            await page.getByLabel('开始日期', { exact: true }).fill(day(0));
            await page.getByLabel('截止日期', { exact: true }).fill(day(45));
            await clickAndLoad(page, page.getByRole('button', { name: '新建', exact: true }));
            const id = new URL(page.url()).pathname.match(/^\/admin\/campaigns\/(\d+)$/)?.[1];
            assert.ok(id, `新建 led to ${page.url()}: ${await pageError(page)}`);
            await shot(page, 'created');

            // The notice, with the toolbar: a heading line, then a list.
            const notice = page.getByLabel('通知正文', { exact: true });
            await notice.fill('征集范围');
            await notice.press('End');
            await page.getByRole('button', { name: '小标题', exact: true }).click();
            await notice.press('End');
            await notice.pressSequentially('\n\n城市街道\n城市社区');
            await notice.evaluate((el) => el.setSelectionRange(el.value.indexOf('城市街道'), el.value.length));
            await page.getByRole('button', { name: '列表', exact: true }).click();
            assert.equal(await notice.inputValue(), '## 征集范围\n\n- 城市街道\n- 城市社区');
            await page.getByLabel('主办单位', { exact: true }).fill('组织方办公室');
            await page.getByLabel('新增档次', { exact: true }).fill('最佳案例');
            await page.locator('#new_tier_quota').fill('30');
            await shot(page, 'notice');
            await clickAndLoad(page, page.getByRole('button', { name: '保存并预览', exact: true }));
            assert.equal(await page.locator('.prose h2').first().innerText(), '征集范围');
            assert.equal(await page.locator('.prose li').count(), 2);
            await shot(page, 'preview');
            await clickAndLoad(page, page.getByRole('link', { name: '返回修改' }));

            // A stage, at the end of the order.
            await page.getByLabel('阶段名称', { exact: true }).fill('网上展示');
            await page.getByLabel('类型', { exact: true }).selectOption({ label: '网上展示' });
            await page.getByLabel('开始日期', { exact: true }).last().fill(day(60));
            await page.getByLabel('结束日期', { exact: true }).fill(day(75));
            await clickAndLoad(page, page.getByRole('button', { name: '添加评选阶段', exact: true }));
            await page.locator('.stage-list').getByText('网上展示').first().waitFor();

            // Rules and Shanghai's quota.
            await clickAndLoad(page, page.getByRole('link', { name: '申报规则与推荐名额' }));
            await page.getByLabel('每个单位限报案例数', { exact: true }).fill('1');
            await page.getByLabel('上海市', { exact: true }).fill('3');
            await shot(page, 'settings');
            await clickAndLoad(page, page.getByRole('button', { name: '保存设置', exact: true }));
            assert.match(page.url(), /saved=1/, `settings not saved: ${await pageError(page)}`);

            // One call at a time: close the demo's, open the new one.
            await page.goto(laurel.base + '/admin/campaigns', { waitUntil: 'load' });
            const open = page.locator('tr').filter({ hasText: '征集中' }).getByRole('link').first();
            await clickAndLoad(page, open);
            await confirmStep(page, '截止征集');
            await page.goto(laurel.base + `/admin/campaigns/${id}`, { waitUntil: 'load' });
            await confirmStep(page, '开放征集');
            assert.match(await page.locator('.campaign-bar').innerText(), /征集中/,
                `not opened: ${await pageError(page)}`);
            await shot(page, 'opened');
        } finally {
            problems.push(...p.map((x) => `organiser: ${x}`));
            await context.close();
        }
    }
    {
        const { context, page, problems: p } = await newPage();
        try {
            await page.goto(laurel.base + '/', { waitUntil: 'load' });
            await clickAndLoad(page, page.locator('nav.mainnav').getByRole('link', { name: '案例征集' }));
            assert.equal(await page.locator('h1').innerText(), NAME);
            assert.equal(await page.locator('.prose h2').first().innerText(), '征集范围');
            await shot(page, 'call');
            await clickAndLoad(page, page.getByRole('link', { name: '申报', exact: true }));
            assert.equal(new URL(page.url()).pathname, '/login');
            await page.getByLabel('电子邮箱', { exact: true }).fill(SUBMITTER);
            await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
            await clickAndLoad(page, page.getByRole('button', { name: '登录', exact: true }));
            assert.equal(new URL(page.url()).pathname, '/submit', `not at the unit's cases: ${await pageError(page)}`);
            assert.match(await page.locator('main').innerText(), new RegExp(NAME));
            assert.match(await page.locator('main').innerText(), /限报 1 个案例/);
            await shot(page, 'unit');
        } finally {
            problems.push(...p.map((x) => `visitor: ${x}`));
            await context.close();
        }
    }
    // A navigation may cut short the browser's own request for the icon: not the site's fault.
    const real = problems.filter((x) => !/favicon\.svg net::ERR_ABORTED/.test(x));
    assert.deepEqual(real, [], 'expected no script error, CSP violation or failed request');
});
