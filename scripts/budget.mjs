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

/**
 * Bytes per module, as Plausible's size report shows them: esbuild bundles the drop-in minified with
 * a metafile, which says how many output bytes each input became; each module's minified code is also
 * gzipped alone. Packages (ky, js-cookie) are summed. Attribution only: the budget counts the real file.
 */
export async function moduleSizes() {
  const { build, transform } = await import('esbuild');
  const { BROWSER_TARGETS } = await import('../build.mjs');
  const options = { target: BROWSER_TARGETS, supported: { destructuring: true }, minify: true, legalComments: 'none' };
  const result = await build({ ...options, entryPoints: ['src/browser/index.ts'], bundle: true, format: 'iife', write: false, metafile: true, outfile: 'x.js' });
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const rows = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    if (!bytesInOutput) continue;
    const name = path.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? path.replace(/^src\//, '');
    const code = (await transform(readFileSync(path, 'utf8'), { ...options, loader: path.endsWith('.ts') ? 'ts' : 'js', format: 'esm' })).code;
    const row = rows.get(name) ?? { name, minified: 0, code: '' };
    row.minified += bytesInOutput;
    row.code += code;
    rows.set(name, row);
  }
  return [...rows.values()].map(({ name, minified, code }) => ({ name, minified, gzip: sizes(code).gzip })).sort((a, b) => b.minified - a.minified);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = readFileSync('dist/kfunnel.min.js', 'utf8');
  console.log('module                    minified  gzip alone');
  for (const row of await moduleSizes()) console.log('  %s %s  %s', row.name.padEnd(22), String(row.minified).padStart(8), String(row.gzip).padStart(10));
  const total = sizes(file);
  const own = sizes(await ownCode());
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log('dist/kfunnel.min.js      raw %s  gzip %s  brotli %s', kb(total.raw), kb(total.gzip), kb(total.brotli));
  console.log('  budget (gzip)          %s  %s', kb(BUDGET_GZIP), total.gzip <= BUDGET_GZIP ? 'ok' : 'OVER');
  // Goals are information, not failures: how far the file is from them, either way.
  const toGoal = (size, goal) => (size <= goal ? `reached, ${goal - size} bytes to spare` : `${size - goal} bytes to go`);
  console.log('  goal (gzip, info)      %s  %s', kb(GOAL_GZIP), toGoal(total.gzip, GOAL_GZIP));
  console.log('own code, no ky/js-cookie raw %s  gzip %s  (goal %s, info: %s)', kb(own.raw), kb(own.gzip), kb(OWN_GOAL_GZIP), toGoal(own.gzip, OWN_GOAL_GZIP));
  const problem = syntaxProblem(file);
  console.log('syntax: ES%d %s', SYNTAX_LEVEL, problem ? `FAILS: ${problem}` : 'ok');
  if (total.gzip > BUDGET_GZIP || problem) {
    console.error(`budget check failed: ${total.gzip > BUDGET_GZIP ? `${total.gzip} bytes gzipped, over ${BUDGET_GZIP}. ` : ''}${problem ?? ''}`);
    process.exit(1);
  }
}
