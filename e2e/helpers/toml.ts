/**
 * Reads the part of TOML a wrangler.toml uses: comments, [tables], [[arrays of tables]], and keys set
 * to strings, numbers, booleans or one-line arrays of those. Enough to run examples/cloudflare's file
 * as written, without a TOML dependency; anything else is an error, never a silent guess.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const SCALAR = /\s*("(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)\s*/y;

function scalar(text: string): string | number | boolean {
  if (text.startsWith('"')) return JSON.parse(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return Number(text);
}

function parseValue(text: string, line: number): TomlValue {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) {
    SCALAR.lastIndex = 0;
    const match = SCALAR.exec(trimmed);
    if (!match || SCALAR.lastIndex !== trimmed.length) throw new Error(`toml line ${line}: unsupported value ${trimmed}`);
    return scalar(match[1]);
  }
  const items: TomlValue[] = [];
  const body = trimmed.slice(1, -1);
  let rest = body;
  while (rest.trim()) {
    SCALAR.lastIndex = 0;
    const match = SCALAR.exec(rest);
    if (!match) throw new Error(`toml line ${line}: unsupported array ${trimmed}`);
    items.push(scalar(match[1]));
    rest = rest.slice(SCALAR.lastIndex).replace(/^,/, '');
  }
  return items;
}

/** Drops a comment that is not inside a string. */
function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
    else if (line[i] === '#' && !inString) return line.slice(0, i);
  }
  return line;
}

export function parseToml(source: string): TomlTable {
  const root: TomlTable = {};
  let table = root;
  const descend = (path: string[], from: TomlTable) => {
    let at = from;
    for (const part of path) {
      const next = (at[part] ??= {});
      at = Array.isArray(next) ? (next.at(-1) as TomlTable) : (next as TomlTable);
    }
    return at;
  };
  source.split('\n').forEach((raw, index) => {
    const line = stripComment(raw).trim();
    if (!line) return;
    const array = line.match(/^\[\[([\w.-]+)\]\]$/);
    const header = line.match(/^\[([\w.-]+)\]$/);
    if (array) {
      const path = array[1].split('.');
      const parent = descend(path.slice(0, -1), root);
      const list = (parent[path.at(-1)!] ??= []) as TomlTable[];
      list.push((table = {}));
    } else if (header) {
      table = descend(header[1].split('.'), root);
    } else {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`toml line ${index + 1}: expected key = value`);
      table[line.slice(0, eq).trim()] = parseValue(line.slice(eq + 1), index + 1);
    }
  });
  return root;
}
