/**
 * Test controls, part 3: reset (to empty or to the demo) and named snapshots — saved, listed, restored row for row
 * (every table, id sequences included), deleted; what survives (site administrators and their tokens); the read cache
 * after a restore; and restore time for 10,000 users and 1,000 runners.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { dataTables } from '../src/control/snapshots.ts';
import type { AppContext } from '../src/app-context.ts';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const API = '/_gatehouse/api';

/** Every row of every table, each table's rows sorted, for row-for-row comparison. */
async function dumpStore(ctx: AppContext): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await dataTables(ctx.db, ctx.dialect)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(ctx.db);
    out[table] = rows.rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

describe(`control API: reset and snapshots (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  let seed: SeededEnterprise;
  before(async () => {
    t = await startTestApp();
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true, login: 'control-admin' }));
    seed = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  const post = (path: string, body?: unknown, token = admin): Promise<any> => t.request('POST', `${API}${path}`, { token, body });

  it('captures every table the migrations created, read from the database catalog', async () => {
    const tables = await dataTables(t.ctx.db, t.ctx.dialect);
    for (const table of ['users', 'access_tokens', 'enterprises', 'runners', 'runner_labels', 'audit_events', 'scim_users', 'scim_groups', 'team_external_groups']) {
      assert.ok(tables.includes(table), table);
    }
    assert.ok(!tables.some((name) => name.startsWith('gatehouse_')), 'not the migrator’s bookkeeping nor the snapshots');
  });

  it('includes a table no one listed (what a future migration adds) in the snapshot and its restore', async () => {
    await sql`create table future_things (id integer primary key, label text not null)`.execute(t.ctx.db);
    await sql`insert into future_things (id, label) values (1, 'kept')`.execute(t.ctx.db);
    assert.equal((await post('/snapshots', { name: 'future' })).status, 201);
    await sql`delete from future_things`.execute(t.ctx.db);
    await sql`insert into future_things (id, label) values (2, 'undone')`.execute(t.ctx.db);
    assert.equal((await post('/snapshots/future/restore')).status, 200);
    const rows = await sql<{ id: number; label: string }>`select id, label from future_things`.execute(t.ctx.db);
    assert.deepEqual(rows.rows.map((r) => [Number(r.id), r.label]), [[1, 'kept']]);
    assert.equal((await t.request('DELETE', `${API}/snapshots/future`, { token: admin })).status, 204);
    await sql`drop table future_things`.execute(t.ctx.db);
  });

  it('saves (201), lists, restores row for row with id sequences, and deletes (204) a snapshot', async () => {
    const groups = `/enterprises/${seed.enterprise.slug}/actions/runner-groups`;
    assert.equal((await t.request('POST', groups, { token: seed.ownerToken, body: { name: 'before', visibility: 'all' } })).status, 201);
    await registerRunner(t.ctx, seed.enterprise, { name: 'snap-runner', os: 'linux', labels: ['gpu'] }, null);
    const scim = await t.request('POST', `/scim/v2/enterprises/${seed.enterprise.slug}/Users`, {
      token: seed.ownerToken,
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'snap.user@example.com', externalId: 'snap-1', active: true },
    });
    assert.equal(scim.status, 201);
    const saved = await post('/snapshots', { name: 'base' });
    assert.equal(saved.status, 201);
    assert.equal(saved.body.name, 'base');
    assert.ok(saved.body.rows > 0);
    const atSave = await dumpStore(t.ctx);

    // Change things: a new group, a new user (its id is the next one), a removed SCIM user, a new token.
    assert.equal((await t.request('POST', groups, { token: seed.ownerToken, body: { name: 'after', visibility: 'all' } })).status, 201);
    const made = await t.request('POST', '/admin/users', { token: admin, body: { login: 'after-snapshot' } });
    assert.equal(made.status, 201);
    assert.equal((await t.request('DELETE', `/scim/v2/enterprises/${seed.enterprise.slug}/Users/${scim.body.id}`, { token: seed.ownerToken })).status, 204);
    const { token: lateToken } = await userWithToken(t.ctx, ['admin:enterprise']);
    assert.equal((await t.request('GET', '/user', { token: lateToken })).status, 200);
    assert.notDeepEqual(await dumpStore(t.ctx), atSave);

    const listed = await t.request('GET', `${API}/snapshots`, { token: admin });
    assert.deepEqual(
      listed.body.snapshots.map((s: { name: string }) => s.name),
      ['base'],
    );
    const restored = await post('/snapshots/base/restore');
    assert.equal(restored.status, 200);
    assert.equal(restored.body.name, 'base');
    assert.deepEqual(await dumpStore(t.ctx), atSave, 'every table, row for row');

    // The read cache sees the restore: the token made after the snapshot is gone, the SCIM user is back.
    assert.equal((await t.request('GET', '/user', { token: lateToken })).status, 401);
    assert.equal((await t.request('GET', `/scim/v2/enterprises/${seed.enterprise.slug}/Users/${scim.body.id}`, { token: seed.ownerToken })).status, 200);
    // Ids carry on from the snapshot's sequences: the next user gets the id the undone one had.
    const again = await t.request('POST', '/admin/users', { token: admin, body: { login: 'after-restore' } });
    assert.equal(again.body.id, made.body.id);

    // Saving under an existing name replaces it.
    assert.equal((await post('/snapshots', { name: 'base' })).status, 201);
    assert.equal((await t.request('GET', `${API}/snapshots`, { token: admin })).body.snapshots.length, 1);

    assert.equal((await t.request('DELETE', `${API}/snapshots/base`, { token: admin })).status, 204);
    assert.equal((await t.request('DELETE', `${API}/snapshots/base`, { token: admin })).status, 404);
    assert.equal((await post('/snapshots/base/restore')).status, 404);
    assert.deepEqual((await t.request('GET', `${API}/snapshots`, { token: admin })).body.snapshots, []);
  });

  it('serves a cached read fresh after a restore', async () => {
    const { runner } = await registerRunner(t.ctx, seed.enterprise, { name: 'cached-runner', os: 'linux', labels: [] }, null);
    const path = `/enterprises/${seed.enterprise.slug}/actions/runners/${runner.id}`;
    assert.equal((await post('/snapshots', { name: 'with-runner' })).status, 201);
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).status, 200);
    assert.equal((await t.request('DELETE', path, { token: seed.ownerToken })).status, 204);
    // Twice: the second answer may come from the cache.
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).status, 404);
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).status, 404);
    assert.equal((await post('/snapshots/with-runner/restore')).status, 200);
    const res = await t.request('GET', path, { token: seed.ownerToken });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'cached-runner');
  });

  it('keeps site administrators and their tokens through a restore, even ones created after the snapshot', async () => {
    assert.equal((await post('/snapshots', { name: 'no-second-admin' })).status, 201);
    const { token: second } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true, login: 'second-admin' });
    assert.equal((await post('/snapshots/no-second-admin/restore', undefined, second)).status, 200);
    assert.equal((await t.request('GET', `${API}/clock`, { token: second })).status, 200);
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).status, 200);
  });

  it('resets to empty, keeping only site administrators and their tokens', async () => {
    const res = await post('/reset', {});
    assert.equal(res.status, 200);
    assert.equal(res.body.demo, false);
    assert.deepEqual(res.body.tokens, []);
    assert.equal(res.body.site_admins_kept, 2);
    const dump = await dumpStore(t.ctx);
    for (const [table, rows] of Object.entries(dump)) {
      if (table === 'users') assert.equal(rows.length, 2);
      else if (table === 'access_tokens') assert.equal(rows.length, 2);
      else assert.equal(rows.length, 0, table);
    }
    assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runners`, { token: seed.ownerToken })).status, 401);
    assert.equal((await t.request('GET', '/user', { token: admin })).body.login, 'control-admin');
  });

  it('resets to the demo and returns its tokens', async () => {
    const res = await post('/reset', { demo: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.demo, true);
    const owner = res.body.tokens.find((tk: { login: string }) => tk.login === 'mona');
    assert.ok(owner !== undefined);
    const runners = await t.request('GET', '/enterprises/acme/actions/runners', { token: owner.token });
    assert.equal(runners.status, 200);
    assert.equal(runners.body.total_count, 4);
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).status, 200, 'the caller goes on');
    // Again: the demo is re-created, not doubled.
    const twice = await post('/reset', { demo: true });
    assert.equal(twice.status, 200);
    const mona = twice.body.tokens.find((tk: { login: string }) => tk.login === 'mona');
    assert.equal((await t.request('GET', '/enterprises/acme/actions/runners', { token: mona.token })).body.total_count, 4);
    assert.equal((await t.request('GET', '/user', { token: owner.token })).status, 401, 'the old demo token went with the old demo');
  });

  it('also clears faults, the journal and the clock when asked', async () => {
    assert.equal((await post('/faults', { path: '/nothing', status: 500 })).status, 201);
    assert.equal((await post('/clock', { advance: '1d' })).status, 200);
    const res = await post('/reset', { faults: true, requests: true, clock: true });
    assert.equal(res.status, 200);
    assert.deepEqual((await t.request('GET', `${API}/faults`, { token: admin })).body.faults, []);
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).body.offset_ms, 0);
    assert.deepEqual((await t.request('GET', `${API}/requests`, { token: admin })).body.requests, []);
  });

  it('rejects bad input with GitHub’s errors and changes nothing', async () => {
    const before = await dumpStore(t.ctx);
    assert.equal((await post('/snapshots', {})).status, 422);
    assert.equal((await post('/snapshots', { name: '' })).status, 422);
    assert.equal((await post('/snapshots', { name: '../etc' })).status, 422);
    assert.equal((await post('/snapshots', { name: 7 })).status, 422);
    assert.equal((await t.request('POST', `${API}/snapshots`, { token: admin, body: 'base' })).status, 400);
    assert.equal((await post('/reset', { demo: 'yes' })).status, 422);
    assert.equal((await post('/snapshots/never-saved/restore')).status, 404);
    assert.deepEqual(await dumpStore(t.ctx), before);
  });
});

