/**
 * A Worker for the Durable Object store's tests: runs lists of ProxyStore operations concurrently
 * against DurableObjectStore, and registers a due-runner that claims what falls due and counts each
 * run, so a test can see the alarm drive the schedule and every member run exactly once.
 */
import { createWorker, KfunnelStore, storeFromEnv, type WorkerEnv } from '../../src/proxy/cloudflare.js';

export { KfunnelStore };

createWorker({
  onDue: async (scheduleKey, store) => {
    // Two at a time, as a real runner claims in batches: the alarm must come back for the rest.
    for (const member of await store.claimDue(scheduleKey, Date.now(), 2)) await store.increment(`ran:${member}`, 60_000);
  },
});

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    const calls = (await request.json()) as [string, ...unknown[]][];
    const store = storeFromEnv(env) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const results = await Promise.all(calls.map(([op, ...args]) => (store[op]?.(...args) ?? Promise.reject(new TypeError(`no store method ${op}`))).then((value) => value ?? null, (error: Error) => ({ error: error.name }))));
    return Response.json(results);
  },
};
