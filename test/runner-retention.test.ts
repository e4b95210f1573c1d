/**
 * Automatic removal of runners that stopped connecting (github-semantics.md §1.5): more than 14 days without contact
 * for a self-hosted runner, more than 1 day for an ephemeral one, both configurable (0 = never). The sweep is called
 * directly with the TestClock moved; heartbeats go over the runner-service API and every result is read back over the
 * REST API (runner GET and list, the enterprise audit log), bodies checked against the ghec spec. The scheduling is
 * tested separately: `buildApp` sweeps when ready, and the timer sweeps on its interval until stopped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config/config.ts';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { removeStaleRunners, startStaleRunnerSweeps } from '../src/domain/runners/stale.ts';
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const RUNNERS = '/enterprises/{enterprise}/actions/runners';
const RUNNER = `${RUNNERS}/{runner_id}`;
const AUDIT_LOG = '/enterprises/{enterprise}/audit-log';
const DAY = 86_400_000;
const SECOND = 1000;

interface Registered {
  id: number;
  name: string;
  credential: string;
}

/** Test helpers bound to one app and one enterprise. */
function harness(t: TestApp, s: SeededEnterprise) {
  let seq = 0;
  const base = `/enterprises/${s.enterprise.slug}/actions/runners`;
  return {
    /** Registers a runner as the runner side does (it starts offline, never having connected). */
    async add(options: { ephemeral?: boolean; labels?: string[] } = {}): Promise<Registered> {
      seq += 1;
      const name = `retained-${seq}`;
      const { runner, credential } = await registerRunner(
        t.ctx,
        s.enterprise,
        { name, os: 'linux', labels: options.labels ?? [], ephemeral: options.ephemeral, version: '2.329.0' },
        null,
      );
      return { id: runner.id, name, credential };
    },
    /** A heartbeat over the runner-service API. */
    async heartbeat(runner: Registered, busy = false): Promise<ApiResponse<any>> {
      return t.request('POST', '/_services/runner/heartbeat', { body: { busy }, headers: { authorization: `Bearer ${runner.credential}` } });
    },
    async get(runner: Registered): Promise<ApiResponse<any>> {
      const res = await t.request('GET', `${base}/${runner.id}`, { token: s.ownerToken });
      if (res.status === 200) assertSchema('ghec', 'GET', RUNNER, 200, res.body);
      else assertSchema('ghec', 'POST', `${RUNNER}/labels`, 404, res.body);
      return res;
    },
    async listedNames(): Promise<string[]> {
      const res = await t.request('GET', `${base}?per_page=100`, { token: s.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', RUNNERS, 200, res.body);
      assert.equal(res.body.total_count, res.body.runners.length);
      return res.body.runners.map((r: { name: string }) => r.name).sort();
    },
    /** The enterprise's runner-removal events, oldest first, from the audit log API. */
    async removals(): Promise<Array<Record<string, any>>> {
      const phrase = encodeURIComponent('action:enterprise.remove_self_hosted_runner');
      const res = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?phrase=${phrase}&order=asc&per_page=100`, { token: s.ownerToken });
      assert.equal(res.status, 200, res.text);
      assertSchema('ghec', 'GET', AUDIT_LOG, 200, res.body);
      return res.body;
    },
    async labelRows(runner: Registered): Promise<number> {
      return (await t.ctx.db.selectFrom('runner_labels').select('id').where('runner_id', '=', runner.id).execute()).length;
    },
  };
}

async function appWith(overrides: Partial<Config> = {}): Promise<{ t: TestApp; s: SeededEnterprise; h: ReturnType<typeof harness> }> {
  const t = await startTestApp(overrides);
  const s = await seedEnterprise(t.ctx);
  return { t, s, h: harness(t, s) };
}

describe(`stale runner removal (${storageKind})`, () => {
  describe('self-hosted runners: 14 days', () => {
    let t: TestApp;
    let s: SeededEnterprise;
    let h: ReturnType<typeof harness>;
    before(async () => {
      ({ t, s, h } = await appWith());
    });
    after(() => t.close());

    it('removes runners idle more than 14 days with their labels, audits each, and keeps one seen 13 days ago', async () => {
      const neverConnected = await h.add({ labels: ['gpu'] });
      const silent = await h.add({ labels: ['big'] });
      const recent = await h.add();
      assert.equal((await h.heartbeat(silent)).status, 200);
      assert.equal((await h.get(silent)).body.status, 'online');

      t.clock.advance(DAY);
      assert.equal((await h.heartbeat(recent)).status, 200);
      // Exactly 14 days since the registration and the heartbeat: not yet "more than 14 days".
      t.clock.advance(13 * DAY);
      assert.equal(await removeStaleRunners(t.ctx), 0);
      assert.equal((await h.get(neverConnected)).status, 200);
      assert.equal((await h.get(silent)).status, 200);

      t.clock.advance(SECOND);
      assert.equal(await removeStaleRunners(t.ctx), 2);

      assert.equal((await h.get(neverConnected)).status, 404);
      assert.equal((await h.get(silent)).status, 404);
      const kept = await h.get(recent);
      assert.equal(kept.status, 200);
      assert.equal(kept.body.status, 'offline');
      assert.deepEqual(await h.listedNames(), [recent.name]);
      assert.equal(await h.labelRows(neverConnected), 0);
      assert.equal(await h.labelRows(silent), 0);
      assert.ok((await h.labelRows(recent)) > 0);

      const events = await h.removals();
      assert.deepEqual(
        events.map((e) => [e.runner_id, e.runner_name, e.reason]),
        [
          [neverConnected.id, neverConnected.name, 'stale'],
          [silent.id, silent.name, 'stale'],
        ],
      );
      for (const event of events) {
        // The system removed them: no actor, stamped with the sweep's time.
        assert.equal(event.actor, undefined);
        assert.equal(event.business, s.enterprise.slug);
        assert.equal(event['@timestamp'], t.clock.now().getTime());
      }
      assert.equal(events.find((e) => e.runner_id === silent.id)?.last_contact_at, new Date(t.clock.now().getTime() - 14 * DAY - SECOND).toISOString());

      // A removed runner's credential is dead: its next heartbeat is refused.
      assert.equal((await h.heartbeat(silent)).status, 401);

      // Sweeping again removes nothing and audits nothing.
      assert.equal(await removeStaleRunners(t.ctx), 0);
      assert.equal((await h.removals()).length, 2);

      // The kept runner goes once it too has been silent for more than 14 days.
      t.clock.advance(DAY);
      assert.equal(await removeStaleRunners(t.ctx), 1);
      assert.equal((await h.get(recent)).status, 404);
      assert.deepEqual(await h.listedNames(), []);
    });

    it('splits the work between sweeps running at once (several instances): each runner removed and audited once', async () => {
      const before = (await h.removals()).length;
      const runners: Registered[] = [];
      for (let i = 0; i < 40; i += 1) runners.push(await h.add({ labels: ['x'] }));
      t.clock.advance(14 * DAY + SECOND);
      const counts = await Promise.all([removeStaleRunners(t.ctx), removeStaleRunners(t.ctx), removeStaleRunners(t.ctx)]);
      assert.equal(counts.reduce((a, b) => a + b, 0), runners.length);
      assert.deepEqual(await h.listedNames(), []);
      const removed = (await h.removals()).slice(before).map((e) => e.runner_id as number);
      assert.deepEqual(removed.sort((a, b) => a - b), runners.map((r) => r.id).sort((a, b) => a - b));
    });

    it('keeps a runner that keeps sending heartbeats', async () => {
      const alive = await h.add();
      for (let day = 0; day < 20; day += 1) {
        assert.equal((await h.heartbeat(alive)).status, 200);
        t.clock.advance(DAY);
        assert.equal(await removeStaleRunners(t.ctx), 0);
      }
      assert.equal((await h.get(alive)).status, 200);
    });
  });

  describe('ephemeral runners: 1 day', () => {
    let t: TestApp;
    let s: SeededEnterprise;
    let h: ReturnType<typeof harness>;
    before(async () => {
      ({ t, s, h } = await appWith());
    });
    after(() => t.close());

    it('removes an ephemeral runner idle more than 1 day, and a JIT runner that never connected, but not a non-ephemeral one', async () => {
      const ephemeral = await h.add({ ephemeral: true });
      const regular = await h.add();
      await h.heartbeat(ephemeral);
      await h.heartbeat(regular);
      const jit = await t.request('POST', `/enterprises/${s.enterprise.slug}/actions/runners/generate-jitconfig`, {
        token: s.ownerToken,
        body: { name: 'jit-never-started', runner_group_id: 1, labels: ['spot'] },
      });
      assert.equal(jit.status, 201, jit.text);
      assertSchema('ghec', 'POST', `${RUNNERS}/generate-jitconfig`, 201, jit.body);
      const jitRunner: Registered = { id: jit.body.runner.id, name: 'jit-never-started', credential: '' };

      t.clock.advance(DAY);
      assert.equal(await removeStaleRunners(t.ctx), 0);
      t.clock.advance(SECOND);
      assert.equal(await removeStaleRunners(t.ctx), 2);

      assert.equal((await h.get(ephemeral)).status, 404);
      assert.equal((await h.get(jitRunner)).status, 404);
      assert.equal((await h.get(regular)).status, 200);
      assert.deepEqual(await h.listedNames(), [regular.name]);
      assert.deepEqual(
        (await h.removals()).map((e) => e.runner_id).sort((a, b) => a - b),
        [ephemeral.id, jitRunner.id].sort((a, b) => a - b),
      );
    });
  });

  describe('a busy runner that is still online', () => {
    let t: TestApp;
    let h: ReturnType<typeof harness>;
    before(async () => {
      // Runners count as online for 20 days here, so a busy runner can be older than the retention and still online.
      ({ t, h } = await appWith({ runnerOfflineAfterSeconds: 20 * 86_400 }));
    });
    after(() => t.close());

    it('is never removed, while an idle runner silent as long is', async () => {
      const busy = await h.add();
      const idle = await h.add();
      await h.heartbeat(busy, true);
      await h.heartbeat(idle, false);
      t.clock.advance(14 * DAY + SECOND);
      assert.equal(await removeStaleRunners(t.ctx), 1);
      const kept = await h.get(busy);
      assert.equal(kept.status, 200);
      assert.equal(kept.body.busy, true);
      assert.equal(kept.body.status, 'online');
      assert.equal((await h.get(idle)).status, 404);
      // Once it is offline it is no longer running a job, and goes.
      t.clock.advance(6 * DAY);
      assert.equal(await removeStaleRunners(t.ctx), 1);
      assert.equal((await h.get(busy)).status, 404);
    });
  });

  describe('retention 0 disables removal', () => {
    it('of both kinds', async () => {
      const { t, h } = await appWith({ runnerRetentionDays: 0, ephemeralRunnerRetentionDays: 0 });
      try {
        const regular = await h.add();
        const ephemeral = await h.add({ ephemeral: true });
        t.clock.advance(400 * DAY);
        assert.equal(await removeStaleRunners(t.ctx), 0);
        assert.deepEqual(await h.listedNames(), [regular.name, ephemeral.name].sort());
        assert.deepEqual(await h.removals(), []);
      } finally {
        await t.close();
      }
    });

    it('of self-hosted runners only (ephemeral ones still go)', async () => {
      const { t, h } = await appWith({ runnerRetentionDays: 0 });
      try {
        const regular = await h.add();
        const ephemeral = await h.add({ ephemeral: true });
        t.clock.advance(400 * DAY);
        assert.equal(await removeStaleRunners(t.ctx), 1);
        assert.equal((await h.get(regular)).status, 200);
        assert.equal((await h.get(ephemeral)).status, 404);
      } finally {
        await t.close();
      }
    });

    it('of ephemeral runners only (self-hosted ones still go)', async () => {
      const { t, h } = await appWith({ ephemeralRunnerRetentionDays: 0 });
      try {
        const regular = await h.add();
        const ephemeral = await h.add({ ephemeral: true });
        t.clock.advance(400 * DAY);
        assert.equal(await removeStaleRunners(t.ctx), 1);
        assert.equal((await h.get(regular)).status, 404);
        assert.equal((await h.get(ephemeral)).status, 200);
      } finally {
        await t.close();
      }
    });
  });

  describe('scheduling', () => {
    let t: TestApp;
    let h: ReturnType<typeof harness>;
    before(async () => {
      ({ t, h } = await appWith());
    });
    after(() => t.close());

    it('buildApp sweeps when the server is ready', async () => {
      const stale = await h.add();
      const fresh = await h.add();
      t.clock.advance(14 * DAY + SECOND);
      await h.heartbeat(fresh);
      // A second app on the same store (as a second instance would be): becoming ready runs the sweep.
      const second = await buildApp({
        config: t.ctx.config,
        storage: { db: t.ctx.db, dialect: t.ctx.dialect, close: async () => {} },
        clock: t.clock,
        skipMigrations: true,
      });
      try {
        assert.equal((await h.get(stale)).status, 200);
        await second.ready();
        assert.equal((await h.get(stale)).status, 404);
        assert.equal((await h.get(fresh)).status, 200);
        assert.deepEqual((await h.removals()).map((e) => e.runner_id), [stale.id]);
      } finally {
        await second.close();
      }
    });

    it('sweeps on the interval until stopped, logging what it removed', async () => {
      const logged: Array<{ removed?: number }> = [];
      const errors: object[] = [];
      const sweeps = startStaleRunnerSweeps(t.ctx, { info: (details) => logged.push(details), error: (details) => errors.push(details) }, 20);
      try {
        await sweeps.first;
        const stale = await h.add();
        t.clock.advance(14 * DAY + SECOND);
        const deadline = Date.now() + 5000;
        while ((await h.get(stale)).status === 200) {
          assert.ok(Date.now() < deadline, 'the scheduled sweep did not remove the stale runner');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(logged.some((d) => (d.removed ?? 0) >= 1), JSON.stringify(logged));
      } finally {
        await sweeps.stop();
      }
      assert.deepEqual(errors, []);
      // Stopped: a runner that goes stale now stays.
      const afterStop = await h.add();
      t.clock.advance(14 * DAY + SECOND);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal((await h.get(afterStop)).status, 200);
    });
  });
});
