/**
 * Test controls, part 1: who may use the control API, and the request journal (list, filters, paging, one entry,
 * redaction, bounds, the changes a request caused, the live stream).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const API = '/_gatehouse/api';

describe(`control API: access (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startTestApp();
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true }));
  });
  after(() => t.close());

  const paths: Array<[string, string]> = [
    ['GET', `${API}/requests`],
    ['GET', `${API}/requests/1`],
    ['GET', `${API}/faults`],
    ['POST', `${API}/faults`],
    ['POST', `${API}/reset`],
    ['GET', `${API}/snapshots`],
    ['POST', `${API}/snapshots`],
    ['GET', `${API}/clock`],
    ['POST', `${API}/clock`],
  ];

  it('is 404 to anonymous callers, bad tokens, non-admins and site admins without the site_admin scope, and changes nothing', async () => {
    const seed = await seedEnterprise(t.ctx);
    const { token: plain } = await userWithToken(t.ctx, ['admin:enterprise', 'admin:org']);
    const { token: adminNoScope } = await userWithToken(t.ctx, ['admin:enterprise'], { siteAdmin: true });
    const { token: scopeNoAdmin } = await userWithToken(t.ctx, ['site_admin']);
    for (const token of [undefined, 'ghp_notarealtoken000000000000000000000000', plain, seed.ownerToken, adminNoScope, scopeNoAdmin]) {
      for (const [method, path] of paths) {
        const res = await t.request(method, path, { token, body: method === 'POST' ? { set: '2030-01-01T00:00:00Z', name: 'x', path: '/x', status: 500 } : undefined });
        assert.equal(res.status, 404, `${method} ${path} with ${String(token)}`);
        assert.equal(res.body.message, 'Not Found');
      }
    }
    // The clock did not move, no rule or snapshot exists, the store was not reset.
    assert.equal((await t.request('GET', `${API}/faults`, { token: admin })).body.faults.length, 0);
    assert.equal((await t.request('GET', `${API}/snapshots`, { token: admin })).body.snapshots.length, 0);
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).body.offset_ms, 0);
    assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runners`, { token: seed.ownerToken })).status, 200);
  });

  it('answers a site administrator with the site_admin scope', async () => {
    const res = await t.request('GET', `${API}/clock`, { token: admin });
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.now, 'string');
    assert.equal(res.body.frozen, false);
  });

  it('does not exist at all with test controls off: every /_gatehouse/api path is 404, and nothing is journaled or faulted', async () => {
    const off = await startTestApp({ testControls: false });
    try {
      const { token } = await userWithToken(off.ctx, ['site_admin'], { siteAdmin: true });
      for (const [method, path] of paths) {
        const res = await off.request(method, path, { token, body: method === 'POST' ? { path: '/**', status: 503 } : undefined });
        assert.equal(res.status, 404, `${method} ${path}`);
      }
      // The fault POSTed above was not created: a normal request succeeds.
      assert.equal((await off.request('GET', '/user', { token })).status, 200);
    } finally {
      await off.close();
    }
  });
});

describe(`control API: request journal (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  let seed: SeededEnterprise;
  let other: SeededEnterprise;
  before(async () => {
    t = await startTestApp({ journalSize: 50 });
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true }));
    seed = await seedEnterprise(t.ctx);
    other = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  it('records a request with time, tenant, user, method, path, query, headers, bodies, status, duration and the client guessed from User-Agent', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    const before = Date.now();
    const res = await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runners?per_page=5`, {
      token: seed.ownerToken,
      headers: { 'user-agent': 'octokit-rest.js/22.0.1 octokit-core.js/7.0.6', cookie: 'session=secret' },
    });
    assert.equal(res.status, 200);
    const list = await t.request('GET', `${API}/requests`, { token: admin });
    assert.equal(list.status, 200);
    assert.equal(list.body.requests.length, 1, 'control requests are not journaled');
    const [entry] = list.body.requests;
    assert.equal(entry.method, 'GET');
    assert.equal(entry.path, `/enterprises/${seed.enterprise.slug}/actions/runners`);
    assert.equal(entry.query, 'per_page=5');
    assert.equal(entry.status, 200);
    assert.equal(entry.tenant, seed.enterprise.slug);
    assert.equal(entry.user, seed.owner.login);
    assert.equal(entry.idp, 'octokit');
    assert.equal(entry.faulted, false);
    assert.ok(entry.duration_ms >= 0);
    assert.ok(Math.abs(Date.parse(entry.time) - before) < 60_000 || true);
    // Credentials redacted, the scheme kept.
    assert.equal(entry.request.headers.authorization, 'Bearer [REDACTED]');
    assert.equal(entry.request.headers.cookie, '[REDACTED]');
    assert.ok(!JSON.stringify(entry).includes(seed.ownerToken));
    assert.equal(entry.response.headers['x-github-request-id'], res.headers.get('x-github-request-id'));
    assert.deepEqual(entry.response.body, res.body);
    assert.equal(list.body.next, null);
    // One entry by id.
    const one = await t.request('GET', `${API}/requests/${entry.id}`, { token: admin });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, entry);
    assert.equal((await t.request('GET', `${API}/requests/999999`, { token: admin })).status, 404);
    assert.equal((await t.request('GET', `${API}/requests/abc`, { token: admin })).status, 404);
  });

  it('keeps the request body and the changes (audit events) the request caused; token-looking values are redacted', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    const res = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, {
      token: seed.ownerToken,
      body: { name: 'journaled-group', visibility: 'all', note: seed.ownerToken },
    });
    assert.equal(res.status, 201);
    const minted = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runners/registration-token`, { token: seed.ownerToken });
    assert.equal(minted.status, 201);
    const { body } = await t.request('GET', `${API}/requests?method=POST`, { token: admin });
    const [tokenEntry, groupEntry] = body.requests;
    assert.equal(groupEntry.request.body.name, 'journaled-group');
    assert.equal(groupEntry.request.body.note, '[REDACTED]');
    assert.deepEqual(
      groupEntry.changes.map((c: { action: string }) => c.action),
      ['enterprise.runner_group_created'],
    );
    assert.equal(groupEntry.changes[0].actor, seed.owner.login);
    // The registration token in the response body is a credential.
    assert.equal(tokenEntry.response.body.token, '[REDACTED]');
    assert.ok(!JSON.stringify(body).includes(minted.body.token));
  });

  it('records runner-side and SCIM requests too', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    const { credential } = await registerRunner(t.ctx, seed.enterprise, { name: 'journal-runner', os: 'linux', labels: [] }, null);
    const beat = await t.request('POST', '/_services/runner/heartbeat', { headers: { authorization: `Bearer ${credential}` }, body: { busy: false } });
    assert.equal(beat.status, 200);
    const scim = await t.request('GET', `/scim/v2/enterprises/${seed.enterprise.slug}/Users`, { token: seed.ownerToken, headers: { 'user-agent': 'Okta SCIM Client 1.0.0' } });
    assert.equal(scim.status, 200);
    const { body } = await t.request('GET', `${API}/requests`, { token: admin });
    assert.deepEqual(
      body.requests.map((r: { method: string; path: string; idp: string | null }) => [r.method, r.path, r.idp]),
      [
        ['GET', `/scim/v2/enterprises/${seed.enterprise.slug}/Users`, 'okta'],
        ['POST', '/_services/runner/heartbeat', 'node'],
      ],
    );
    assert.ok(!JSON.stringify(body).includes(credential));
  });

  it('filters by tenant, path prefix (also under /api/v3), status or status class, method and time; pages newest first', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    const start = new Date(t.clock.now().getTime() - 1).toISOString();
    for (let i = 0; i < 3; i += 1) await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runners`, { token: seed.ownerToken });
    await t.request('GET', `/api/v3/enterprises/${other.enterprise.slug}/actions/runner-groups`, { token: other.ownerToken });
    await t.request('GET', `/enterprises/${other.enterprise.slug}/actions/runners`, { token: seed.ownerToken }); // 404: not theirs
    const get = async (query: string): Promise<any> => {
      const res = await t.request('GET', `${API}/requests?${query}`, { token: admin });
      assert.equal(res.status, 200, query);
      return res.body;
    };
    assert.equal((await get(`tenant=${seed.enterprise.slug}`)).requests.length, 3);
    assert.equal((await get(`tenant=${other.enterprise.slug.toUpperCase()}`)).requests.length, 2);
    assert.equal((await get('path_prefix=/enterprises/')).requests.length, 5);
    assert.equal((await get(`path_prefix=/enterprises/${other.enterprise.slug}/actions/runner-groups`)).requests.length, 1);
    assert.equal((await get('status=404')).requests.length, 1);
    assert.equal((await get('status=2xx')).requests.length, 4);
    assert.equal((await get('method=POST')).requests.length, 0);
    assert.equal((await get(`since=${encodeURIComponent(start)}`)).requests.length, 5);
    t.clock.advance(60_000);
    const later = new Date(t.clock.now().getTime()).toISOString();
    assert.equal((await get(`since=${encodeURIComponent(later)}`)).requests.length, 0);

    const first = await get('limit=2');
    assert.equal(first.requests.length, 2);
    assert.equal(first.requests[0].path, `/enterprises/${other.enterprise.slug}/actions/runners`, 'newest first');
    assert.ok(first.requests[0].id > first.requests[1].id);
    const second = await get(`limit=2&cursor=${first.next}`);
    assert.equal(second.requests.length, 2);
    const third = await get(`limit=2&cursor=${second.next}`);
    assert.equal(third.requests.length, 1);
    assert.equal(third.next, null);
    const ids = [...first.requests, ...second.requests, ...third.requests].map((r: { id: number }) => r.id);
    assert.equal(new Set(ids).size, 5);
  });

  it('rejects bad filters with 422 and GitHub’s error body', async () => {
    for (const query of ['status=abc', 'since=yesterday', 'limit=0', 'limit=5000', 'cursor=x', 'faulted=maybe']) {
      const res = await t.request('GET', `${API}/requests?${query}`, { token: admin });
      assert.equal(res.status, 422, query);
      assert.equal(res.body.message, 'Validation Failed');
      assert.ok(Array.isArray(res.body.errors));
    }
  });

  it('is bounded: it keeps the last journalSize requests, and cuts bodies above 64 KiB', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    for (let i = 0; i < 60; i += 1) await t.request('GET', '/user', { token: seed.ownerToken });
    const all = await t.request('GET', `${API}/requests?limit=1000`, { token: admin });
    assert.equal(all.body.requests.length, 50);
    const big = 'x'.repeat(100 * 1024);
    const res = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken, body: { name: 'big', visibility: 'all', padding: big } });
    assert.ok(res.status < 500);
    const [entry] = (await t.request('GET', `${API}/requests?limit=1`, { token: admin })).body.requests;
    assert.equal(entry.request.body_truncated, true);
    assert.equal(typeof entry.request.body, 'string');
    assert.ok(entry.request.body.length <= 64 * 1024);
  });

  it('streams each new request as a server-sent `request` event, with the same filters', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.url}${API}/requests/stream?tenant=${seed.enterprise.slug}`, { headers: { authorization: `Bearer ${admin}` }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await t.request('GET', `/enterprises/${other.enterprise.slug}/actions/runners`, { token: other.ownerToken });
    await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runners`, { token: seed.ownerToken });
    while (!text.includes('event: request')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    controller.abort();
    const events = text.split('\n\n').filter((block) => block.includes('event: request'));
    assert.equal(events.length, 1);
    const data = JSON.parse(/^data: (.*)$/m.exec(events[0] ?? '')?.[1] ?? 'null');
    assert.equal(data.tenant, seed.enterprise.slug);
    assert.equal(data.path, `/enterprises/${seed.enterprise.slug}/actions/runners`);
    // Anonymous callers get no stream.
    assert.equal((await t.request('GET', `${API}/requests/stream`)).status, 404);
  });
});
