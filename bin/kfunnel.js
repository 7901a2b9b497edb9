#!/usr/bin/env node
// `npx kfunnel ...`: the CLI lives in dist/, which `npm install` builds (the prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('kfunnel: dist/ is missing. Run `npm run build` (or `npm install`) first.');
  process.exit(1);
}
await import(cli.href);
