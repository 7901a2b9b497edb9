/** One log line per request. Never request values: only what identifies and measures the request. */
export interface LogEntry {
  id: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  /** Konnektive's result, or the proxy's refusal code. */
  result?: string;
  /** The upstream failure behind a 502/504, for operators. */
  upstream?: string;
  replayed?: string;
  /** What became of a hand-off token sent with a click: granted, used, refused, unavailable. */
  handoff?: string;
  ignored?: string[];
}

const CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Masks card-like digit runs and the given secrets in a log line, as a last line of defence. */
export function redactor(secrets: Array<string | undefined>): (line: string) => string {
  const words = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).map(escapeRegExp);
  const secretPattern = words.length ? new RegExp(words.join('|'), 'g') : null;
  return (line) => {
    const masked = line.replace(CARD_LIKE, '[redacted-number]');
    return secretPattern ? masked.replace(secretPattern, '[redacted]') : masked;
  };
}

// Lines made in the same millisecond share one timestamp string: formatting the date was a third of
// a log line's cost.
let stampedAt = Number.NaN;
let stamp = '';
function timestamp(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

export function formatLogLine(entry: LogEntry): string {
  return JSON.stringify({ time: timestamp(), level: entry.status >= 500 ? 'error' : 'info', ...entry });
}
