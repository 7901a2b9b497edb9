// marginal gzip cost of modules: replace a module's exports with stubs via esbuild plugin
import { bundleBrowser, minifyBrowser } from '../build.mjs';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';
const stubs = JSON.parse(process.argv[2] || '{}');
const r = await build({
  entryPoints: ['src/browser/index.ts'], bundle: true, format: 'iife', write: false, target: ['es2020','chrome91','edge91','firefox90','safari14','ios14'], supported: { destructuring: true },
  define: { __KFUNNEL_VERSION__: '"0.1.0"' },
  plugins: [{ name: 'stub', setup(b) { b.onLoad({ filter: /src\/browser\/[\w-]+\.ts$/ }, (a) => { const m = a.path.match(/([\w-]+)\.ts$/)[1]; if (stubs[m]) return { contents: stubs[m], loader: 'ts' }; }); } }],
});

const code = (await minifyBrowser({ code: r.outputFiles[0].text, map: undefined })).code;
console.log(gzipSync(code, { level: 9 }).length);
