import { bundleBrowser } from '../build.mjs';
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
const b = await bundleBrowser({});
for (const m of [{}, { properties: {} }]) {
  const r = await minify(b.code, { ecma: 2020, compress: { passes: 3, ecma: 2020, pure_getters: true }, mangle: { toplevel: true, ...m }, format: { comments: /^!/ } });
  console.log(r.code.length, gzipSync(r.code, { level: 9 }).length);
}
