/**
 * The sandbox's fault switch: makes its API misbehave the ways a real upstream can, so tests can
 * prove nothing is lost or charged twice. "Processed" faults run the call first, then lose its answer.
 */
export const FAULT_MODES = {
  /** Processed, then answered only after `delayMs` (default 15 s). */
  timeout: { processed: true },
  /** Not processed: HTTP 500 with a plain-text body. */
  http500: { processed: false },
  /** Not processed: HTTP 502 with an HTML body, as a load balancer answers. */
  http502: { processed: false },
  /** Processed, then answered with half of the JSON. */
  truncated: { processed: true },
  /** Processed, then the connection is reset in the middle of the answer. */
  reset: { processed: true },
} as const;

export type FaultMode = keyof typeof FAULT_MODES;

export interface Fault {
  mode: FaultMode;
  /** Route names the fault applies to (click, lead, order, paypal, upsale, confirm, query); all when absent. */
  endpoints?: string[];
  /** How many calls it affects; every call until cleared when absent. */
  times?: number;
  delayMs?: number;
}

export class FaultSwitch {
  private active: Fault[] = [];

  set(faults: Fault[]): void {
    this.active = faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.active = [];
  }

  list(): Fault[] {
    return this.active.map((fault) => ({ ...fault }));
  }

  /** The fault for this call, if any; counts it against `times`. */
  take(endpoint: string): Fault | undefined {
    const index = this.active.findIndex((f) => !f.endpoints || f.endpoints.includes(endpoint));
    if (index < 0) return undefined;
    const fault = this.active[index];
    if (!fault) return undefined;
    if (fault.times !== undefined && --fault.times <= 0) this.active.splice(index, 1);
    return fault;
  }
}

/** Checks a fault list sent to POST /_sandbox/faults; returns a problem or the parsed list. */
export function parseFaults(value: unknown): Fault[] | string {
  const list = Array.isArray(value) ? value : [value];
  const faults: Fault[] = [];
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') return 'each fault must be an object';
    const { mode, endpoints, times, delayMs } = entry as Record<string, unknown>;
    if (typeof mode !== 'string' || !(mode in FAULT_MODES)) {
      return `mode must be one of ${Object.keys(FAULT_MODES).join(', ')}`;
    }
    if (endpoints !== undefined && !(Array.isArray(endpoints) && endpoints.every((e) => typeof e === 'string'))) {
      return 'endpoints must be an array of route names';
    }
    if (times !== undefined && !(Number.isInteger(times) && (times as number) > 0)) return 'times must be a positive integer';
    if (delayMs !== undefined && !(Number.isInteger(delayMs) && (delayMs as number) >= 0 && (delayMs as number) <= 120_000)) {
      return 'delayMs must be an integer from 0 to 120000';
    }
    faults.push({ mode: mode as FaultMode, endpoints: endpoints as string[] | undefined, times: times as number | undefined, delayMs: delayMs as number | undefined });
  }
  return faults;
}
