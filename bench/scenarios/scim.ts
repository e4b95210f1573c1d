/**
 * Managed SCIM (`/scim/v2/enterprises/{enterprise}/Users|Groups`, an Enterprise Managed Users enterprise, the owner's
 * `admin:enterprise` token), what issue 3 asks `npm run bench` to report side by side with the bare `node:http`
 * ceiling:
 * - `scim.ceiling`: node:http answering with the bytes Gatehouse sends for `GET /Users/{id}`;
 * - `scim.users.get`: `GET /Users/{id}`, target >= 40% of the ceiling's throughput;
 * - `scim.floor`: `GET /user` with the same token, the floor of any authenticated request (for reading the above);
 * - `scim.users.filter.1k` / `.100k`: `filter=userName eq "…"` with 1,000 and 100,000+ users stored; target: the
 *   same cost at both sizes (throughput at 100,000 >= 1/1.5 of that at 1,000);
 * - `scim.users.page`: `GET /Users?startIndex=90000&count=30` with 100,000+ users stored;
 * - `scim.users.create`: POST 10,000 users at concurrency 20 into a new enterprise (users/s, p99);
 * - `scim.groups.add.1k` / `.100k`: PATCH adding one member (a different, not-yet-member user each time) to a group of
 *   1,000 and of 100,000 members, one request at a time; target: the same cost (within 1.5x).
 * Reads are driven by autocannon; writes by a closed loop (`bench/lib/closed-loop.ts`) that makes every request
 * unique and keeps exact latencies. Seeds: `bench/fixtures/scim.ts`. The smoke mode (`BENCH_DURATION` <= 3) does
 * less work: 30,000 users instead of 100,000, 2,000 creates instead of 10,000, fewer member adds.
 */
import { bigTenant, isQuick, scimTenant, smallTenant, sparePerGroup, userBody, userName, type BigTenant, type GroupRef, type SeededTenant } from '../fixtures/scim.ts';
import { closedLoop, keepAliveAgent, send, type LoopRequest } from '../lib/closed-loop.ts';
import { measureCeiling } from '../lib/ceiling.ts';
import { rotating } from '../lib/requests.ts';
import type { BenchContext, Measurement, Scenario, ServerHandle } from '../lib/types.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Users whose GET / filter requests rotate (spread over the sample range). */
const ROTATION = 1_000;

/** Figures of this run per store, so a scenario can print its ratio to another's latencies. */
const results = new Map<string, Measurement>();
const remember = (ctx: BenchContext, id: string, m: Measurement): Measurement => {
  results.set(`${ctx.store.kind}:${id}`, m);
  return m;
};
const recalled = (ctx: BenchContext, id: string): Measurement | undefined => results.get(`${ctx.store.kind}:${id}`);

function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One request outside the measurement (probes that check the seed is served as expected). */
async function probe(server: ServerHandle, request: LoopRequest): Promise<{ status: number; json: Record<string, unknown>; raw: string }> {
  const agent = keepAliveAgent(1);
  try {
    const res = await send(server, agent, request);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      // not JSON: reported by the caller through `raw`
    }
    return { status: res.status, json, raw: res.body };
  } finally {
    agent.destroy();
  }
}

function expectThat(condition: boolean, what: string, raw: string): void {
  if (!condition) throw new Error(`${what}; got ${raw.slice(0, 400)}`);
}

/** Evenly spread sample users of the big tenant (members of the big group only: same representation length). */
function sampleIndexes(fx: BigTenant): number[] {
  const { from, to } = fx.sample;
  const step = Math.max(1, Math.floor((to - from) / ROTATION));
  return Array.from({ length: Math.min(ROTATION, to - from) }, (_, k) => from + k * step);
}


function userPath(fx: SeededTenant, index: number): string {
  return `${fx.base}/Users/${fx.scimIds[index] ?? ''}`;
}

function filterPath(fx: SeededTenant, index: number): string {
  return `${fx.base}/Users?filter=${encodeURIComponent(`userName eq "${fx.userNames[index] ?? ''}"`)}`;
}

// ---- Reads ----------------------------------------------------------------------------------------------------

