// The drop-in's size budget and syntax level, checked by `npm test`; also prints the goals.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { parse } from 'acorn';

/** Hard limit: `npm test` fails above it. */
export const BUDGET_GZIP = 10 * 1024;
/** Goals, reported: the whole file, and kfunnel's own code without ky and js-cookie. */
export const GOAL_GZIP = 8 * 1024;
export const OWN_GOAL_GZIP = 3.5 * 1024;
/** Every target browser parses ES2020 (see BROWSER_TARGETS in build.mjs). */
export const SYNTAX_LEVEL = 2020;

export const sizes = (code) => ({
  raw: Buffer.byteLength(code),
  gzip: gzipSync(code, { level: 9 }).length,
  brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

/** Undefined when `code` parses as a classic script of SYNTAX_LEVEL; else what does not. */
export function syntaxProblem(code) {
  try {
    parse(code, { ecmaVersion: SYNTAX_LEVEL, sourceType: 'script' });
    return undefined;
  } catch (error) {
    return error.message;
  }
}

/** kfunnel's own code, minified exactly as the release is, with ky and js-cookie left out. */
export async function ownCode() {
  const { bundleBrowser, minifyBrowser } = await import('../build.mjs');
  return (await minifyBrowser(await bundleBrowser({ external: ['ky', 'js-cookie'] }))).code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = readFileSync('dist/kfunnel.min.js', 'utf8');
  const total = sizes(file);
  const own = sizes(await ownCode());
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log('dist/kfunnel.min.js      raw %s  gzip %s  brotli %s', kb(total.raw), kb(total.gzip), kb(total.brotli));
  console.log('  budget (gzip)          %s  %s', kb(BUDGET_GZIP), total.gzip <= BUDGET_GZIP ? 'ok' : 'OVER');
  console.log('  goal (gzip)            %s  %s', kb(GOAL_GZIP), total.gzip <= GOAL_GZIP ? 'met' : `not met (+${total.gzip - GOAL_GZIP} bytes)`);
  console.log('own code, no ky/js-cookie raw %s  gzip %s  goal %s %s', kb(own.raw), kb(own.gzip), kb(OWN_GOAL_GZIP), own.gzip <= OWN_GOAL_GZIP ? 'met' : `not met (+${own.gzip - OWN_GOAL_GZIP} bytes)`);
  const problem = syntaxProblem(file);
  console.log('syntax: ES%d %s', SYNTAX_LEVEL, problem ? `FAILS: ${problem}` : 'ok');
  if (total.gzip > BUDGET_GZIP || problem) {
    console.error(`budget check failed: ${total.gzip > BUDGET_GZIP ? `${total.gzip} bytes gzipped, over ${BUDGET_GZIP}. ` : ''}${problem ?? ''}`);
    process.exit(1);
  }
}
