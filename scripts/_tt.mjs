import { minifyBrowser } from '../build.mjs';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
for (const target of [['es2020', 'chrome91', 'edge91', 'firefox90', 'safari14', 'ios14'], ['es2020'], ['es2022']]) {
  const r = await build({ entryPoints: ['src/browser/index.ts'], bundle: true, format: 'iife', platform: 'browser', target, supported: { destructuring: true }, sourcemap: true, write: false, outfile: 'kfunnel.js', define: { __KFUNNEL_VERSION__: '"0.1.0"' } });
  const f = (s) => r.outputFiles.find((x) => x.path.endsWith(s)).text;
  const m = await minifyBrowser({ code: f('.js'), map: f('.js.map') });
  console.log(target.join(','), gzipSync(m.code, { level: 9 }).length);
}