const ceiling: Scenario = {
  id: 'scim.ceiling',
  title: 'bare node:http, same bytes as SCIM GET /Users/{id}',
  async setup(ctx) {
    await bigTenant(ctx);
  },
  async run(ctx) {
    const fx = await bigTenant(ctx);
    return measureCeiling(ctx, userPath(fx, fx.sample.from), fx.scimHeaders);
  },
};

/** GET by id over 1,000 users in rotation; `readCache: false` shows the same on the database alone. */
function getById(id: string, title: string, readCache: boolean): Scenario {
  return {
    id,
    title,
    baseline: 'scim.ceiling',
    ...(readCache ? { targetRatio: 0.4 } : {}),
    async setup(ctx) {
      await bigTenant(ctx);
    },
    async run(ctx) {
      const fx = await bigTenant(ctx);
      const server = await ctx.gatehouse({ readCache });
      const indexes = sampleIndexes(fx);
      // A batch-seeded user is served like a service-created one: same attributes, its group, the same length.
      const seeded = await probe(server, { method: 'GET', path: userPath(fx, indexes[0] ?? 0), headers: fx.scimHeaders });
      const reference = await probe(server, { method: 'GET', path: userPath(fx, 0), headers: fx.scimHeaders });
      expectThat(seeded.status === 200 && seeded.json.userName === fx.userNames[indexes[0] ?? 0], 'batch-seeded user not served', seeded.raw);
      expectThat(JSON.stringify(Object.keys(seeded.json)) === JSON.stringify(Object.keys(reference.json)), 'batch-seeded and service-created users differ in shape', `${seeded.raw}\n${reference.raw}`);
      expectThat(Array.isArray(seeded.json.groups) && seeded.json.groups.length === 1, 'sample user should be in exactly one group', seeded.raw);
      const m = await ctx.load({ server, path: userPath(fx, indexes[0] ?? 0), requests: rotating(indexes.map((i) => userPath(fx, i))), headers: fx.scimHeaders, expectStatus: 200 });
      m.notes = [`${indexes.length} users in rotation, ${seeded.raw.length} B body${readCache ? '' : ', read cache off'}`];
      return m;
    },
  };
}

const get = getById('scim.users.get', 'SCIM GET /Users/{id} (100,000+ stored)', true);
const getUncached = getById('scim.users.get.uncached', 'SCIM GET /Users/{id}, read cache off', false);

/**
 * Not a target: the cheapest authenticated request with the same token (`GET /user`: token lookup, the shared hooks,
 * a small JSON body), to tell how much of `scim.users.get` is the floor every authenticated request pays.
 */
const floor: Scenario = {
  id: 'scim.floor',
  title: 'GET /user, same token (authenticated-request floor)',
  baseline: 'scim.ceiling',
  async setup(ctx) {
    await bigTenant(ctx);
  },
  async run(ctx) {
    const fx = await bigTenant(ctx);
    const server = await ctx.gatehouse();
    const headers = { ...fx.restHeaders };
    delete headers['content-type'];
    const res = await probe(server, { method: 'GET', path: '/user', headers });
    expectThat(res.status === 200 && res.json.login === fx.owner.login, 'GET /user should answer the owner', res.raw);
    const m = await ctx.load({ server, path: '/user', headers, expectStatus: 200 });
    m.notes = [`${res.raw.length} B body`];
    return m;
  },
};

