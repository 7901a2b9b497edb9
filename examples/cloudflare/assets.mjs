// Puts what the Worker serves as static assets in ./public: your landers (here kfunnel's demo funnel).
// The script itself needs no copy: the Worker serves it at /kfunnel/kfunnel.min.js.
import { cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function assembleAssets({
  landers = fileURLToPath(new URL('../../demo-landers/', import.meta.url)),
  out = fileURLToPath(new URL('./public/', import.meta.url)),
} = {}) {
  mkdirSync(out, { recursive: true });
  cpSync(landers, out, { recursive: true });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`assets in ${assembleAssets()}`);
