/**
 * The SQLite read cache (src/storage/read-cache.ts): the per-request lookups (token, enterprise and role, runner) are
 * served from memory, and every change to the store shows on the very next request, whoever made it: the domain, raw
 * SQL on the same connection, a rolled-back transaction, or another connection to the same file (another process,
 * such as the CLI beside a running server).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { openStorage, type Storage } from '../src/storage/db.ts';
import { ReadCache, readCacheOf } from '../src/storage/read-cache.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const RUNNER = '/enterprises/{enterprise}/actions/runners/{runner_id}';

describe('read cache (sqlite)', { skip: storageKind === 'postgres' ? 'PostgreSQL has no read cache: every read goes to the database' : false }, () => {
  let dir: string;
  let t: TestApp;
  let seed: SeededEnterprise;
  let second: Storage;
  let seq = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cache-'));
    const filename = path.join(dir, 'gatehouse.db');
    t = await startTestApp({ storage: { kind: 'sqlite', filename } });
    seed = await seedEnterprise(t.ctx);
    // A second connection to the same file, as `gatehouse …` commands open while a server runs.
    second = openStorage({ kind: 'sqlite', filename });
  });
  after(async () => {
    await second.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function addRunner(): Promise<number> {
    seq += 1;
    const { runner } = await registerRunner(t.ctx, seed.enterprise, { name: `cached-${seq}`, os: 'linux', labels: ['gpu'], version: '2.329.0' }, null);
    return runner.id;
  }

  const runnerPath = (id: number): string => `/enterprises/${seed.enterprise.slug}/actions/runners/${id}`;

  it('serves repeated lookups from memory', async () => {
    const id = await addRunner();
    // The first use of a token records its last use (a write, which empties the cache); later requests write nothing.
    const first = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    assert.equal(first.status, 200, first.text);
    const again = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    const cache = readCacheOf(t.ctx.db);
    assert.ok(cache !== undefined, 'the SQLite store has a read cache');
    // token, enterprise ⋈ role, runner ⋈ labels
    assert.ok(cache.size >= 3, `cache holds the request's lookups (size ${cache.size})`);
    const size = cache.size;
    const third = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    assert.equal(cache.size, size, 'a repeated request adds nothing: it was served from the cache');
    assert.deepEqual(third.body, first.body);
    assert.deepEqual(again.body, first.body);
    assertSchema('ghec', 'GET', RUNNER, 200, third.body);
  });

  it('shows this connection’s writes at once, domain or raw SQL', async () => {
    const id = await addRunner();
    assert.equal((await t.request('GET', runnerPath(id), { token: seed.ownerToken })).body.name, `cached-${seq}`);
    await sql`update runners set name = 'renamed-by-sql', name_lower = 'renamed-by-sql' where id = ${id}`.execute(t.ctx.db);
    const renamed = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    assert.equal(renamed.body.name, 'renamed-by-sql');

    const labels = await t.request('POST', `${runnerPath(id)}/labels`, { token: seed.ownerToken, body: { labels: ['extra'] } });
    assert.equal(labels.status, 200, labels.text);
    const withLabel = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    assert.ok(withLabel.body.labels.some((l: { name: string }) => l.name === 'extra'));

    assert.equal((await t.request('DELETE', runnerPath(id), { token: seed.ownerToken })).status, 204);
    assert.equal((await t.request('GET', runnerPath(id), { token: seed.ownerToken })).status, 404);
  });

  it('keeps nothing from a transaction that rolled back', async () => {
    const id = await addRunner();
    await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    await assert.rejects(
      t.ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('runners').set({ name: 'never-committed' }).where('id', '=', id).execute();
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const res = await t.request('GET', runnerPath(id), { token: seed.ownerToken });
    assert.equal(res.body.name, `cached-${seq}`);
  });

  it('shows another connection’s commits on the next request', async () => {
    const id = await addRunner();
    const { token, user } = await userWithToken(t.ctx, ['admin:enterprise']);
    await second.db.insertInto('enterprise_members').values({ enterprise_id: seed.enterprise.id, user_id: user.id, role: 'member', created_at: new Date().toISOString() }).execute();
    // A member, not an owner: the enterprise's runners are hidden (404), and that answer is cached.
    assert.equal((await t.request('GET', runnerPath(id), { token })).status, 404);

    // Promoted to owner by the other connection: visible at once.
    await second.db.updateTable('enterprise_members').set({ role: 'owner' }).where('user_id', '=', user.id).execute();
    const visible = await t.request('GET', runnerPath(id), { token });
    assert.equal(visible.status, 200, visible.text);

    // Renamed, then deleted, by the other connection.
    await second.db.updateTable('runners').set({ name: 'renamed-elsewhere', name_lower: 'renamed-elsewhere' }).where('id', '=', id).execute();
    assert.equal((await t.request('GET', runnerPath(id), { token })).body.name, 'renamed-elsewhere');
    await second.db.deleteFrom('runners').where('id', '=', id).execute();
    assert.equal((await t.request('GET', runnerPath(id), { token })).status, 404);

    // The token revoked by the other connection: 401 on the next request.
    await second.db.deleteFrom('access_tokens').where('user_id', '=', user.id).execute();
    assert.equal((await t.request('GET', runnerPath(id), { token })).status, 401);
  });

  it('is off with readCache: false (GATEHOUSE_READ_CACHE=0)', async () => {
    const plain = openStorage({ kind: 'sqlite', filename: path.join(dir, 'gatehouse.db') }, { readCache: false });
    try {
      assert.equal(readCacheOf(plain.db), undefined);
      assert.ok(readCacheOf(second.db) !== undefined);
    } finally {
      await plain.close();
    }
  });
});

describe('ReadCache', () => {
  it('keeps at most maxEntries, dropping the oldest, and drops everything when the stamp moves', async () => {
    let stamp: [number, number] = [0, 1];
    const cache = new ReadCache(() => stamp, 2);
    let loads = 0;
    const load = (value: string) => async () => {
      loads += 1;
      return value;
    };
    assert.equal(await cache.get('a', load('A')), 'A');
    assert.equal(await cache.get('b', load('B')), 'B');
    assert.equal(await cache.get('a', load('A2')), 'A', 'a hit');
    assert.equal(await cache.get('c', load('C')), 'C');
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', load('A3')), 'A3', 'the oldest entry (a) was dropped for c');
    assert.equal(await cache.get('c', load('C2')), 'C', 'c is still there');
    assert.equal(loads, 4);
    stamp = [1, 1];
    assert.equal(await cache.get('c', load('C3')), 'C3', 'a write empties the cache');
    stamp = [1, 2];
    assert.equal(await cache.get('c', load('C4')), 'C4', 'another connection’s commit empties the cache');
  });

  it('does not keep a value read while the store changed', async () => {
    let stamp: [number, number] = [0, 1];
    const cache = new ReadCache(() => stamp);
    const value = await cache.get('k', async () => {
      stamp = [1, 1]; // a write lands while the value is being read
      return 'old';
    });
    assert.equal(value, 'old');
    assert.equal(cache.size, 0);
    assert.equal(await cache.get('k', async () => 'new'), 'new');
    assert.equal(await cache.get('k', async () => 'newer'), 'new');
  });

  it('caches "not found" too, and reads straight through when the stamp cannot be read', async () => {
    let broken = false;
    const cache = new ReadCache(() => {
      if (broken) throw new Error('connection busy');
      return [0, 1];
    });
    assert.equal(await cache.get('missing', async () => undefined), undefined);
    assert.equal(await cache.get('missing', async () => 'found'), undefined, 'the cached absence');
    broken = true;
    assert.equal(await cache.get('missing', async () => 'direct'), 'direct');
  });
});
