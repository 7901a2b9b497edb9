// The drop-in's Subresource Integrity value and the README's CDN snippet that carries it. Kept apart
// from build.mjs (which loads esbuild) so tests can import it cheaply.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

/** The Subresource Integrity value of a file, as `<script integrity>` takes it. */
export function sriOf(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

export function cdnSnippet(version, integrity) {
  return `<script src="https://cdn.jsdelivr.net/npm/kfunnel@${version}/dist/kfunnel.min.js" integrity="${integrity}" crossorigin="anonymous" defer data-campaign-id="3"></script>`;
}

/**
 * The README's CDN snippet (the line after its kfunnel:cdn marker) pins this version and this build's
 * integrity. Written by the build rather than checked by hand: `npm pack` and `npm publish` run the
 * build (the prepare script) just before packing, so the README inside the package always matches the
 * script inside it, however often the script changed since the last commit. Written only when it differs.
 */
export function updateReadme(version, integrity, file = 'README.md') {
  const text = readFileSync(file, 'utf8');
  const updated = text.replace(/(<!-- kfunnel:cdn -->\n```html\n)[^\n]*(\n```)/, (_, open, close) => `${open}${cdnSnippet(version, integrity)}${close}`);
  if (updated === text) return false;
  writeFileSync(file, updated);
  return true;
}
