import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisStore, parseRedisUrl } from '../src/proxy/redis-store.js';
import { MemoryStore, StoreFullError, StoreUnavailableError, type ProxyStore } from '../src/proxy/store.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() is true; fails after timeoutMs. For "it expires", never a fixed sleep. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(10);
  }
  return Date.now() - started;
}

/**
 * The ProxyStore contract: every store (in memory, Redis) must pass the same table. `pair()` gives two
 * handles on one shared state (two instances on one Redis; the same object for the in-memory store).
 */
type Pair = () => Promise<[ProxyStore, ProxyStore]>;
const CONTRACT: Array<[name: string, run: (a: ProxyStore, b: ProxyStore) => Promise<void>]> = [
  ['get of an absent key is undefined', async (a) => {
    assert.equal(await a.get('nothing'), undefined);
  }],
  ['create stores only when absent, across instances', async (a, b) => {
    assert.equal(await a.create('c', 'first', 10_000), true);
    assert.equal(await b.create('c', 'second', 10_000), false);
    assert.equal(await b.get('c'), 'first');
  }],
  ['20 concurrent creates of one key: exactly one wins', async (a, b) => {
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).create('race', `v${i}`, 10_000)));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal(await a.get('race'), `v${wins.indexOf(true)}`);
  }],
  ['put overwrites', async (a, b) => {
    await a.put('p', 'one', 10_000);
    await b.put('p', 'two', 10_000);
    assert.equal(await a.get('p'), 'two');
  }],
  ['a value expires after its time to live, and the key can be created again', async (a, b) => {
    await a.create('ttl', 'x', 60);
    assert.equal(await b.get('ttl'), 'x');
    await eventually(async () => (await b.get('ttl')) === undefined);
    assert.equal(await b.create('ttl', 'y', 10_000), true);
  }],
  ['swap replaces only the expected value', async (a, b) => {
    await a.put('s', 'holder-1', 10_000);
    assert.equal(await b.swap('s', 'holder-2', 'stolen', 10_000), false);
    assert.equal(await a.get('s'), 'holder-1');
    assert.equal(await b.swap('s', 'holder-1', 'holder-1b', 10_000), true);
    assert.equal(await a.get('s'), 'holder-1b');
    assert.equal(await a.swap('absent', 'x', 'y', 10_000), false);
    assert.equal(await a.get('absent'), undefined);
  }],
  ['swap renews the time to live (a lease kept alive)', async (a, b) => {
    // Renewed 4 times a third of a TTL apart, it outlives its first TTL (a loaded machine's late timer included).
    await a.put('lease', 'me', 1500);
    for (let i = 0; i < 4; i++) {
      await sleep(500);
      assert.equal(await b.swap('lease', 'me', 'me', 1500), true, `renewal ${i}`);
    }
    assert.equal(await a.get('lease'), 'me');
  }],
  ['deleteIf deletes only the expected value', async (a, b) => {
    await a.put('d', 'mine', 10_000);
    await b.deleteIf('d', 'yours');
    assert.equal(await a.get('d'), 'mine');
    await b.deleteIf('d', 'mine');
    assert.equal(await a.get('d'), undefined);
  }],
  ['increment counts atomically across instances', async (a, b) => {
    const counts = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).increment('n', 10_000)));
    assert.deepEqual(counts.sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(await a.increment('other', 10_000), 1);
  }],
  ['a counter lives ttl from its first increment; later increments do not extend it', async (a, b) => {
    const started = Date.now();
    assert.equal(await a.increment('window', 1000), 1);
    await sleep(600);
    assert.equal(await b.increment('window', 1000), 2);
    await eventually(async () => (await a.get('window')) === undefined);
    // Extended by the second increment it would have lived at least 1,600 ms (wide margins: loaded CI).
    assert.ok(Date.now() - started < 1500, `lived ${Date.now() - started} ms`);
    assert.equal(await b.increment('window', 1000), 1);
  }],
  ['sets: members added on any instance are seen by all', async (a, b) => {
    assert.deepEqual(await a.members('g'), []);
    assert.equal(await a.hasMember('g', 'x'), false);
    await a.addToSet('g', ['o1', 'o2'], 10_000);
    await b.addToSet('g', ['o2', 'o3'], 10_000);
    assert.deepEqual((await a.members('g')).sort(), ['o1', 'o2', 'o3']);
    assert.equal(await b.hasMember('g', 'o1'), true);
    assert.equal(await b.hasMember('g', 'o9'), false);
  }],
  ['a set expires after its time to live, renewed by each add', async (a, b) => {
    await a.addToSet('gs', ['o1'], 1000);
    await sleep(600);
    await b.addToSet('gs', ['o2'], 1000);
    await sleep(600);
    // 1,200 ms after the first add: alive only because the second add renewed it.
    assert.equal(await a.hasMember('gs', 'o1'), true, 'renewed by the second add');
    await eventually(async () => !(await a.hasMember('gs', 'o1')));
    assert.deepEqual(await a.members('gs'), []);
  }],
  ['schedule: claimDue returns due members, earliest first, up to the limit, and removes them', async (a, b) => {
    await a.schedule('due', 'late', 3000);
    await a.schedule('due', 'second', 2000);
    await b.schedule('due', 'first', 1000);
    await b.schedule('due', 'future', 9000);
    assert.deepEqual(await a.claimDue('due', 500, 10), []);
    assert.deepEqual(await a.claimDue('due', 3500, 2), ['first', 'second']);
    assert.deepEqual(await b.claimDue('due', 3500, 10), ['late']);
    assert.deepEqual(await b.claimDue('due', 3500, 10), []);
  }],
  ['schedule moves a member; unschedule takes it off', async (a, b) => {
    await a.schedule('mv', 'order-1', 1000);
    await b.schedule('mv', 'order-1', 5000);
    await a.schedule('mv', 'order-2', 1000);
    await b.unschedule('mv', 'order-2');
    assert.deepEqual(await a.claimDue('mv', 2000, 10), []);
    assert.deepEqual(await a.claimDue('mv', 6000, 10), ['order-1']);
  }],
  ['claimDue from two instances at once: each member goes to exactly one', async (a, b) => {
    const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const m of members) await a.schedule('both', m, 100);
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimDue('both', 200, 3)));
    const all = claims.flat();
    assert.equal(all.length, 40);
    assert.deepEqual(new Set(all), new Set(members));
  }],
  ['a key holds one kind of value: get of a set is undefined', async (a) => {
    await a.addToSet('kind', ['x'], 10_000);
    assert.equal(await a.get('kind'), undefined);
  }],
];

