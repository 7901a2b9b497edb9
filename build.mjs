// Builds everything in dist/: the drop-in script (readable and minified, with source maps), the
// server build the CLI and `kfunnel/proxy` use, and its type declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { minify } from 'terser';
import { sriOf, updateReadme } from './scripts/sri.mjs';

/**
 * The browsers the drop-in supports: current Chrome, Edge, Firefox and Safari, and the in-app
 * browsers of Facebook and Instagram on iOS 14+ (WKWebView = Safari 14) and Android 9+ (an
 * evergreen Chromium WebView). `es2020` caps the syntax at what all of them parse;
 * scripts/budget.mjs proves the built file stays there.
 */
export const BROWSER_TARGETS = ['es2020', 'chrome91', 'edge91', 'firefox90', 'safari14', 'ios14'];

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const quiet = process.argv.includes('--quiet');

/**
 * ky's distribution declares its class fields as tsc emits them for `useDefineForClassFields`:
 * `Object.defineProperty(this, "x", { enumerable: true, configurable: true, writable: true, value: v })`,
 * run first thing in the constructor on a fresh instance. `this.x = v` makes exactly the same own
 * property (enumerable, configurable, writable) because no class on ky's chains (Ky, HTTPError and
 * TimeoutError over Error) has an accessor of those names, and it lets terser shorten the private ones.
 * ky itself is unchanged (same version, same public API); only how its fields are spelled in our bundle.
 */
const kyClassFields = {
  name: 'ky-class-fields',
  setup(b) {
    b.onLoad({ filter: /[\\/]ky[\\/]distribution[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(
        /Object\.defineProperty\(this, ("\w+"), \{\s*enumerable: true,\s*configurable: true,\s*writable: true,\s*value: ([^\n{}]+?)\s*\}\);/g,
        'this[$1] = $2;',
      )
        // ky's load-time probe builds a Request with a ReadableStream body to learn whether it may stream
        // uploads (it then adds duplex: 'half' to streamed bodies). kfunnel only ever sends JSON strings,
        // so the answer is never used: the probe goes (about 1 ms at start-up, 9 ms at 4x CPU slow-down).
        .replace(/export const supportsRequestStreams = \(\(\) => \{[\s\S]*?\n\}\)\(\);/, 'export const supportsRequestStreams = false;'),
      loader: 'js',
    }));
  },
};

