import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { spawnApp, type RunningApp } from '../../../test/support/spawn-app';
import { axeViolations, bundleSize, launch, screenshot, serious, writeResults, type AxeViolation, type Browser } from './browser';

jest.setTimeout(240_000);

const DIST = join(__dirname, '..', '..', '..', 'dist', 'console');
const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The console in Debian's Chromium against the real platform (compiled console, SQLite file,
 * in-process bus): a physician issues, a pharmacist claims and dispenses with scanned codes, the
 * agency sees the payment and settles, the auditor sees the timeline and the state before the
 * dispense. Every page gets an axe check and a screenshot; page timings are written, not asserted.
 */
describe('console in a real browser', () => {
  let dir: string;
  let platform: RunningApp;
  let browser: Browser;
  const timings: { page: string; ms: number }[] = [];
  const a11y: { page: string; violations: AxeViolation[] }[] = [];
  let rxId = '';
  let slip = '';
  let dispenseId = '';
  let dispensedAt = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rx-console-e2e-'));
    platform = await spawnApp('platform', { RX_EVENT_STORE: `sqlite:${join(dir, 'rx.sqlite')}`, RX_CONSOLE_DIR: DIST, RX_AUDIT_SWEEP_INTERVAL_MS: '0' });
    browser = await launch(platform.baseUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (timings.length) {
      const size = bundleSize(DIST);
      writeResults(
        'console.md',
        [
          '# Console: browser suite figures',
          '',
          `Measured ${new Date().toISOString()} by \`npm run test:console\` (Debian Chromium, headless, this machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end). Not asserted.`,
          'Each figure runs from the click or address change to the page content being visible: the answer of the platform, rendering, and on a first visit the download and parse of the code.',
          '',
          '| page | until its content showed (ms) |',
          '|---|---|',
          ...timings.map((x) => `| ${x.page} | ${x.ms} |`),
          '',
          `JavaScript, gzipped: ${(size.totalGzip / 1024).toFixed(1)} kB in all (budget 300 kB); the first page loads ${(size.entryGzip / 1024).toFixed(1)} kB, each role's pages the rest on demand.`,
          '',
          '| file | gzip (kB) |',
          '|---|---|',
          ...size.files.map((f) => `| ${f.file} | ${(f.gzip / 1024).toFixed(1)} |`),
          '',
          `Accessibility (axe, WCAG 2.1 A/AA + best practice): ${a11y.map((x) => `${x.page} ${x.violations.length ? x.violations.map((v) => `${v.id}(${v.impact})`).join(' ') : 'none'}`).join('; ')}`,
          '',
        ].join('\n'),
      );
    }
  });

  /** Opens a page by its address and waits for `ready`; records how long that took. */
  async function visit(page: Page, name: string, hash: string, ready: (p: Page) => Locator): Promise<void> {
    const started = Date.now();
    await page.goto(`${platform.baseUrl}/console/${hash}`);
    await ready(page).first().waitFor();
    timings.push({ page: name, ms: Date.now() - started });
  }

  /** Waits until a click's result shows; records the time. */
  async function timed(name: string, act: () => Promise<unknown>, ready: Locator): Promise<void> {
    const started = Date.now();
    await act();
    await ready.first().waitFor();
    timings.push({ page: name, ms: Date.now() - started });
  }

  async function checkPage(page: Page, name: string): Promise<void> {
    const violations = await axeViolations(page);
    a11y.push({ page: name, violations });
    await screenshot(page, name);
    expect({ page: name, serious: serious(violations).map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3).map((n) => [n.target, n.summary]))}`) }).toEqual({ page: name, serious: [] });
  }

  async function signIn(userId: string): Promise<Page> {
    const page = await browser.context.newPage();
    await visit(page, `sign-in (${userId})`, '', (p) => p.getByRole('button', { name: `登录 ${userId}` }));
    await page.getByRole('button', { name: `登录 ${userId}` }).click();
    await page.getByRole('button', { name: '退出' }).waitFor();
    return page;
  }

  it('offers the demo users in Chinese, and switches to English', async () => {
    const page = await browser.context.newPage();
    await visit(page, 'sign-in', '', (p) => p.getByRole('heading', { name: '登录' }));
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect(page.getByRole('button', { name: '登录 AU001' }).isVisible()).resolves.toBe(true);
    await checkPage(page, 'sign-in');
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await page.close();
  });

  it('a physician issues a long-term prescription and sees its pickup code', async () => {
    const page = await signIn('D001');
    await page.getByRole('heading', { name: '开具处方' }).waitFor();
    await checkPage(page, 'physician-issue');

    // An API refusal appears in words next to the field at fault.
    await page.getByLabel('参保人编号').fill('PT999');
    await page.getByLabel('诊断编码（ICD-10）').fill('E11.9');
    await page.getByLabel('诊断名称').fill('2型糖尿病');
    await page.locator('.mantine-Select-input').first().click();
    await page.getByRole('option', { name: /atorvastatin/ }).click();
    await page.getByLabel(/^数量/).fill('112');
    await page.getByLabel('用药天数').fill('56');
    await page.getByLabel(/^每日次数/).fill('2');
    await page.getByLabel('长期处方（慢病，最长 12 周，分次取药）').check();
    await page.getByRole('button', { name: '开具', exact: true }).click();
    const patientError = page.locator('.mantine-InputWrapper-error', { hasText: '参保人未登记' });
    await patientError.waitFor();
    expect(await page.getByRole('alert').filter({ hasText: '{' }).count()).toBe(0);

    await page.getByLabel('参保人编号').fill('PT001');
    await timed('physician-issue (submit)', () => page.getByRole('button', { name: '开具', exact: true }).click(), page.getByTestId('pickup-slip'));
    rxId = (await page.getByTestId('issued-rx').innerText()).trim();
    slip = (await page.getByTestId('pickup-slip').innerText()).trim();
    expect(slip).toMatch(new RegExp(`^${rxId}/[0-9A-Z]{8}$`));
    await checkPage(page, 'physician-issued');

    await visit(page, 'physician-prescription', `#/physician/prescriptions/${rxId}`, (p) => p.getByText('已开具'));
    await expect(page.getByText('atorvastatin (ATV-20)').isVisible()).resolves.toBe(true);
    await checkPage(page, 'physician-prescription');
    await page.close();
  });

  it('a pharmacist claims by scanning the slip, reviews and dispenses with one scanned code per box', async () => {
    const page = await signIn('PH001');
    await page.getByRole('heading', { name: '柜台取药' }).waitFor();
    await checkPage(page, 'pharmacist-counter');

    // A wrong pickup code, typed: the words go under the pickup code field.
    await page.getByTestId('claim-rx').locator('input').or(page.getByTestId('claim-rx')).first().fill(rxId);
    await page.getByLabel('取药码').fill('AAAA1111');
    await page.getByLabel('取药码').press('Enter');
    await page.locator('.mantine-InputWrapper-error', { hasText: '取药码与处方不符' }).waitFor();

    // The scanner types the slip and presses Enter.
    await page.getByLabel(/处方编号/).fill('');
    await page.getByLabel('取药码').fill('');
    await page.getByLabel(/处方编号/).pressSequentially(slip, { delay: 5 });
    await timed('pharmacist-claim (scan)', () => page.getByLabel(/处方编号/).press('Enter'), page.getByRole('button', { name: '审核通过' }));
    await page.getByRole('button', { name: '审核通过' }).click();
    await page.getByText('已审方').waitFor();

    await page.getByLabel(/^数量（tablet）/).fill('56');
    // At the reference price, past the deductible, so the fund pays a share.
    await page.getByTestId('batch-ATV-20').fill('B2026A');
    const scan = page.getByTestId('scan-ATV-20');
    for (const code of ['12345', '81234567890123456781', '81234567890123456782']) {
      await scan.pressSequentially(code, { delay: 2 });
      await scan.press('Enter');
    }
    expect(await page.getByTestId('trace-row-ATV-20').count()).toBe(3);
    await checkPage(page, 'pharmacist-dispense-form');

    // The malformed code is refused by the API and named on its own row.
    await page.getByRole('button', { name: '确认发药' }).click();
    await page.getByTestId('trace-row-ATV-20').first().getByText('追溯码无效或已被使用').waitFor();
    await page.getByRole('button', { name: '删除 12345' }).click();
    await timed('pharmacist-dispense (submit)', () => page.getByRole('button', { name: '确认发药' }).click(), page.getByTestId('payment-summary'));
    await page.getByText('第 1 次取药').first().waitFor();
    dispenseId = (await page.locator('[role=status] .mono').first().innerText()).trim();
    expect(await page.getByTestId('payment-summary').innerText()).toMatch(/金额 ¥280\.00/);
    await checkPage(page, 'pharmacist-dispensed');

    await visit(page, 'pharmacist-settlement', '#/pharmacist/settlement', (p) => p.getByRole('heading', { name: '结算申请' }));
    await page.getByLabel('结算期开始').fill(`${chinaToday().slice(0, 8)}01`);
    await page.getByLabel('结算期结束').fill(chinaToday());
    await page.getByRole('button', { name: '提交结算申请' }).click();
    await page.getByText('结算申请已提交').waitFor();
    await checkPage(page, 'pharmacist-settlement');

    await visit(page, 'pharmacist-refunds', '#/pharmacist/refunds', (p) => p.getByRole('heading', { name: '退费' }));
    await page.getByLabel('处方编号').fill(rxId);
    await page.getByRole('button', { name: '查找' }).click();
    await page.getByTestId('payment-summary').waitFor();
    await checkPage(page, 'pharmacist-refunds');
    await page.close();
  });

  it('the agency sees the payment, the due date in working days, and approves and pays the claim', async () => {
    const page = await signIn('AG001');
    await page.getByRole('heading', { name: '结算审核' }).waitFor();
    const row = page.locator('tr', { hasText: 'Qiannan Renmin Pharmacy' }).first();
    await row.waitFor();
    await expect(row.getByText(/剩余 \d+ 个工作日/).isVisible()).resolves.toBe(true);
    expect(await row.innerText()).toContain('待审核');
    await checkPage(page, 'agency-claims');

    await row.getByRole('button').first().click();
    await page.getByRole('button', { name: '查看结算' }).click();
    const breakdown = page.getByTestId(`breakdown-${dispenseId}`);
    await breakdown.waitFor();
    expect(await breakdown.innerText()).toMatch(/medfee_sumamt[\s\S]*¥280\.00/);
    await checkPage(page, 'agency-claim-payment');
    await page.keyboard.press('Escape');

    await row.getByRole('button', { name: '审核通过' }).click();
    await row.getByRole('button', { name: /拨付/ }).click();
    await row.getByText('已拨付').waitFor();

    await visit(page, 'agency-budget', '#/agency/budget', (p) => p.locator('canvas'));
    await checkPage(page, 'agency-budget');
    await visit(page, 'agency-patients', '#/agency/patients', (p) => p.getByRole('heading', { name: '参保人待遇' }));
    await page.getByLabel('参保人编号').fill('PT001');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('待遇台账 · PT001').waitFor();
    // The personal account paid ¥155.40 of the dispense; the agency credits ¥10.00 to it.
    await page.getByRole('cell', { name: '购药支付' }).waitFor();
    await page.getByLabel('入账金额（元）').fill('10.00');
    await page.getByLabel('备注').fill('12月缴费');
    await page.getByRole('button', { name: '入账', exact: true }).click();
    await page.getByRole('cell', { name: '经办入账' }).waitFor();
    expect(await page.locator('tr', { hasText: '经办入账' }).innerText()).toMatch(/¥10\.00/);
    await checkPage(page, 'agency-patient');
    await page.close();
  });

  it('the auditor finds it by patient, sees every fact verified, and the state before the dispense', async () => {
    const page = await signIn('AU001');
    await page.getByRole('heading', { name: '处方查询' }).waitFor();
    await page.getByLabel('参保人编号').fill('PT001');
    await timed('auditor-search', () => page.getByRole('button', { name: '查询' }).click(), page.getByRole('link', { name: rxId }));
    await checkPage(page, 'auditor-search');

    await timed('auditor-prescription', () => page.getByRole('link', { name: rxId }).click(), page.getByTestId('timeline-entry'));
    const entries = page.getByTestId('timeline-entry');
    await page.getByText('claim-paid').waitFor();
    const texts = await entries.allInnerTexts();
    for (const type of ['prescription-issued', 'prescription-claimed', 'prescription-reviewed', 'dispensed', 'fund-payment-recorded', 'claim-submitted', 'claim-approved', 'claim-paid']) {
      expect(texts.some((t) => t.includes(type))).toBe(true);
    }
    for (const t of texts) {
      expect(t).toContain('链校验通过');
      expect(t).toContain('来源校验通过');
    }
    expect(await page.getByTestId(`breakdown-${dispenseId}`).innerText()).toMatch(/hifp_pay[\s\S]*acct_pay[\s\S]*psn_cash_pay/);
    // Now: dispensed 56 of 112.
    await page.getByTestId('state-dispensed-ATV-20').filter({ hasText: '56' }).waitFor();
    await checkPage(page, 'auditor-prescription');

    await page.getByTestId('before-rx.dispensing.dispensed.v1').click();
    const state = page.getByTestId('state-card');
    await state.getByText('药店已取单').waitFor();
    expect(await page.getByTestId('state-dispensed-ATV-20').innerText()).toBe('0');
    dispensedAt = await page.getByLabel('时刻（北京时间）').inputValue();
    // The browser drops ":00" seconds from a datetime-local value.
    expect(dispensedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/);
    await screenshot(page, 'auditor-state-before-dispense');

    await visit(page, 'auditor-alerts', '#/auditor/alerts', (p) => p.getByText('各规则预警数（按日）'));
    await checkPage(page, 'auditor-alerts');

    await visit(page, 'auditor-integrity', '#/auditor/integrity', (p) => p.getByRole('button', { name: '开始校验' }));
    await timed('auditor-integrity (whole store)', () => page.getByRole('button', { name: '开始校验' }).click(), page.getByTestId('integrity-result'));
    expect(await page.getByTestId('integrity-result').innerText()).toContain('全部事件流哈希链完整');
    await checkPage(page, 'auditor-integrity');

    // A role sees only its own pages.
    await page.goto(`${platform.baseUrl}/console/#/agency/claims`);
    await page.getByText('此页面不属于您的角色').waitFor();
    await page.close();
  });

  it('fetched nothing from outside the machine, and kept the JavaScript under 300 kB gzipped', () => {
    expect(browser.outside).toEqual([]);
    expect(bundleSize(DIST).totalGzip).toBeLessThan(300 * 1024);
  });
});
