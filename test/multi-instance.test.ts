/**
 * Several Gatehouse instances on one PostgreSQL database, traffic spread across them the way a load balancer spreads
 * it: nothing one instance answers may contradict another (README "PostgreSQL and several instances"). Also the
 * site-admin token deletion the revocation case uses, and the rate-limit counters' failure mode, on any store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { testConfig } from '../src/config/config.ts';
import { createRateLimiter } from '../src/http/rate-limit.ts';
import type { Database } from '../src/storage/tables.ts';
import { freePort, seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Instance {
  url: string;
  request<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
}

function clientOf(url: string): Instance {
  return {
    url,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
      return { status: res.status, headers: res.headers, body: parsed as any, text };
    },
  };
}

const RATE_LIMIT = 240;

describe(
  `three instances on one PostgreSQL (${storageKind})`,
  { skip: storageKind === 'postgres' ? false : 'needs PostgreSQL: several instances share one database only there (run with DATABASE_URL=postgres://…)' },
  () => {
    let first: TestApp;
    const extra: FastifyInstance[] = [];
    let nodes: Instance[];
    let seed: SeededEnterprise;
    let adminToken: string;

    before(async () => {
      // The first instance makes the database; two more start together on it (migrations take a lock).
      first = await startTestApp({ rateLimitPerHour: RATE_LIMIT });
      const storage = first.ctx.config.storage;
      const started = await Promise.all(
        [1, 2].map(async () => {
          const port = await freePort();
          const url = `http://127.0.0.1:${port}`;
          const app = await buildApp({ config: testConfig({ storage, publicUrl: url, rateLimitPerHour: RATE_LIMIT }), clock: first.clock });
          await app.listen({ host: '127.0.0.1', port });
          extra.push(app);
          return clientOf(url);
        }),
      );
      nodes = [clientOf(first.url), ...started];
      seed = await seedEnterprise(first.ctx, { kind: 'managed' });
      adminToken = (await userWithToken(first.ctx, ['site_admin'], { siteAdmin: true })).token;
    });
    after(async () => {
      await Promise.all(extra.map((app) => app.close()));
      await first?.close();
    });

    const node = (i: number): Instance => nodes[i % nodes.length]!;
    const scim = (): string => `/scim/v2/enterprises/${seed.enterprise.slug}`;

    it('every instance is ready', async () => {
      for (const n of nodes) assert.equal((await n.request('GET', '/_gatehouse/ready')).status, 200);
    });

    it('concurrent creates of one userName across the instances: one 201, every other 409 uniqueness, one user stored', async () => {
      const body = { schemas: [USER_SCHEMA], userName: 'race@example.com', externalId: 'race', displayName: 'Race', emails: [{ value: 'race@example.com', primary: true }] };
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => node(i).request('POST', `${scim()}/Users`, { token: seed.ownerToken, body: { ...body, externalId: `race-${i}` } })),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
      for (const r of results.filter((x) => x.status !== 201)) {
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.scimType, 'uniqueness');
      }
      for (const n of nodes) {
        const list = await n.request('GET', `${scim()}/Users?filter=${encodeURIComponent('userName eq "race@example.com"')}`, { token: seed.ownerToken });
        assert.equal(list.body.totalResults, 1);
      }
    });

    it('a token revoked through one instance is refused by the others on their next request', async () => {
      const { user } = await userWithToken(first.ctx, []);
      const minted = await node(0).request('POST', `/admin/users/${user.login}/authorizations`, { token: adminToken, body: { scopes: ['read:org'] } });
      assert.equal(minted.status, 201, minted.text);
      // Every instance has seen (and, where it could, cached) the token.
      for (const n of nodes) assert.equal((await n.request('GET', '/user', { token: minted.body.token })).status, 200);

      const revoked = await node(0).request('DELETE', `/admin/tokens/${minted.body.id as number}`, { token: adminToken });
      assert.equal(revoked.status, 204, revoked.text);
      for (const n of [node(1), node(2), node(0)]) {
        const res = await n.request('GET', '/user', { token: minted.body.token });
        assert.equal(res.status, 401);
        assert.equal(res.body.message, 'Bad credentials');
      }
    });

    it('a group member added through one instance is visible through the others', async () => {
      const user = await node(0).request('POST', `${scim()}/Users`, {
        token: seed.ownerToken,
        body: { schemas: [USER_SCHEMA], userName: 'member@example.com', externalId: 'member', displayName: 'Member', emails: [{ value: 'member@example.com', primary: true }] },
      });
      assert.equal(user.status, 201, user.text);
      const group = await node(1).request('POST', `${scim()}/Groups`, { token: seed.ownerToken, body: { schemas: [GROUP_SCHEMA], displayName: 'Spread', externalId: 'spread' } });
      assert.equal(group.status, 201, group.text);
      // Each instance reads the (empty) group first.
      for (const n of nodes) assert.deepEqual((await n.request('GET', `${scim()}/Groups/${group.body.id as string}`, { token: seed.ownerToken })).body.members ?? [], []);

      const patched = await node(2).request('PATCH', `${scim()}/Groups/${group.body.id as string}`, {
        token: seed.ownerToken,
        body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }] },
      });
      assert.ok(patched.status === 200 || patched.status === 204, patched.text);
      for (const n of nodes) {
        const read = await n.request('GET', `${scim()}/Groups/${group.body.id as string}`, { token: seed.ownerToken });
        assert.deepEqual((read.body.members as Array<{ value: string }>).map((m) => m.value), [user.body.id], n.url);
      }
    });

    it('a runner heartbeat received by one instance shows the runner online through the others', async () => {
      const base = `/enterprises/${seed.enterprise.slug}/actions/runners`;
      const registration = await node(0).request('POST', `${base}/registration-token`, { token: seed.ownerToken });
      assert.equal(registration.status, 201);
      const exchanged = await node(1).request('POST', '/actions/runner-registration', {
        headers: { authorization: `RemoteAuth ${registration.body.token as string}` },
        body: { url: `https://github.com/enterprises/${seed.enterprise.slug}`, runner_event: 'register' },
      });
      assert.equal(exchanged.status, 200, exchanged.text);
      const runner = await node(2).request('POST', '/_services/runner/runners', { headers: { authorization: `Bearer ${exchanged.body.token as string}` }, body: { name: 'spread-1', os: 'linux' } });
      assert.equal(runner.status, 201, runner.text);
      for (const n of nodes) assert.equal((await n.request('GET', `${base}/${runner.body.id as number}`, { token: seed.ownerToken })).body.status, 'offline');

      const beat = await node(0).request('POST', '/_services/runner/heartbeat', { headers: { authorization: `Bearer ${runner.body.credential as string}` }, body: { busy: true } });
      assert.ok(beat.status < 300, beat.text);
      for (const n of nodes) {
        const read = await n.request('GET', `${base}/${runner.body.id as number}`, { token: seed.ownerToken });
        assert.equal(read.body.status, 'online', n.url);
        assert.equal(read.body.busy, true, n.url);
      }
    });

    it(`together the instances allow a token GATEHOUSE_RATE_LIMIT (${RATE_LIMIT}) requests an hour, within 1%`, async () => {
      const { token } = await userWithToken(first.ctx, []);
      const { token: bystander } = await userWithToken(first.ctx, []);
      const total = RATE_LIMIT + 60;
      const statuses: number[] = [];
      const remaining: number[] = [];
      let next = 0;
      // 24 callers at a time, each request to the next instance in turn.
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (next < total) {
            const i = next;
            next += 1;
            const res = await node(i).request('GET', '/user', { token });
            statuses.push(res.status);
            if (res.status === 200) remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
            else assert.match(res.body.message as string, /^API rate limit exceeded/);
          }
        }),
      );
      const allowed = statuses.filter((s) => s === 200).length;
      assert.ok(Math.abs(allowed - RATE_LIMIT) <= RATE_LIMIT * 0.01, `allowed ${allowed} of ${total}, limit ${RATE_LIMIT}`);
      assert.equal(statuses.filter((s) => s === 403).length, total - allowed);
      assert.equal(Math.min(...remaining), 0);
      assert.equal(new Set(remaining).size, allowed, 'each allowed request saw its own count');

      // Another token is untouched, on every instance; the next window starts afresh.
      for (const n of nodes) assert.equal((await n.request('GET', '/user', { token: bystander })).status, 200);
      first.clock.advance(3_600_000);
      const fresh = await node(1).request('GET', '/user', { token });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers.get('x-ratelimit-used'), '1');
    });
  },
);

describe(`deleting a personal access token (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;

  before(async () => {
    t = await startTestApp();
    admin = (await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true })).token;
  });
  after(() => t.close());

  it('DELETE /admin/tokens/{token_id}: 204, the token is refused at once, and the deletion is audited', async () => {
    const { user, token } = await userWithToken(t.ctx, ['read:org']);
    assert.equal((await t.request('GET', '/user', { token })).status, 200);
    const row = await t.ctx.db.selectFrom('access_tokens').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    const res = await t.request('DELETE', `/admin/tokens/${row.id}`, { token: admin });
    assert.equal(res.status, 204, res.text);
    assert.equal((await t.request('GET', '/user', { token })).status, 401);
    assert.equal(await t.ctx.db.selectFrom('access_tokens').select('id').where('id', '=', row.id).executeTakeFirst(), undefined);
    const audit = await t.ctx.db.selectFrom('audit_events').select(['action', 'user']).where('action', '=', 'personal_access_token.destroy').execute();
    assert.deepEqual(audit, [{ action: 'personal_access_token.destroy', user: user.login }]);
    // Deleting it again: no such token.
    assert.equal((await t.request('DELETE', `/admin/tokens/${row.id}`, { token: admin })).status, 404);
  });

  it('refuses the token making the request (403), unknown or malformed ids (404), and anyone not a site administrator (404)', async () => {
    const own = await t.ctx.db.selectFrom('access_tokens').select('id').orderBy('id', 'asc').executeTakeFirstOrThrow();
    const self = await t.request('DELETE', `/admin/tokens/${own.id}`, { token: admin });
    assert.equal(self.status, 403);
    assert.equal(self.body.documentation_url, 'https://docs.github.com/enterprise-server@3.19/rest/enterprise-admin/users#delete-a-personal-access-token');
    assert.equal((await t.request('GET', '/user', { token: admin })).status, 200, 'still valid');
    assert.equal((await t.request('DELETE', '/admin/tokens/999999', { token: admin })).status, 404);
    assert.equal((await t.request('DELETE', '/admin/tokens/abc', { token: admin })).status, 404);

    const { user, token } = await userWithToken(t.ctx, ['admin:org']);
    const target = await t.ctx.db.selectFrom('access_tokens').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    const denied = await t.request('DELETE', `/admin/tokens/${own.id}`, { token });
    assert.equal(denied.status, 404);
    assert.ok((await t.ctx.db.selectFrom('access_tokens').select('id').where('id', '=', own.id).executeTakeFirst()) !== undefined);
    assert.ok(target.id > 0);
  });
});

describe('shared rate-limit counters when PostgreSQL does not answer', () => {
  it('counts in the process, answers, and warns once', async () => {
    // Nothing listens on port 1: every statement fails at once.
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 }) }) });
    const warnings: string[] = [];
    const limiter = createRateLimiter(db, 'postgres', 2, (message) => warnings.push(message));
    try {
      const now = Date.parse('2026-11-15T12:00:00Z');
      const states = [await limiter.hit('token:1', now), await limiter.hit('token:1', now + 1), await limiter.hit('token:1', now + 2)];
      assert.deepEqual(states.map((s) => [s.used, s.remaining, s.exceeded]), [[1, 1, false], [2, 0, false], [3, 0, true]]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /^rate-limit counters unavailable, counting in this process/);
    } finally {
      await db.destroy();
    }
  });

  it('with limits off, no statement is sent at all (headers come from the process count)', () => {
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }) }) });
    const limiter = createRateLimiter(db, 'postgres', 0, () => assert.fail('no statement expected'));
    const state = limiter.hit('token:1', Date.parse('2026-11-15T12:00:00Z'));
    assert.ok(!(state instanceof Promise), 'answered synchronously');
    assert.deepEqual([state.limit, state.used, state.exceeded], [5000, 1, false]);
    return db.destroy();
  });
});
