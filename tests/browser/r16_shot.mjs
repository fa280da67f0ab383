import { chromium } from 'playwright-core';
const B = 'http://127.0.0.1:18116';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [w, h, tag] of [[1280, 1600, 'wide'], [390, 1400, 'phone']]) {
  const page = await browser.newPage({ viewport: { width: w, height: h }, locale: 'zh-CN' });
  await page.goto(B + '/login');
  await page.fill('input[name=email]', 'organiser@demo.laurel');
  await page.fill('input[name=password]', 'laurel-demo-2019');
  await Promise.all([page.waitForNavigation(), page.click('form button[type=submit] >> nth=-1')]);
  for (const [path, name] of [['/admin/stages/11/ranking', 'ranking'], ['/admin/stages/11/cases/4784', 'case'], ['/admin/stages/9/cases/4265', 'case1'], ['/admin/dedupe?threshold=0.3', 'dedupe']]) {
    await page.goto(B + path);
    await page.screenshot({ path: `/tmp/r16/${name}-${tag}.png` });
  }
  await page.close();
}
await browser.close();