function filterScenario(id: string, title: string, tenant: (ctx: BenchContext) => Promise<{ fx: SeededTenant; indexes: number[]; stored: number }>, extra: Partial<Scenario> = {}): Scenario {
  return {
    id,
    title,
    ...extra,
    async setup(ctx) {
      await tenant(ctx);
    },
    async run(ctx) {
      const { fx, indexes, stored } = await tenant(ctx);
      const server = await ctx.gatehouse();
      const first = indexes[indexes.length - 1] ?? 0;
      const res = await probe(server, { method: 'GET', path: filterPath(fx, first), headers: fx.scimHeaders });
      const resources = res.json.Resources as Array<{ id?: string }> | undefined;
      expectThat(res.status === 200 && res.json.totalResults === 1 && resources?.[0]?.id === fx.scimIds[first], `filter on ${fx.userNames[first] ?? ''} should find exactly that user`, res.raw);
      const m = remember(ctx, id, await ctx.load({ server, path: filterPath(fx, first), requests: rotating(indexes.map((i) => filterPath(fx, i))), headers: fx.scimHeaders, expectStatus: 200 }));
      m.notes = [`${stored.toLocaleString('en-US')} users stored, ${indexes.length} userNames in rotation`];
      const small = recalled(ctx, 'scim.users.filter.1k');
      if (small !== undefined && small !== m) m.notes.push(`cost x${fmt(small.rps / m.rps, 2)} of 1,000 stored (target <= 1.5); p50 ${fmt(m.p50Ms)} vs ${fmt(small.p50Ms)} ms`);
      return m;
    },
  };
}

const filterSmall = filterScenario('scim.users.filter.1k', 'SCIM filter=userName eq "…" (1,000 stored)', async (ctx) => {
  const fx = await smallTenant(ctx);
  return { fx, indexes: fx.scimIds.map((_, i) => i), stored: fx.scimIds.length };
});

const filterBig = filterScenario(
  'scim.users.filter.100k',
  'SCIM filter=userName eq "…" (100,000+ stored)',
  async (ctx) => {
    const fx = await bigTenant(ctx);
    return { fx, indexes: sampleIndexes(fx), stored: fx.scimIds.length };
  },
  { baseline: 'scim.users.filter.1k', targetRatio: 1 / 1.5 },
);

const page: Scenario = {
  id: 'scim.users.page',
  title: 'SCIM GET /Users?startIndex=90000&count=30',
  async setup(ctx) {
    await bigTenant(ctx);
  },
  async run(ctx) {
    const fx = await bigTenant(ctx);
    const server = await ctx.gatehouse();
    const startIndex = Math.round(fx.core * 0.9);
    const requestPath = `${fx.base}/Users?startIndex=${startIndex}&count=30`;
    const res = await probe(server, { method: 'GET', path: requestPath, headers: fx.scimHeaders });
    const resources = res.json.Resources as Array<{ id?: string }> | undefined;
    expectThat(
      res.status === 200 && res.json.totalResults === fx.scimIds.length && resources?.length === 30 && resources[0]?.id === fx.scimIds[startIndex - 1],
      `page at ${startIndex} should hold users ${startIndex}..${startIndex + 29} of ${fx.scimIds.length}`,
      res.raw,
    );
    const m = await ctx.load({ server, path: requestPath, headers: fx.scimHeaders, expectStatus: 200 });
    m.notes = [`startIndex=${startIndex}, ${fx.scimIds.length.toLocaleString('en-US')} users stored, ${res.raw.length} B body`];
    return m;
  },
};

// ---- Writes ---------------------------------------------------------------------------------------------------

const create: Scenario = {
  id: 'scim.users.create',
  title: 'SCIM POST /Users x10,000 at concurrency 20 (new enterprise)',
  async setup(ctx) {
    await scimTenant(ctx, 'bench-emu-new', 'bnew');
  },
  async run(ctx) {
    const fx = await scimTenant(ctx, 'bench-emu-new', 'bnew');
    const server = await ctx.gatehouse();
    const amount = isQuick(ctx) ? 2_000 : 10_000;
    const warm = isQuick(ctx) ? 100 : 300;
    let n = 0;
    const next = (): LoopRequest => {
      const body = userBody(userName('c', n));
      n += 1;
      return { method: 'POST', path: `${fx.base}/Users`, headers: fx.scimHeaders, body: JSON.stringify(body) };
    };
    // JIT warm-up: the first creates, not measured (they stay stored).
    await closedLoop({ server, connections: 20, next, maxRequests: warm, expectStatus: 201 });
    const m = await closedLoop({ server, connections: 20, next, maxRequests: amount, expectStatus: 201 });
    if (m.firstFailure !== undefined) throw new Error(m.firstFailure);
    const check = await probe(server, { method: 'GET', path: `${fx.base}/Users?count=0`, headers: fx.scimHeaders });
    expectThat(check.json.totalResults === n, `${n} users should be stored`, check.raw);
    m.notes = [`${m.requests.toLocaleString('en-US')} users in ${fmt(m.seconds)} s = ${fmt(m.rps, 0)} users/s after ${warm} unmeasured`];
    return m;
  },
};

