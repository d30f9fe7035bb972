import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); no browser is downloaded. */
export const CHROMIUM = process.env.RX_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];

export const CONSOLE_ROOT = join(__dirname, '..');
export const SCREENSHOTS = join(CONSOLE_ROOT, 'screenshots');
export const RESULTS = join(CONSOLE_ROOT, 'e2e', 'results');

export interface Browser {
  context: BrowserContext;
  /** Requests the pages tried to send anywhere but the platform (each one is refused). */
  outside: string[];
  close(): Promise<void>;
}

/** A fresh profile each run; every request off the platform's origin is refused and recorded. */
export async function launch(origin: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'rx-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Europe/London',
    viewport: { width: 1366, height: 900 },
  });
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  return {
    context,
    outside,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; summary?: string }[];
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it stands. Injected over DevTools, so the page's CSP stays on. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};0`);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, summary: (n as unknown as { failureSummary?: string }).failureSummary })) }));
  });
}

export const serious = (vs: AxeViolation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Gzipped size of every JavaScript file the build produced, and of the first page's own. */
export function bundleSize(distDir: string): { totalGzip: number; entryGzip: number; files: { file: string; gzip: number }[] } {
  const assets = join(distDir, 'assets');
  const files = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((file) => ({ file, gzip: gzipSync(readFileSync(join(assets, file)), { level: 9 }).length }))
    .sort((a, b) => b.gzip - a.gzip);
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const entry = files.filter((f) => html.includes(f.file));
  return { totalGzip: files.reduce((n, f) => n + f.gzip, 0), entryGzip: entry.reduce((n, f) => n + f.gzip, 0), files };
}

export function writeResults(name: string, content: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, name), content);
}
