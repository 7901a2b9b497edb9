import { bundleBrowser, minifyBrowser } from '../build.mjs';
import { gzipSync } from 'node:zlib';
const m = await minifyBrowser(await bundleBrowser({ outfile: 'dist/kfunnel.js' }));
console.log(gzipSync(m.code, { level: 9 }).length);