/** PATCH adding one spare user to `group`, one request at a time, for at most the bench duration. */
export async function measureMemberAdds(ctx: BenchContext, fx: BigTenant, server: ServerHandle, group: GroupRef, groupKey: string): Promise<Measurement & { lastAdded: string | undefined }> {
  const budget = sparePerGroup(ctx);
  const warm = isQuick(ctx) ? 50 : 100;
  const spares = fx.takeSpares(groupKey, budget);
  let k = 0;
  let lastAdded: string | undefined;
  const next = (): LoopRequest | undefined => {
    const value = spares[k];
    if (value === undefined) return undefined;
    k += 1;
    lastAdded = value;
    return {
      method: 'PATCH',
      path: `${fx.base}/Groups/${group.scimId}`,
      headers: fx.scimHeaders,
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value }] }] }),
    };
  };
  await closedLoop({ server, connections: 1, next, maxRequests: warm, expectStatus: 204 });
  const m = await closedLoop({ server, connections: 1, next, maxRequests: budget - warm, durationSeconds: ctx.bench.duration, expectStatus: 204 });
  if (m.firstFailure !== undefined) throw new Error(m.firstFailure);
  return { ...m, lastAdded };
}

function addScenario(id: string, title: string, pick: (fx: BigTenant) => GroupRef, extra: Partial<Scenario> = {}): Scenario {
  return {
    id,
    title,
    ...extra,
    async setup(ctx) {
      await bigTenant(ctx);
    },
    async run(ctx) {
      const fx = await bigTenant(ctx);
      const group = pick(fx);
      const server = await ctx.gatehouse();
      const before = await probe(server, { method: 'GET', path: `${fx.base}/Groups/${group.scimId}?excludedAttributes=members`, headers: fx.scimHeaders });
      expectThat(before.status === 200 && before.json.displayName === group.displayName, `group ${group.displayName} should be served`, before.raw);
      const m = await measureMemberAdds(ctx, fx, server, group, id);
      const after = await probe(server, { method: 'GET', path: `${fx.base}/Users/${m.lastAdded ?? ''}`, headers: fx.scimHeaders });
      const groups = (after.json.groups ?? []) as Array<{ value?: string }>;
      expectThat(groups.some((g) => g.value === group.scimId), 'the last added user should be a member', after.raw);
      const { lastAdded: _last, ...measurement } = m;
      measurement.notes = [`${group.members.toLocaleString('en-US')} members + ${measurement.requests} adds (after warm-up), 1 connection, mean ${fmt(measurement.latencyMeanMs, 2)} ms`];
      remember(ctx, id, measurement);
      const small = recalled(ctx, 'scim.groups.add.1k');
      if (small !== undefined && id !== 'scim.groups.add.1k') {
        measurement.notes.push(`vs 1,000: mean x${fmt(measurement.latencyMeanMs / small.latencyMeanMs, 2)}, p50 x${fmt(measurement.p50Ms / small.p50Ms, 2)}, p99 x${fmt(measurement.p99Ms / small.p99Ms, 2)} (target <= 1.5)`);
      }
      return measurement;
    },
  };
}

const addSmall = addScenario('scim.groups.add.1k', 'SCIM PATCH Groups add 1 member (group of 1,000)', (fx) => fx.groups.g1k);
const addBig = addScenario('scim.groups.add.100k', 'SCIM PATCH Groups add 1 member (group of 100,000)', (fx) => fx.groups.gCore, {
  baseline: 'scim.groups.add.1k',
  targetRatio: 1 / 1.5,
});

export const scenarios: Scenario[] = [ceiling, get, getUncached, floor, filterSmall, filterBig, page, create, addSmall, addBig];
