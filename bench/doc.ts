import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

const DOC = 'docs/benchmarks.md';
const HEADER = `# kfunnel benchmarks

Produced by \`npm run bench\` (size, start-up, proxy overhead) and \`npm run load\` (the load test).
Each command rewrites its own section below; neither is part of \`npm test\`.
`;

export function machine(): string {
  let chromium = 'not found';
  try {
    chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1) ?? chromium;
  } catch {
    // no system Chromium
  }
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${chromium}`;
}

/** Replaces (or appends) the section between <!-- name --> markers. */
export function writeSection(name: string, body: string): void {
  mkdirSync('docs', { recursive: true });
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const section = `<!-- ${name} -->\n${body.trim()}\n<!-- /${name} -->`;
  const pattern = new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`);
  writeFileSync(DOC, pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}\n`);
}
