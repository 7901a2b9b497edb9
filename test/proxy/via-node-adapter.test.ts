// Every proxy test file in this folder again, each request through the Node adapter (toNodeHandler: the
// pipeline fed from a node request, answered with writeHead/end) instead of the fetch handler: one
// pipeline, one suite. The folder is read, not listed, so a new test file here runs both ways too.
import { readdirSync } from 'node:fs';

process.env.KFUNNEL_TEST_ADAPTER = 'node';
const self = new URL(import.meta.url).pathname.split('/').pop()!.replace(/\.js$/, '.ts');
const files = readdirSync(new URL('.', import.meta.url)).filter((name) => name.endsWith('.test.ts') && name !== self).sort();
if (files.length < 9) throw new Error(`expected the proxy's test files next to ${self}, found ${files.join(', ')}`);
for (const name of files) await import(`./${name.replace(/\.ts$/, '.js')}`);
