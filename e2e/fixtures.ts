import { readFileSync } from 'node:fs';
import { expect, test as base, type Page, type Response } from '@playwright/test';
import { startServe, type Serving } from '../src/server/serve.js';

/** Distinctive credentials, so the secret scan below can look for them in everything served. */
export const E2E_LOGIN = 'kf-e2e-login-Q7x2';
export const E2E_PASSWORD = 'e2e-Pa55w0rd-9zKq';

/** Short proxy timeouts, so the fault tests run in seconds. */
export const PROXY_TIMEOUT_MS = 2000;

export interface Funnel {
  /** http://localhost:PORT: the landers and the proxy. */
  base: string;
  /** The same server under another host name: "another domain" for hand-offs. */
  otherHost: string;
  server: Serving;
  state(): Promise<any>;
  /** The sandbox's API calls, oldest first. */
  calls(endpoint?: string): Promise<any[]>;
  /** Sets the sandbox's fault switch (see src/sandbox/faults.ts); no argument clears it. */
  faults(faults?: Record<string, unknown>[]): void;
  /** Waits for kfunnel on the page to have its click answered. */
  ready(page: Page): Promise<void>;
  fillCheckout(page: Page, overrides?: Partial<typeof CUSTOMER & typeof CARD>): Promise<void>;
  /** The buyer pays on the demo checkout and lands, ready, on upsell 1. */
  payOnCheckout(page: Page): Promise<void>;
  /** Proxy log lines written during this test. */
  log: string[];
}

export const CUSTOMER = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailAddress: 'ada@example.com',
  phoneNumber: '512-555-0100',
  address1: '1 Analytical Way',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
};
export const CARD = { cardNumber: '4111 1111 1111 1111', cardMonth: '12', cardYear: '2030', cardSecurityCode: '123' };

const BUNDLE = readFileSync('dist/kfunnel.min.js', 'utf8');

/** Waits for kfunnel on the page to have its click answered. */
export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).kfunnel?.ready === true);
}

/** Fills the checkout form with the test customer and card. */
export async function fillCheckout(page: Page, overrides: Partial<typeof CUSTOMER & typeof CARD> = {}): Promise<void> {
  const values = { ...CUSTOMER, ...CARD, ...overrides };
  for (const [name, value] of Object.entries(values)) {
    const field = page.locator(`form [name="${name}"]`).first();
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

export const test = base.extend<{ funnel: Funnel; guard: void }, { serving: { server: Serving; log: string[] } }>({
  serving: [
    async ({}, use) => {
      const log: string[] = [];
      const server = await startServe({
        root: 'demo-landers',
        port: 0,
        scriptDir: 'dist',
        csp: true,
        sandbox: { loginId: E2E_LOGIN, password: E2E_PASSWORD },
        proxy: { rateLimitPerMinute: 0, timeoutMs: PROXY_TIMEOUT_MS, moneyTimeoutMs: PROXY_TIMEOUT_MS, log: (line) => log.push(line) },
      });
      await use({ server, log });
      await server.close();
    },
    { scope: 'worker' },
  ],

  funnel: async ({ serving }, use) => {
    const { server, log } = serving;
    const sandbox = server.sandbox!.sandbox;
    sandbox.reset();
    log.length = 0;
    const funnel: Funnel = {
      base: server.url,
      otherHost: server.url.replace('localhost', '127.0.0.1'),
      server,
      log,
      state: async () => sandbox.state(),
      calls: async (endpoint) => [...sandbox.state().calls].reverse().filter((c: any) => !endpoint || c.endpoint === endpoint),
      faults: (faults) => (faults ? sandbox.faults.set(faults as never) : sandbox.faults.clear()),
      ready,
      fillCheckout,
      payOnCheckout: async (page) => {
        await page.goto(`${server.url}/checkout.html`);
        await ready(page);
        await fillCheckout(page);
        await page.getByRole('button', { name: 'Complete secure order' }).click();
        await page.waitForURL('**/upsell1.html');
        await ready(page);
      },
    };
    await use(funnel);
  },

  /**
   * Runs around every test: no page error, no CSP violation, and neither Konnektive credential in any
   * response header or body the browser received, in any served page or in the bundle.
   */
  guard: [
    async ({ context }, use, testInfo) => {
      const problems: string[] = [];
      const scanned: Promise<void>[] = [];
      const scan = (where: string, text: string) => {
        for (const secret of [E2E_LOGIN, E2E_PASSWORD]) if (text.includes(secret)) problems.push(`${where} contains a Konnektive credential`);
      };
      context.on('page', (page) => {
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (message) => {
          if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
        });
      });
      // A response can still arrive while the test ends (a partial lead, the next page's click). Its
      // full headers can then no longer be read, so the provisional ones are scanned instead; a
      // rejection here would otherwise surface outside any test and fail the whole run.
      const onResponse = (response: Response) => {
        scanned.push(
          (async () => {
            const headers = await response.allHeaders().catch(() => response.headers());
            scan(`headers of ${response.url()}`, JSON.stringify(headers));
            const type = headers['content-type'] ?? '';
            if (/json|html|javascript|text|css/.test(type)) scan(`body of ${response.url()}`, await response.text().catch(() => ''));
          })(),
        );
      };
      context.on('response', onResponse);
      scan('dist/kfunnel.min.js', BUNDLE);
      await use();
      // Scans pushed while earlier ones are awaited are awaited too, then no more are started.
      for (let i = 0; i < scanned.length; i++) await scanned[i];
      context.off('response', onResponse);
      if (!testInfo.annotations.some((a) => a.type === 'page-errors-expected')) expect(problems, 'page errors, CSP violations or leaked secrets').toEqual([]);
      else expect(problems.filter((p) => !p.startsWith('page error')), 'CSP violations or leaked secrets').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