function contract(name: string, pair: Pair) {
  describe(`store contract: ${name}`, () => {
    for (const [title, run] of CONTRACT) {
      test(title, async () => {
        const [a, b] = await pair();
        await run(a, b);
      });
    }
  });
}

contract('MemoryStore', async () => {
  const store = new MemoryStore();
  return [store, store];
});

describe('RedisStore', () => {
  let redis: RedisServer;
  const stores: RedisStore[] = [];
  let n = 0;
  const open = (options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
    const store = new RedisStore({ url: redis.url, log: () => {}, ...options });
    stores.push(store);
    return store;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis.stop();
  });

  contract('RedisStore (two clients on one redis-server)', async () => {
    // A fresh prefix per test: the tests share one server and must not see each other's keys.
    const prefix = `t${++n}:`;
    return [open({ prefix }), open({ prefix })];
  });

  test('every key it writes starts with the prefix and has a time to live', async () => {
    const store = open({ prefix: 'ttlcheck:' });
    await store.create('a', '1', 60_000);
    await store.put('b', '1', 60_000);
    await store.increment('c', 60_000);
    await store.addToSet('d', ['x'], 60_000);
    await store.schedule('e', 'x', Date.now() + 60_000);
    await store.swap('a', '1', '2', 60_000);
    const keys = (await redis.command('KEYS', 'ttlcheck:*')).split('\r\n').filter((line) => line.startsWith('ttlcheck:'));
    assert.deepEqual(keys.sort(), ['ttlcheck:a', 'ttlcheck:b', 'ttlcheck:c', 'ttlcheck:d', 'ttlcheck:e']);
    for (const key of keys) {
      const ttl = Number((await redis.command('PTTL', key)).slice(1));
      assert.ok(ttl > 0, `${key} has no TTL (${ttl})`);
    }
  });

  test('prefixes keep two deployments on one Redis apart', async () => {
    const shop1 = open({ prefix: 'shop1:' });
    const shop2 = open({ prefix: 'shop2:' });
    await shop1.put('paid:A1', 'x', 60_000);
    assert.equal(await shop2.get('paid:A1'), undefined);
    assert.equal(await shop2.create('paid:A1', 'y', 60_000), true);
  });

  test('a bad URL is a clear error at once', () => {
    assert.throws(() => parseRedisUrl('localhost:6379'), /redis:\/\/ or rediss:\/\//);
    assert.throws(() => parseRedisUrl('http://localhost:6379'), /must start with redis:\/\//);
    assert.throws(() => parseRedisUrl('not a url'), /not a URL/);
    assert.throws(() => new RedisStore({ url: 'redis://localhost:6379/x' }), /database number/);
    assert.deepEqual(parseRedisUrl('rediss://u:p@cache.example:6380/2'), { host: 'cache.example', port: 6380, tls: true });
  });

  test('Redis down: calls fail fast with StoreUnavailableError, logged once; back by itself, logged once', async () => {
    const lines: string[] = [];
    const store = open({ prefix: 'outage:', log: (line) => lines.push(line) });
    await store.put('k', 'v', 60_000);
    await redis.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await assert.rejects(store.get('k'), StoreUnavailableError);
        assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
      }
      await assert.rejects(store.increment('n', 1000), StoreUnavailableError);
      await assert.rejects(store.claimDue('z', Date.now(), 10), StoreUnavailableError);
    } finally {
      await redis.start();
    }
    // The client reconnects by itself; the server came back empty (no persistence).
    await eventually(async () => (await store.get('k').then(() => true, () => false)), 10_000);
    assert.equal(await store.create('k', 'again', 60_000), true);
    // Scripts are loaded again after the restart emptied Redis's script cache.
    assert.equal(await store.increment('n', 60_000), 1);
    assert.deepEqual(lines.filter((l) => l.includes('unavailable')).length, 1, lines.join('\n'));
    assert.deepEqual(lines.filter((l) => l.includes('redis back')).length, 1, lines.join('\n'));
  });

  test('Redis full (noeviction): a write is refused with StoreFullError, reads still work', async () => {
    const store = open({ prefix: 'full:' });
    await store.put('kept', 'v', 60_000);
    await redis.command('CONFIG', 'SET', 'maxmemory', '1');
    try {
      await assert.rejects(store.put('more', 'v', 60_000), StoreFullError);
      await assert.rejects(store.create('lease', 'v', 60_000), StoreFullError);
      assert.equal(await store.get('kept'), 'v');
    } finally {
      await redis.command('CONFIG', 'SET', 'maxmemory', '0');
    }
    await store.put('more', 'v', 60_000);
  });

  test('a Redis that refuses us (password required): StoreUnavailableError, and the log says why', async () => {
    const locked = await startRedis(['--requirepass', 'right-password']);
    const lines: string[] = [];
    try {
      const store = new RedisStore({ url: locked.url, log: (line) => lines.push(line) });
      await assert.rejects(store.get('x'), StoreUnavailableError);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0] ?? '', /store: redis unavailable .*NOAUTH/);
      await store.close();
      const allowed = new RedisStore({ url: locked.url.replace('redis://', 'redis://:right-password@'), log: (line) => lines.push(line) });
      await allowed.put('x', '1', 1000);
      assert.equal(await allowed.get('x'), '1');
      await allowed.close();
    } finally {
      await locked.stop();
    }
  });

  test('warns at start when Redis may evict keys', async () => {
    await redis.command('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const lines: string[] = [];
    try {
      const store = open({ prefix: 'evict:', log: (line) => lines.push(line) });
      await store.get('x');
      await eventually(async () => lines.some((l) => l.includes('maxmemory-policy is allkeys-lru')));
    } finally {
      await redis.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
    const quiet: string[] = [];
    const store = open({ prefix: 'evict2:', log: (line) => quiet.push(line) });
    await store.put('x', '1', 1000);
    // INFO is answered before later commands on the same connection: by now the check is done.
    await store.get('x');
    assert.deepEqual(quiet, []);
  });
});
