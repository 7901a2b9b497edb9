/**
 * Fake Konnektives for proxy tests. Each stands in for the platform's fetch and takes what it takes,
 * `(input, init)`, read the way fetch reads them (`new Request(input, init)`), so a proxy that called
 * fetch any other legal way would still be seen correctly.
 */
export interface RecordedCall {
  url: string;
  path: string;
  method: string;
  contentType: string;
  params: Record<string, string>;
}

export type Script = (call: RecordedCall, signal: AbortSignal | undefined) => Promise<Response> | Response;

export const konnektive = (result: string, message: unknown, status = 200) =>
  new Response(JSON.stringify({ result, message }), { status, headers: { 'content-type': 'application/json' } });

/** A promise that rejects like fetch does when its signal aborts. */
export function abortable(signal: AbortSignal | undefined, ms: number, answer: () => Response): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => resolve(answer()), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

/** A sandbox (createSandbox) as the proxy's fetch: the request fetch would send, handed to the sandbox's handler. */
export function sandboxUpstream(sandbox: { fetch(request: Request): Promise<Response> }): typeof globalThis.fetch {
  return (input: RequestInfo | URL, init?: RequestInit) => sandbox.fetch(new Request(input, init));
}

export function recordingUpstream(script: Script = () => konnektive('SUCCESS', { sessionId: 'a'.repeat(32) })) {
  const calls: RecordedCall[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let current = script;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const call: RecordedCall = {
      url: request.url,
      path: url.pathname,
      method: request.method,
      contentType: request.headers.get('content-type') ?? '',
      params: Object.fromEntries(new URLSearchParams(await request.text())),
    };
    calls.push(call);
    for (const waiter of waiting.filter((w) => calls.length >= w.count)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
    return current(call, init?.signal ?? request.signal);
  }) as typeof globalThis.fetch;
  return {
    fetch,
    calls,
    /** Calls to one Konnektive path. */
    to: (path: string) => calls.filter((c) => c.path === path),
    answer(next: Script) {
      current = next;
    },
    /** Resolves once `count` calls in all have reached this Konnektive (at once if they already have). */
    called(count = 1): Promise<void> {
      if (calls.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
  };
}
