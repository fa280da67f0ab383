import { chromium } from './node_modules/playwright-core/index.mjs';
const base = 'http://127.0.0.1:18431';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
async function login(ctx, email) {
  const p = await ctx.newPage();
  await p.goto(base + '/login', { timeout: 60000 });
  await p.fill('input[name=email]', email);
  await p.fill('input[name=password]', 'laurel-demo-2019');
  await Promise.all([p.waitForNavigation({ timeout: 60000 }), p.click('main form[method=post] button[type=submit], form[action="/login"] button')]);
  return p;
}
for (const [w, h, tag] of [[1280, 900, 'desk'], [390, 844, 'phone']]) {
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: w, height: h } });
  const e = await login(ctx, 'expert001@demo.laurel');
  await e.goto(base + '/review/3/' + String(72).padStart(4, '0'), { timeout: 60000 });
  await e.screenshot({ path: '/tmp/crshot/review_' + tag + '.png', fullPage: true });
  const ctx2 = await browser.newContext({ locale: 'zh-CN', viewport: { width: w, height: h } });
  const o = await login(ctx2, 'organiser@demo.laurel');
  await o.goto(base + '/admin/users/5', { timeout: 60000 });
  await o.screenshot({ path: '/tmp/crshot/user_' + tag + '.png', fullPage: true });
  await o.goto(base + '/admin/campaigns', { timeout: 60000 });
  await o.screenshot({ path: '/tmp/crshot/campaigns_' + tag + '.png', fullPage: true });
  await ctx.close(); await ctx2.close();
}
await browser.close();
