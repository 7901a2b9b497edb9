// src/proxy/ is the web-standard proxy (Cloudflare Workers, Deno, Bun and Node all load it); the Node
// adapters live in src/server/. These tests read the files themselves, so a Node import added to
// src/proxy/ fails here even before any bundle is built.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

const WEB_STANDARD = 'src/proxy';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module a file names statically: import/export ... from '...', import '...', import('literal'), require('literal'). */
function importsOf(code: string): string[] {
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  return patterns.flatMap((pattern) =>
    [...code.matchAll(pattern)].map(([statement, specifier]) => {
      assert.ok(specifier, `no module name captured from ${statement}`);
      return specifier;
    }),
  );
}

const NODE_BUILTINS = new Set(builtinModules);
const isNodeModule = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0] ?? '');

test('the import scan finds Node imports in every spelling it checks (so the test below can fail)', () => {
  const code = [
    "import { readFile } from 'node:fs/promises';",
    "import type { IncomingMessage } from 'node:http';",
    'import {\n  createServer,\n} from "http";',
    "export { Readable } from 'stream';",
    "import 'node:process';",
    "const os = await import('node:os');",
    "const net = require('net');",
    "import { fine } from './fine.js';",
  ].join('\n');
  assert.deepEqual(importsOf(code).filter(isNodeModule), ['node:fs/promises', 'node:http', 'http', 'stream', 'node:process', 'node:os', 'net']);
  // A module reached through a variable is not a static import: redis-store.ts loads its client that way.
  assert.deepEqual(importsOf("for (const name of NAMES) await import(name);"), []);
});

test(`no file in ${WEB_STANDARD}/ imports a Node module or a Node adapter (src/server/)`, () => {
  const files = sourceFiles(WEB_STANDARD);
  assert.ok(files.length >= 20, `the scan sees the proxy's files (${files.length})`);
  let seen = 0;
  for (const file of files) {
    const imports = importsOf(readFileSync(file, 'utf8'));
    seen += imports.length;
    for (const specifier of imports) {
      assert.ok(!isNodeModule(specifier), `${file} imports ${specifier}: src/proxy/ is web-standard; put Node code in src/server/`);
      assert.ok(!/(^|\/)server\//.test(specifier), `${file} imports ${specifier}: src/server/ is Node, and src/proxy/ must not depend on it`);
    }
  }
  assert.ok(seen > 50, `the scan sees the proxy's imports (${seen})`);
});