/** The drop-in as esbuild bundles it: an IIFE with its source map. `external` leaves packages out. */
export async function bundleBrowser({ outfile, external = [] } = {}) {
  const result = await build({
    entryPoints: ['src/browser/index.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: BROWSER_TARGETS,
    // esbuild's tables mark Safari/iOS 14.0 as lacking "destructuring" over one compat-table edge
    // case (plain destructuring has worked since Safari 10), and it cannot lower destructuring.
    supported: { destructuring: true },
    sourcemap: true,
    legalComments: 'none',
    external,
    define: { __KFUNNEL_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: `/*! kfunnel ${pkg.version} | MIT */` },
    plugins: [kyClassFields],
    outfile: outfile ?? 'kfunnel.js',
    write: false,
    logLevel: 'warning',
  });
  const file = (suffix) => result.outputFiles.find((f) => f.path.endsWith(suffix)).text;
  return { code: file('.js'), map: file('.js.map') };
}

/**
 * Property names only kfunnel's own modules use between themselves (the page context, the forms'
 * internals, the transport's result): terser shortens them like variables. Never a name the page, the
 * proxy, Konnektive, ky or js-cookie can see (payload fields, event details, window.kfunnel, options).
 * `_name`: ky's private fields and methods (_options, _input, _retryCount, _fetch, _retry, ...). Safe to
 * shorten because they are read and written only inside ky's own classes, which are all in this one
 * bundle and renamed consistently; no page, option or proxy name starts with `_` (`__proto__`, two
 * underscores, does not match); ky's public API (ky.post, its options, response) keeps its names.
 * `builtins: true` lets the list below also cover names terser would otherwise keep because the DOM has
 * them too (storage, session, config, navigate): the regex alone decides, so no real DOM name is touched.
 */
export const INTERNAL_PROPS = /^(_[a-zA-Z]\w*|send|debug|clear|page|found|clickDone|delayMs|sendAttempt|setBusy|isBusy|remember|settle|retryable|storage|navigate|cookieDomain|endpoint|verbose|idempotencyKey|win|doc|watch|idle|fail|pixels|analytics|session|config)$/;

/**
 * esbuild bundles; terser minifies. Its extra passes make the drop-in about 450 bytes (gzipped)
 * smaller than esbuild's own minifier, which matters against a 10 KB budget.
 */
export async function minifyBrowser({ code, map }) {
  return minify(code, {
    ecma: 2020,
    compress: { passes: 3, ecma: 2020, pure_getters: true, unsafe: true, unsafe_arrows: true, unsafe_methods: true, unsafe_comps: true, unsafe_math: true, unsafe_proto: true },
    mangle: { toplevel: true, properties: { regex: INTERNAL_PROPS, builtins: true } },
    format: { comments: /^!/ },
    sourceMap: { content: map, url: 'kfunnel.min.js.map', filename: 'kfunnel.min.js' },
  });
}

export async function buildAll() {
  rmSync('dist', { recursive: true, force: true });
  const browser = async () => {
    const readable = await bundleBrowser({ outfile: 'dist/kfunnel.js' });
    writeFileSync('dist/kfunnel.js', readable.code);
    writeFileSync('dist/kfunnel.js.map', readable.map);
    const minified = await minifyBrowser(readable);
    writeFileSync('dist/kfunnel.min.js', minified.code);
    writeFileSync('dist/kfunnel.min.js.map', minified.map);
    writeScriptModule({ 'kfunnel.min.js': minified.code, 'kfunnel.min.js.map': minified.map });
  };
  mkdirSync('dist', { recursive: true });
  await Promise.all([
    browser(),
    build({
      entryPoints: {
        cli: 'src/server/cli.ts',
        proxy: 'src/server/index.ts',
        'proxy-fetch': 'src/proxy/fetch.ts',
        'proxy-cloudflare': 'src/proxy/cloudflare.ts',
        sandbox: 'src/sandbox/index.ts',
        serve: 'src/server/serve.ts',
      },
      outdir: 'dist',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      chunkNames: 'chunk-[hash]',
      logLevel: quiet ? 'warning' : 'info',
    }),
  ]);
  // Declarations for `kfunnel/proxy` and `kfunnel/sandbox`.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  writeMovedTypes();
  const integrity = sriOf(readFileSync('dist/kfunnel.min.js'));
  const readme = updateReadme(pkg.version, integrity);
  if (!quiet) {
    console.log('built dist/');
    console.log(`dist/kfunnel.min.js integrity="${integrity}"${readme ? ' (README.md CDN snippet updated)' : ''}`);
  }
}

/**
 * `kfunnel/script`: the built script as a module of strings, for runtimes without a file system (Cloudflare
 * Workers, Deno Deploy): `createProxyHandler({ script })` then serves it at `<basePath>/kfunnel.min.js`.
 */
function writeScriptModule(files) {
  writeFileSync('dist/script.js', `// Generated by build.mjs: the drop-in script, for createProxyHandler({ script }).\nexport default ${JSON.stringify(files)};\n`);
  mkdirSync('dist/types', { recursive: true });
  writeFileSync(
    'dist/types/script.d.ts',
    // The import brings in the `script` option's declaration (script-asset.ts adds it to ProxyConfig).
    `import './proxy/script-asset.js';\n/** The built drop-in script (and its source map) as text, for createProxyHandler({ script }). */\ndeclare const files: { 'kfunnel.min.js': string; 'kfunnel.min.js.map': string };\nexport default files;\n`,
  );
}

/**
 * Declarations whose source moved keep their old paths too, for anyone who imported them by path:
 * `kfunnel/proxy` (the Node entry) was src/proxy/index.ts before the Node adapters left the
 * web-standard src/proxy/ for src/server/.
 */
export const MOVED_TYPES = { 'proxy/index.d.ts': 'server/index.js' };

function writeMovedTypes() {
  for (const [old, now] of Object.entries(MOVED_TYPES)) {
    const depth = old.split('/').length - 1;
    writeFileSync(`dist/types/${old}`, `// Moved: kept so this path still works.\nexport * from '${'../'.repeat(depth)}${now}';\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildAll();
