// npm run bench: size, start-up in Chromium, and proxy overhead, printed and written to docs/benchmarks.md.
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain .mjs script without declarations
import { BUDGET_GZIP, GOAL_GZIP, OWN_GOAL_GZIP, ownCode, sizes } from '../scripts/budget.mjs';
import { machine, writeSection } from './doc.js';
import { table } from './lib.js';
import { benchProxy } from './proxy.js';
import { benchStartup } from './startup.js';

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
const whole = sizes(readFileSync('dist/kfunnel.min.js', 'utf8'));
const own = sizes(await ownCode());
const size = [
  table([
    ['file', 'raw', 'gzip -9', 'brotli -11', 'budget / goal (gzip)'],
    ['dist/kfunnel.min.js', kb(whole.raw), kb(whole.gzip), kb(whole.brotli), `${kb(BUDGET_GZIP)} / ${kb(GOAL_GZIP)}`],
    ['own code (ky, js-cookie left out)', kb(own.raw), kb(own.gzip), kb(own.brotli), `- / ${kb(OWN_GOAL_GZIP)}`],
  ]),
].join('\n');
console.log('## Size\n');
console.log(size);
const startup = await benchStartup();
console.log('\n## Start-up in Chromium (demo checkout, first visit)\n');
console.log(startup);
const proxy = await benchProxy();
console.log('\n## Proxy overhead\n');
console.log(proxy.markdown);

writeSection(
  'bench',
  [
    `## npm run bench`,
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Command: \`npm run build && npm run bench\`.`,
    '',
    '### Size',
    '',
    size,
    '',
    '### Start-up in Chromium (demo checkout, first visit of a fresh browser context)',
    '',
    startup,
    '',
    '### Proxy overhead (`npm run bench:proxy`: the same Import Click, 10,000 requests a run, three runs each in turns, then orders in turns too, on loopback)',
    '',
    proxy.markdown,
  ].join('\n'),
);
