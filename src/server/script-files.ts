import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCRIPT_FILES, setDefaultScriptSource, type ScriptFiles, type ScriptSource } from '../proxy/script-asset.js';

/**
 * The built script files in `dir`, read when first asked for and again whenever one changes on disk
 * (so `npm run build` during `kfunnel serve` takes effect without a restart). A missing file is left out.
 */
export function scriptFilesFrom(dir: string): ScriptSource {
  const cache = new Map<string, { stamp: string; text: string }>();
  return () => {
    const files: ScriptFiles = {};
    for (const name of SCRIPT_FILES) {
      const path = join(dir, name);
      try {
        const info = statSync(path);
        const stamp = `${info.mtimeMs}:${info.size}`;
        let entry = cache.get(name);
        if (entry?.stamp !== stamp) {
          entry = { stamp, text: readFileSync(path, 'utf8') };
          cache.set(name, entry);
        }
        files[name] = entry.text;
      } catch {
        cache.delete(name);
      }
    }
    return files;
  };
}

/**
 * This package's dist/: beside this file once built (the server build is bundled into dist/), or
 * ../../dist from src/ when running from source (tests).
 */
export function packageScriptDir(): string {
  const [built, source] = [new URL('.', import.meta.url), new URL('../../dist/', import.meta.url)].map((url) => fileURLToPath(url)) as [string, string];
  return [built, source].find((dir) => existsSync(join(dir, 'kfunnel.min.js'))) ?? built;
}

/** Every proxy made on Node serves the package's own script unless given another. */
setDefaultScriptSource(scriptFilesFrom(packageScriptDir()));
