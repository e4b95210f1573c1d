/**
 * Runner reads (GHEC "Self-hosted runners" for an enterprise):
 * - `runners.ceiling`: a bare node:http child answering with the bytes Gatehouse sends for one runner: the most any
 *   server could do on this machine with this load generator;
 * - `runners.get`: `GET /enterprises/{e}/actions/runners/{id}` with an owner token; target >= 50% of the ceiling;
 *   `runners.get.spread` and `runners.get.uncached` beside it (all runners in turn; the read cache off);
 * - `runners.list`: `GET /enterprises/{e}/actions/runners?per_page=100&page=50` with 10,000 runners stored.
 */
import { runnersFixture } from '../fixtures/runners.ts';
import { measureCeiling } from '../lib/ceiling.ts';
import { rotating } from '../lib/requests.ts';
import type { Scenario } from '../lib/types.ts';


const ceiling: Scenario = {
  id: 'runners.ceiling',
  title: 'bare node:http, same bytes as runner GET',
  repeatable: true,
  async setup(ctx) {
    await runnersFixture(ctx);
  },
  async run(ctx) {
    const fx = await runnersFixture(ctx);
    return measureCeiling(ctx, `/enterprises/${fx.enterprise.slug}/actions/runners/${fx.sampleRunnerId}`, fx.headers);
  },
};

/**
 * The runner GET. `runners.get` asks for one runner again and again (the target); `runners.get.spread` walks all
 * 10,000 runners in turn (the read cache holds its working set); `runners.get.uncached` is the database path alone.
 */
function runnerGet(id: string, title: string, options: { readCache: boolean; spread: boolean }): Scenario {
  return {
    id,
    title,
    baseline: 'runners.ceiling',
    repeatable: true,
    ...(options.readCache && !options.spread ? { targetRatio: 0.5 } : {}),
    async setup(ctx) {
      await runnersFixture(ctx);
    },
    async run(ctx) {
      const fx = await runnersFixture(ctx);
      const server = await ctx.gatehouse({ readCache: options.readCache });
      const base = `/enterprises/${fx.enterprise.slug}/actions/runners`;
      const path = `${base}/${fx.sampleRunnerId}`;
      if (!options.spread) return ctx.load({ server, path, headers: fx.headers, expectStatus: 200 });
      const ids = await ctx.domain.db.selectFrom('runners').select('id').where('enterprise_id', '=', fx.enterprise.id).orderBy('id').execute();
      const measurement = await ctx.load({ server, path, requests: rotating(ids.map((r) => `${base}/${r.id}`)), headers: fx.headers, expectStatus: 200 });
      measurement.notes = [`${ids.length} runners in rotation`];
      return measurement;
    },
  };
}

const get = runnerGet('runners.get', 'GET /enterprises/{e}/actions/runners/{id}', { readCache: true, spread: false });
const getSpread = runnerGet('runners.get.spread', 'runner GET, all 10,000 runners in turn', { readCache: true, spread: true });
const getUncached = runnerGet('runners.get.uncached', 'runner GET, read cache off', { readCache: false, spread: false });

const list: Scenario = {
  id: 'runners.list',
  title: 'GET …/actions/runners?per_page=100&page=50 (10,000 stored)',
  repeatable: true,
  async setup(ctx) {
    await runnersFixture(ctx);
  },
  async run(ctx) {
    const fx = await runnersFixture(ctx);
    const server = await ctx.gatehouse();
    const requestPath = `/enterprises/${fx.enterprise.slug}/actions/runners?per_page=100&page=50`;
    const probe = await fetch(`${server.url}${requestPath}`, { headers: fx.headers });
    const page = (await probe.json()) as { total_count?: unknown; runners?: unknown[] };
    if (probe.status !== 200 || page.total_count !== fx.count || page.runners?.length !== 100) {
      throw new Error(`${requestPath}: expected 200 with total_count ${fx.count} and 100 runners, got ${probe.status} ${JSON.stringify(page).slice(0, 200)}`);
    }
    const measurement = await ctx.load({ server, path: requestPath, headers: fx.headers, expectStatus: 200 });
    return measurement;
  },
};

export const scenarios: Scenario[] = [ceiling, get, getSpread, getUncached, list];