describe(`control API: restore speed (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startTestApp();
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true }));
  });
  after(() => t.close());

  it('restores a store of 10,000 users and 1,000 runners quickly (SQLite: under one second)', async () => {
    const seed = await seedEnterprise(t.ctx);
    const group = await t.ctx.db.selectFrom('runner_groups').select('id').where('enterprise_id', '=', seed.enterprise.id).executeTakeFirstOrThrow();
    const now = t.clock.now().toISOString();
    for (let i = 0; i < 10_000; i += 500) {
      const users = Array.from({ length: 500 }, (_, k) => ({ login: `bulk-${i + k}`, login_lower: `bulk-${i + k}`, name: null, email: `bulk-${i + k}@example.com`, site_admin: 0 as const, managed_by_enterprise_id: null, suspended_at: null, created_at: now, updated_at: now }));
      await t.ctx.db.insertInto('users').values(users).execute();
    }
    for (let i = 0; i < 1_000; i += 250) {
      const runners = Array.from({ length: 250 }, (_, k) => ({
        enterprise_id: seed.enterprise.id,
        runner_group_id: group.id,
        name: `bulk-runner-${i + k}`,
        name_lower: `bulk-runner-${i + k}`,
        os: 'linux',
        architecture: 'x64',
        busy: 0 as const,
        ephemeral: 0 as const,
        version: '2.329.0',
        last_seen_at: now,
        credential_hash: null,
        created_at: now,
        updated_at: now,
      }));
      const ids = await t.ctx.db.insertInto('runners').values(runners).returning('id').execute();
      await t.ctx.db
        .insertInto('runner_labels')
        .values(ids.flatMap(({ id }) => ['self-hosted', 'linux', 'x64'].map((name) => ({ runner_id: id, name, name_lower: name, type: 'read-only' as const }))))
        .execute();
    }
    assert.equal((await t.request('POST', `${API}/snapshots`, { token: admin, body: { name: 'big' } })).status, 201);
    await t.ctx.db.deleteFrom('runners').execute();
    await t.ctx.db.deleteFrom('users').where('login', 'like', 'bulk-1%').execute();

    const started = performance.now();
    const res = await t.request('POST', `${API}/snapshots/big/restore`, { token: admin });
    const took = performance.now() - started;
    assert.equal(res.status, 200);
    const counted = await t.ctx.db.selectFrom('users').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(counted.n) >= 10_000);
    const runners = await t.ctx.db.selectFrom('runners').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(runners.n), 1_000);
    process.stdout.write(`# restore of 10,000 users and 1,000 runners on ${storageKind}: ${Math.round(took)} ms over HTTP (${String(res.body.duration_ms)} ms in the store)\n`);
    assert.ok(took < (storageKind === 'sqlite' ? 1_000 : 5_000), `took ${Math.round(took)} ms`);
  });
});
