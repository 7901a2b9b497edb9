// Start-up cost of the drop-in in Chromium, on the demo checkout page: from the script's first
// statement to its Import Click leaving, and the page's main-thread script time, unthrottled and at
// 4x CPU slow-down (Chrome DevTools Protocol), median of 10 first visits each.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startServe } from '../src/server/serve.js';
import { table } from './lib.js';

const LOADS = Number(process.env.STARTUP_LOADS ?? 10);
/** Each load waits (at most STARTUP_QUIET_WAIT_MS) for the machine's CPUs to be this idle first. */
const QUIET = Number(process.env.STARTUP_QUIET ?? 0.9);
const QUIET_WAIT_MS = Number(process.env.STARTUP_QUIET_WAIT_MS ?? 30_000);

/**
 * Put before the script's own first byte: the script's start is its first statement (before ky's and
 * js-cookie's module-level code and the whole bundle's set-up), not compile time, which comes before it.
 */
const START_MARK = 'window.__kfBench&&(window.__kfBench.start=performance.now());';

/** Marks the click's fetch call (ky calls the global fetch it finds when the request is made). */
const HOOKS = `(() => {
  const marks = (window.__kfBench = {});
  const realFetch = window.fetch;
  window.fetch = function (input) {
    const url = String((input && input.url) || input);
    const isClick = /\\/kfunnel\\/click/.test(url) && marks.click === undefined;
    if (isClick) marks.click = performance.now();
    const sent = realFetch.apply(this, arguments);
    // fetch builds the request and hands it to the network stack before it returns.
    if (isClick) marks.handedOver = performance.now();
    return sent;
  };
})();`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Idle share of all CPUs since `from` (Linux /proc/stat; 1 elsewhere). */
function cpuTimes() {
  if (!existsSync('/proc/stat')) return { total: 0, idle: 0 };
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  // idle and iowait
  return { total: fields.reduce((a, b) => a + b, 0), idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}
const idleSince = (from: { total: number; idle: number }) => {
  const now = cpuTimes();
  return now.total > from.total ? (now.idle - from.idle) / (now.total - from.total) : 1;
};
async function waitForQuiet(): Promise<number> {
  const end = Date.now() + QUIET_WAIT_MS;
  for (;;) {
    const from = cpuTimes();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const idle = idleSince(from);
    if (idle >= QUIET || Date.now() > end) return idle;
  }
}

export async function benchStartup(): Promise<string> {
  // The built files, with the start mark in front of the minified script (same bytes otherwise).
  const scriptDir = mkdtempSync(join(tmpdir(), 'kfunnel-startup-'));
  for (const name of ['kfunnel.js', 'kfunnel.js.map', 'kfunnel.min.js.map']) copyFileSync(join('dist', name), join(scriptDir, name));
  writeFileSync(join(scriptDir, 'kfunnel.min.js'), START_MARK + readFileSync('dist/kfunnel.min.js', 'utf8'));
  const serving = await startServe({ root: 'demo-landers', port: 0, scriptDir, csp: true, proxy: { rateLimitPerMinute: 0, log: () => {} } });
  const executablePath = process.env.CHROMIUM_PATH ?? (existsSync(chromium.executablePath()) ? undefined : '/usr/bin/chromium');
  const browser = await chromium.launch({ executablePath, args: ['--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const rows: string[][] = [['CPU', 'loads', 'script start -> Import Click fetch called (median ms)', 'min - max ms', 'fetch returned (median ms)', 'page script main-thread time (median ms)', 'machine idle before a load (median)']];
  try {
    for (const rate of [1, 4]) {
      const toClick: number[] = [];
      const toHandedOver: number[] = [];
      const scriptTime: number[] = [];
      const idle: number[] = [];
      for (let i = 0; i < LOADS + 1; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.addInitScript(HOOKS);
        const cdp = await context.newCDPSession(page);
        await cdp.send('Emulation.setCPUThrottlingRate', { rate });
        await cdp.send('Performance.enable');
        const quiet = await waitForQuiet();
        await page.goto(`${serving.url}/checkout.html?affId=BENCH`);
        await page.waitForFunction(() => (window as any).kfunnel?.ready === true);
        const marks = await page.evaluate(() => (window as any).__kfBench);
        const { metrics } = await cdp.send('Performance.getMetrics');
        const metric = (name: string) => (metrics.find((m: { name: string }) => m.name === name)?.value ?? 0) * 1000;
        // The first load warms the server and the HTTP cache of nothing: it is not counted.
        if (i > 0) {
          toClick.push(marks.click - marks.start);
          toHandedOver.push(marks.handedOver - marks.start);
          scriptTime.push(metric('ScriptDuration'));
          idle.push(quiet);
        }
        await context.close();
      }
      rows.push([
        rate === 1 ? 'unthrottled' : `${rate}x slow-down`,
        String(LOADS),
        median(toClick).toFixed(2),
        `${Math.min(...toClick).toFixed(1)} - ${Math.max(...toClick).toFixed(1)}`,
        median(toHandedOver).toFixed(2),
        median(scriptTime).toFixed(2),
        `${Math.round(median(idle) * 100)}%`,
      ]);
    }
  } finally {
    await browser.close();
    await serving.close();
    rmSync(scriptDir, { recursive: true, force: true });
  }
  return [
    table(rows),
    '',
    '"Script start" is the first statement of kfunnel.min.js (a `performance.now()` put in front of the served file; compiling ' +
      'the script comes before it and is not counted); "fetch called" is the moment the script calls `fetch` for Import Click (the ' +
      'goal\'s measure); "fetch returned" is when that call returns, by which time Chromium has built the request and handed it ' +
      'to its network stack (the click sends a URL and options, so building the request happens inside the call). ' +
      'The script is `defer`red in the head, so it runs once the page is parsed and starts at once: no wait for the parser or ' +
      'DOMContentLoaded is in the interval. Each load waits (up to 30 s) for the machine to be 90% idle first; the browser, the ' +
      'server and the page then share the 2 cores. The main-thread time is Chrome\'s ScriptDuration for the whole checkout page ' +
      '(kfunnel and the demo\'s event log).',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchStartup());
