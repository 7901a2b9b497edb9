import { bundleBrowser, INTERNAL_PROPS } from '../build.mjs';
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
const b = await bundleBrowser({});
const base = { passes: 3, ecma: 2020, pure_getters: true, unsafe_arrows: true, unsafe_methods: true, unsafe_comps: true };
for (const [n, extra] of Object.entries({ base: {}, unsafe: { unsafe: true }, undef: { unsafe_undefined: true }, fargs: { keep_fargs: false }, regexp: { unsafe_regexp: true }, all: { unsafe: true, unsafe_undefined: true, keep_fargs: false, unsafe_regexp: true, unsafe_proto: true, unsafe_math: true, unsafe_symbols: true }, p5: { passes: 6 } })) {
  const r = await minify(b.code, { ecma: 2020, compress: { ...base, ...extra }, mangle: { toplevel: true, properties: { regex: INTERNAL_PROPS } }, format: { comments: /^!/ } });
  console.log(n, gzipSync(r.code, { level: 9 }).length);
}
