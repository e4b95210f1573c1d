/**
 * Gatehouse's operations endpoints: `/_gatehouse/health`, `/_gatehouse/ready` and `/_gatehouse/metrics`. They sit
 * outside GitHub's conventions (no token, no rate-limit count, no `/api/v3` twin), and the metrics move with traffic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { guessClient, guessIdentityProvider } from '../src/http/identity-provider.ts';
import { scimOperation } from '../src/http/metrics.ts';
import { readCacheOf } from '../src/storage/read-cache.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';

/** The value of one sample in Prometheus' text format, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe(`operations endpoints (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'managed' });
  });
  after(() => t.close());

  async function scrape(): Promise<string> {
    const res = await t.request('GET', '/_gatehouse/metrics');
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return res.text;
  }

  it('health answers without a token, reveals nothing, and is neither counted nor served under /api/v3', async () => {
    const res = await t.request('GET', '/_gatehouse/health', { headers: { authorization: 'Bearer not-a-token', 'x-github-api-version': '1999-01-01' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
    for (const header of ['x-ratelimit-limit', 'x-ratelimit-used', 'x-github-request-id', 'x-oauth-scopes']) assert.equal(res.headers.get(header), null, header);

    // A GitHub route right after still reports the first request of this caller's window: the probe was not counted.
    const { token } = await userWithToken(t.ctx, []);
    await t.request('GET', '/_gatehouse/health', { token });
    const user = await t.request('GET', '/user', { token });
    assert.equal(user.status, 200);
    assert.equal(user.headers.get('x-ratelimit-used'), '1');

    const twin = await t.request('GET', '/api/v3/_gatehouse/health');
    assert.equal(twin.status, 404);
    assert.equal(twin.body.message, 'Not Found');
  });

  it('ready is 200 while the store answers and is current, 503 when a migration is missing, 200 again once applied', async () => {
    const ready = await t.request('GET', '/_gatehouse/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
    assert.equal(ready.headers.get('x-ratelimit-limit'), null);

    // The schema falls behind this build (an instance started against an older store without migrating).
    // Kysely's migration table is outside the app's typed schema.
    const migrations = t.ctx.db as unknown as Kysely<{ gatehouse_migrations: { name: string; timestamp: string } }>;
    const row = await migrations.selectFrom('gatehouse_migrations').selectAll().orderBy('name', 'desc').executeTakeFirstOrThrow();
    await migrations.deleteFrom('gatehouse_migrations').where('name', '=', row.name).execute();
    const behind = await t.request('GET', '/_gatehouse/ready');
    assert.equal(behind.status, 503);
    assert.deepEqual(behind.body, { status: 'unavailable' }, 'the reason is logged, not shown');

    await migrations.insertInto('gatehouse_migrations').values(row).execute();
    assert.equal((await t.request('GET', '/_gatehouse/ready')).status, 200);
  });

  it('ready is 503 when the store does not answer, while health stays 200', async () => {
    const down = await startTestApp();
    try {
      await down.ctx.db.destroy();
      const res = await down.request('GET', '/_gatehouse/ready');
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, { status: 'unavailable' });
      assert.equal((await down.request('GET', '/_gatehouse/health')).status, 200);
    } finally {
      await down.app.close().catch(() => undefined);
    }
  });

  it('request counters and the latency histogram move with traffic, by route template, method and status', async () => {
    const route = '/enterprises/:enterprise/actions/runner-groups';
    const before = await scrape();
    const count = (text: string, status: string): number => sample(text, 'gatehouse_http_requests_total', { route, method: 'GET', status }) ?? 0;
    const timed = (text: string): number => sample(text, 'gatehouse_http_request_duration_seconds_count', { route, method: 'GET', status: '200' }) ?? 0;
    for (let i = 0; i < 3; i += 1) assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken })).status, 200);
    assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`)).status, 401);
    assert.equal((await t.request('GET', '/no/such/path')).status, 404);

    const now = await scrape();
    assert.equal(count(now, '200') - count(before, '200'), 3);
    assert.equal(count(now, '401') - count(before, '401'), 1);
    assert.equal(timed(now) - timed(before), 3);
    assert.ok((sample(now, 'gatehouse_http_request_duration_seconds_bucket', { route, method: 'GET', status: '200', le: '+Inf' }) ?? 0) >= 3);
    assert.ok((sample(now, 'gatehouse_http_request_duration_seconds_sum', { route, method: 'GET', status: '200' }) ?? 0) > 0);
    // The /api/v3 twin is its own template; a path no route matches is counted under the empty route.
    const unmatched = (text: string): number => sample(text, 'gatehouse_http_requests_total', { route: '', method: 'GET', status: '404' }) ?? 0;
    assert.equal(unmatched(now) - unmatched(before), 1);
    // The scrape itself is counted (the previous one, by the time of this one).
    assert.ok((sample(now, 'gatehouse_http_requests_total', { route: '/_gatehouse/metrics', method: 'GET', status: '200' }) ?? 0) >= 1);
  });

  it('counts SCIM operations by dialect, identity provider and operation', async () => {
    const base = `/scim/v2/enterprises/${seed.enterprise.slug}`;
    const series = (text: string, idp: string, operation: string, status: string): number =>
      sample(text, 'gatehouse_scim_operations_total', { dialect: 'managed', idp, operation, status }) ?? 0;
    const before = await scrape();
    const created = await t.request('POST', `${base}/Users`, {
      token: seed.ownerToken,
      headers: { 'user-agent': 'Okta SCIM Client 1.0.0', 'content-type': 'application/scim+json' },
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        externalId: 'ops-1',
        userName: 'ops.one@example.com',
        displayName: 'Ops One',
        emails: [{ value: 'ops.one@example.com', primary: true }],
        roles: [{ value: 'user' }],
      },
    });
    assert.equal(created.status, 201, created.text);
    const entra = { 'user-agent': 'Azure AD SCIM Provisioning' };
    assert.equal((await t.request('GET', `${base}/Users/${created.body.id}`, { token: seed.ownerToken, headers: entra })).status, 200);
    assert.equal((await t.request('GET', `${base}/Users/no-such-id`, { token: seed.ownerToken, headers: entra })).status, 404);
    assert.equal((await t.request('GET', `${base}/Users?filter=userName%20eq%20%22x%22`, { token: seed.ownerToken, headers: { 'user-agent': 'curl/8' } })).status, 200);

    const now = await scrape();
    assert.equal(series(now, 'okta', 'Users.create', '201') - series(before, 'okta', 'Users.create', '201'), 1);
    assert.equal(series(now, 'entra', 'Users.get', '200') - series(before, 'entra', 'Users.get', '200'), 1);
    assert.equal(series(now, 'entra', 'Users.get', '404') - series(before, 'entra', 'Users.get', '404'), 1);
    assert.equal(series(now, 'other', 'Users.list', '200') - series(before, 'other', 'Users.list', '200'), 1);
  });

  it('reports store query time, read-cache hits and misses, and runners by status', async () => {
    const queries = (text: string): number => sample(text, 'gatehouse_store_query_duration_seconds_count') ?? 0;
    const before = await scrape();

    // A runner registers and sends a heartbeat: online; then the heartbeat window passes: offline.
    const registration = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runners/registration-token`, { token: seed.ownerToken });
    assert.equal(registration.status, 201);
    const exchanged = await t.request('POST', '/actions/runner-registration', {
      headers: { authorization: `RemoteAuth ${registration.body.token as string}` },
      body: { url: `https://github.com/enterprises/${seed.enterprise.slug}`, runner_event: 'register' },
    });
    assert.equal(exchanged.status, 200, exchanged.text);
    const runner = await t.request('POST', '/_services/runner/runners', { headers: { authorization: `Bearer ${exchanged.body.token as string}` }, body: { name: 'ops-runner', os: 'linux' } });
    assert.equal(runner.status, 201, runner.text);
    const beat = await t.request('POST', '/_services/runner/heartbeat', { headers: { authorization: `Bearer ${runner.body.credential as string}` }, body: { busy: true } });
    assert.ok(beat.status < 300, beat.text);

    const online = await scrape();
    assert.ok(queries(online) > queries(before), 'statements were timed');
    assert.ok((sample(online, 'gatehouse_store_query_duration_seconds_sum') ?? 0) > 0);
    assert.equal(sample(online, 'gatehouse_runners', { status: 'online', busy: 'true' }), 1);
    assert.equal(sample(online, 'gatehouse_runners', { status: 'offline', busy: 'false' }), 0);

    t.clock.advance((t.ctx.config.runnerOfflineAfterSeconds + 1) * 1000);
    const offline = await scrape();
    assert.equal(sample(offline, 'gatehouse_runners', { status: 'online', busy: 'true' }), 0);
    assert.equal(sample(offline, 'gatehouse_runners', { status: 'offline', busy: 'false' }), 1);

    // Read cache: the same authenticated GET twice is one miss (at most) then hits, on SQLite; PostgreSQL has no cache.
    const cache = readCacheOf(t.ctx.db);
    const hits = (text: string): number => sample(text, 'gatehouse_read_cache_hits_total') ?? Number.NaN;
    const misses = (text: string): number => sample(text, 'gatehouse_read_cache_misses_total') ?? Number.NaN;
    const first = await scrape();
    await t.request('GET', '/user', { token: seed.ownerToken });
    await t.request('GET', '/user', { token: seed.ownerToken });
    const second = await scrape();
    if (cache === undefined) {
      assert.equal(hits(second), 0);
      assert.equal(misses(second), 0);
    } else {
      assert.ok(hits(second) - hits(first) >= 1, 'the second GET hit the cache');
      assert.ok(misses(second) - misses(first) >= 1, 'the scrape itself reads the store, which the cache misses at least once');
      assert.ok(cache.hits >= hits(second), 'the exported count is the cache\'s own');
    }
  });

  it('exports the process metrics, including event-loop delay', async () => {
    const text = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(sample(text, name) !== undefined, name);
    }
    assert.match(text, /# TYPE gatehouse_http_request_duration_seconds histogram/);
    assert.match(text, /# TYPE gatehouse_http_requests_total counter/);
    assert.match(text, /# TYPE gatehouse_read_cache_hits_total counter/);
    assert.match(text, /# TYPE gatehouse_runners gauge/);
  });

  it('with a metrics token, the metrics need it as a bearer token; health and ready never do', async () => {
    const guarded = await startTestApp({ metricsToken: 's3cret-metrics' });
    try {
      const none = await guarded.request('GET', '/_gatehouse/metrics');
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.doesNotMatch(none.text, /gatehouse_/);
      assert.equal((await guarded.request('GET', '/_gatehouse/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const ok = await guarded.request('GET', '/_gatehouse/metrics', { headers: { authorization: 'Bearer s3cret-metrics' } });
      assert.equal(ok.status, 200);
      assert.ok(sample(ok.text, 'gatehouse_http_requests_total', { route: '/_gatehouse/metrics', method: 'GET', status: '401' }) === 2);
      assert.equal((await guarded.request('GET', '/_gatehouse/health')).status, 200);
      assert.equal((await guarded.request('GET', '/_gatehouse/ready')).status, 200);
    } finally {
      await guarded.close();
    }
  });
});

describe('identity provider guess and SCIM operation names', () => {
  it('recognises the providers by the User-Agent they send', () => {
    assert.equal(guessIdentityProvider('Azure AD SCIM Provisioning'), 'entra');
    assert.equal(guessIdentityProvider('Microsoft Azure AD SCIM Connector'), 'entra');
    assert.equal(guessIdentityProvider('Okta SCIM Client 1.0.0'), 'okta');
    assert.equal(guessIdentityProvider('OKTA SCIM Integration'), 'okta');
    assert.equal(guessIdentityProvider('OneLogin SCIM'), 'onelogin');
    assert.equal(guessIdentityProvider('PingFederate/11.2'), 'ping');
    assert.equal(guessIdentityProvider(''), 'other', 'OneLogin may send an empty User-Agent: no way to tell');
    assert.equal(guessIdentityProvider(undefined), 'other');
    assert.equal(guessIdentityProvider('curl/8.5.0'), 'other');
    // The journal names other clients too; metrics count them all as `other`.
    assert.equal(guessClient('curl/8.5.0'), 'curl');
    assert.equal(guessClient('octokit-rest.js/22.0.1 octokit-core.js/7.0.6 Node.js/20'), 'octokit');
    assert.equal(guessClient('Okta SCIM Client 1.0.0'), 'okta');
    assert.equal(guessClient('GitHubActionsRunner-linux-x64/2.329.0'), 'actions-runner');
    assert.equal(guessIdentityProvider('GitHubActionsRunner-linux-x64/2.329.0'), 'other');
    assert.equal(guessClient('SomethingElse/1.0'), null);
  });

  it('names the operation of each SCIM route template', () => {
    assert.equal(scimOperation('/scim/v2/enterprises/:enterprise/Users', 'POST'), 'Users.create');
    assert.equal(scimOperation('/api/v3/scim/v2/Groups/:scim_group_id', 'PATCH'), 'Groups.patch');
    assert.equal(scimOperation('/scim/v2/organizations/:org/Users/:scim_user_id', 'GET'), 'Users.get');
    assert.equal(scimOperation('/scim/v2/Users', 'GET'), 'Users.list');
    assert.equal(scimOperation('/scim/v2/Users/.search', 'POST'), 'Users.search');
    assert.equal(scimOperation('/scim/v2/.search', 'POST'), 'search');
    assert.equal(scimOperation('/scim/v2/Schemas/:id', 'GET'), 'discovery');
  });
});
