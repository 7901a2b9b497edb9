import { bundleBrowser } from '../build.mjs';
import { minify } from 'terser';
import { gzipSync } from 'node:zlib';
const b = await bundleBrowser({});
const props = /^(clickDone|partialLeadDelayMs|sendAttempt|setBusy|isBusy|remember|settle|retryable|replayed|pageType|session|storage|navigate|cookieDomain|fraudPixel|campaignId|endpoint|debug|verbose|idempotencyKey|keepalive)$/;
for (const [n, v] of Object.entries({ base: {}, props: { properties: { regex: props } } })) {
  const r = await minify(b.code, { ecma: 2020, compress: { passes: 3, ecma: 2020, pure_getters: true }, mangle: { toplevel: true, ...v }, format: { comments: /^!/ } });
  console.log(n, r.code.length, gzipSync(r.code, { level: 9 }).length);
}
