/** A fake Konnektive for proxy tests: records every call and answers as each test scripts it. */
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
    const timer = setTimeout(() => resolve(answer()), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

export function recordingUpstream(script: Script = () => konnektive('SUCCESS', { sessionId: 'a'.repeat(32) })) {
  const calls: RecordedCall[] = [];
  let current = script;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body instanceof URLSearchParams ? init.body : new URLSearchParams(String(init?.body ?? ''));
    const call: RecordedCall = {
      url,
      path: new URL(url).pathname,
      method: init?.method ?? 'GET',
      contentType: new Headers(init?.headers).get('content-type') ?? '',
      params: Object.fromEntries(body),
    };
    calls.push(call);
    return current(call, init?.signal ?? undefined);
  }) as typeof globalThis.fetch;
  return {
    fetch,
    calls,
    /** Calls to one Konnektive path. */
    to: (path: string) => calls.filter((c) => c.path === path),
    answer(next: Script) {
      current = next;
    },
  };
}
