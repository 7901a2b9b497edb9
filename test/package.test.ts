import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error: a plain .mjs script without declarations
import { cdnSnippet, sriOf } from '../scripts/sri.mjs';
import { capture } from './helpers/text.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'kfunnel-pack-'));
const children: ChildProcess[] = [];
after(() => {
  // npx runs kfunnel as its own child: end the whole group, or its pipes keep this test alive.
  for (const child of children) process.kill(-(child.pid as number), 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

/** npm without the network: everything it needs is the tarball (the package has no dependencies). */
const npmEnv = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

test('the README CDN snippet pins this version and the built file\'s integrity', () => {
  const integrity = sriOf(readFileSync('dist/kfunnel.min.js'));
  assert.ok(readFileSync('README.md', 'utf8').includes(`<!-- kfunnel:cdn -->\n\`\`\`html\n${cdnSnippet(pkg.version, integrity)}\n\`\`\``), 'run `npm run build`: it writes the snippet');
});

test('the package needs no runtime dependency: the server build imports only Node built-ins and itself (the Redis client is optional)', () => {
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
  assert.deepEqual(Object.keys(pkg.optionalDependencies ?? {}).filter((name) => name !== '@redis/client'), []);
  for (const file of readdirSync('dist').filter((name) => name.endsWith('.js') && !name.startsWith('kfunnel'))) {
    const code = readFileSync(join('dist', file), 'utf8');
    const imports = [...code.matchAll(/^\s*(?:import|export)\b[^;]*?from\s*["']([^"']+)["']/gm), ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)];
    assert.ok(file !== 'cli.js' || imports.length > 0, 'the import scan sees imports');
    for (const [, specifier = ''] of imports) {
      assert.ok(specifier.startsWith('node:') || specifier.startsWith('./'), `dist/${file} imports ${specifier}`);
    }
  }
});

test('npm pack holds exactly bin/, dist/ and the README; installed offline in an empty folder, `npx kfunnel serve` works', async () => {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { env: npmEnv });
  const [packed] = JSON.parse(stdout);
  const files: string[] = packed.files.map((f: { path: string }) => f.path).sort();
  const outside = files.filter((path) => !/^(bin|dist)\//.test(path) && !['README.md', 'package.json', 'LICENSE'].includes(path));
  assert.deepEqual(outside, [], 'nothing but bin/, dist/, README, package.json and LICENSE');
  for (const expected of ['bin/kfunnel.js', 'dist/kfunnel.min.js', 'dist/kfunnel.min.js.map', 'dist/kfunnel.js', 'dist/cli.js', 'dist/proxy.js', 'dist/script.js', 'dist/types/proxy/index.d.ts', 'dist/types/script.d.ts', 'README.md', 'LICENSE']) {
    assert.ok(files.includes(expected), `the package holds ${expected}`);
  }

  const site = join(work, 'site');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(site);
  writeFileSync(join(site, 'package.json'), '{"name":"my-landers","private":true}\n');
  // Without the optional Redis client: the package must work with nothing else installed.
  await run('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', join(work, packed.filename)], { cwd: site, env: npmEnv });
  assert.deepEqual(readdirSync(join(site, 'node_modules')).filter((name) => !name.startsWith('.')), ['kfunnel'], 'nothing but kfunnel was installed');
  const installed = join(site, 'node_modules', 'kfunnel');
  const script = readFileSync(join(installed, 'dist', 'kfunnel.min.js'));
  assert.ok(readFileSync(join(installed, 'README.md'), 'utf8').includes(cdnSnippet(pkg.version, sriOf(script))), "the package's README carries its own script's integrity");
  // The README's Worker, type-checked against the installed package's declarations.
  writeFileSync(join(site, 'worker.ts'), "import { createProxyHandler } from 'kfunnel/proxy/fetch';\nimport script from 'kfunnel/script';\nexport const proxy = createProxyHandler({ loginId: 'l', password: 'p', publicOrigins: ['https://shop.example'], script });\n");
  writeFileSync(join(site, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2023', 'dom'], noEmit: true, types: [] }, files: ['worker.ts'] }));
  await run(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: site });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>Mine</title><script src="/kfunnel/kfunnel.min.js" defer data-campaign-id="3"></script><h1>My lander</h1>');

  const child = spawn('npx', ['kfunnel', 'serve', '--root', '.', '--port', '0'], { cwd: site, detached: true, env: { ...npmEnv, PORT: '', KONNEKTIVE_LOGIN_ID: '', KONNEKTIVE_PASSWORD: '' } });
  children.push(child);
  const banner = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      if (/Sandbox:/.test(text)) resolve(text);
    });
    child.on('exit', (code) => reject(new Error(`npx kfunnel serve exited ${code}: ${text}`)));
  });
  const base = capture(banner, /Landers:\s+(http:\/\/localhost:\d+)/);
  assert.match(banner, new RegExp(`Script:\\s+${base}/kfunnel/kfunnel\\.min\\.js`));
  assert.match(await (await fetch(`${base}/`)).text(), /My lander/);
  const served = await fetch(`${base}/kfunnel/kfunnel.min.js`);
  assert.equal(served.status, 200);
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(script));
  const click = await fetch(`${base}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"pageType":"presellPage","campaignId":"3","requestUri":"http://x.test/"}' });
  assert.equal((await click.json()).result, 'SUCCESS');
});
