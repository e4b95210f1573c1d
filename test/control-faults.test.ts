/**
 * Test controls, part 2: fault rules — created, listed, deleted; matched by method, path glob, tenant and token;
 * answered with GitHub's bodies (429 with Retry-After and x-ratelimit-*, 5xx), latency, dropped connections, `times`
 * and `probability`; each marked in the journal; and what octokit sees.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { RequestError } from '@octokit/request-error';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';

const API = '/_gatehouse/api';

describe(`control API: fault rules (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  let seed: SeededEnterprise;
  let other: SeededEnterprise;
  before(async () => {
    t = await startTestApp();
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true }));
    seed = await seedEnterprise(t.ctx);
    other = await seedEnterprise(t.ctx);
  });
  after(() => t.close());
  beforeEach(async () => {
    assert.equal((await t.request('DELETE', `${API}/faults`, { token: admin })).status, 204);
  });

  const addFault = async (rule: Record<string, unknown>): Promise<any> => {
    const res = await t.request('POST', `${API}/faults`, { token: admin, body: rule });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const runners = (s: SeededEnterprise = seed, token = s.ownerToken, prefix = ''): Promise<any> =>
    t.request('GET', `${prefix}/enterprises/${s.enterprise.slug}/actions/runners`, { token });

  it('creates (201, with id and fired), lists, shows and deletes (204) rules', async () => {
    const rule = await addFault({ method: 'get', path: '/enterprises/*/actions/runners', status: 503, times: 2 });
    assert.equal(typeof rule.id, 'number');
    assert.equal(rule.fired, 0);
    assert.equal(rule.method, 'GET');
    assert.equal(rule.status, 503);
    assert.equal(rule.times, 2);
    assert.equal(rule.remaining, 2);
    const listed = await t.request('GET', `${API}/faults`, { token: admin });
    assert.deepEqual(listed.body.faults, [rule]);
    assert.deepEqual((await t.request('GET', `${API}/faults/${rule.id}`, { token: admin })).body, rule);
    assert.equal((await t.request('DELETE', `${API}/faults/${rule.id}`, { token: admin })).status, 204);
    assert.equal((await t.request('DELETE', `${API}/faults/${rule.id}`, { token: admin })).status, 404);
    assert.equal((await t.request('GET', `${API}/faults/${rule.id}`, { token: admin })).status, 404);
    assert.deepEqual((await t.request('GET', `${API}/faults`, { token: admin })).body.faults, []);
    assert.equal((await runners()).status, 200, 'a deleted rule no longer fires');
  });

  it('answers 429 with GitHub’s secondary-rate-limit body, Retry-After and x-ratelimit-*, as octokit sees it; after `times` the next request succeeds', async () => {
    const rule = await addFault({ path: '/enterprises/**', status: 429, times: 1, retry_after: 30 });
    const octokit = octokitFor(t.url, seed.ownerToken);
    const error = await octokit.request('GET /enterprises/{enterprise}/actions/runners', { enterprise: seed.enterprise.slug }).then(
      () => assert.fail('expected a 429'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 429);
    const headers = error.response?.headers ?? {};
    assert.equal(headers['retry-after'], '30');
    assert.equal(headers['x-ratelimit-remaining'], '0');
    assert.equal(headers['x-ratelimit-limit'], '5000');
    assert.ok(Number(headers['x-ratelimit-reset']) >= Math.floor(t.clock.now().getTime() / 1000) + 30);
    assert.equal(headers['x-ratelimit-resource'], 'core');
    assert.ok(typeof headers['x-github-request-id'] === 'string');
    const data = error.response?.data as { message: string; documentation_url: string };
    assert.match(data.message, /^You have exceeded a secondary rate limit/);
    assert.match(data.message, new RegExp(String(headers['x-github-request-id'])));
    assert.match(data.documentation_url, /secondary-rate-limits/);

    const ok = await octokit.request('GET /enterprises/{enterprise}/actions/runners', { enterprise: seed.enterprise.slug });
    assert.equal(ok.status, 200);
    const after = (await t.request('GET', `${API}/faults/${rule.id}`, { token: admin })).body;
    assert.equal(after.fired, 1);
    assert.equal(after.remaining, 0);
  });

  it('octokit without the retry plugin (the default @octokit/rest) does not retry a 5xx: one request, the error surfaces', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    await addFault({ path: '/enterprises/*/actions/runners', status: 502 });
    const octokit = new Octokit({ baseUrl: t.url, auth: seed.ownerToken, log: { debug() {}, info() {}, warn() {}, error() {} } });
    await assert.rejects(octokit.request('GET /enterprises/{enterprise}/actions/runners', { enterprise: seed.enterprise.slug }), (e: RequestError) => e.status === 502);
    const journal = (await t.request('GET', `${API}/requests`, { token: admin })).body.requests;
    assert.equal(journal.length, 1);
    assert.equal(journal[0].faulted, true);
    assert.equal(journal[0].status, 502);
  });

  it('answers 500, 502 and 503 with GitHub’s bodies; 503 with Retry-After', async () => {
    for (const [status, message] of [
      [500, 'Server Error'],
      [502, 'Server Error'],
      [503, 'Service Unavailable'],
    ] as const) {
      await t.request('DELETE', `${API}/faults`, { token: admin });
      await addFault({ path: '/enterprises/*/actions/runners', status });
      const res = await runners();
      assert.equal(res.status, status);
      assert.equal(res.body.message, message);
      assert.equal(res.body.status, String(status));
      assert.equal(typeof res.body.documentation_url, 'string');
      assert.equal(res.headers.get('retry-after'), status === 503 ? '60' : null);
    }
  });

  it('matches by method, path glob (`*` within a segment, `**` across; also under /api/v3), tenant and token', async () => {
    await addFault({ method: 'POST', path: '/enterprises/*/actions/runners', status: 500 });
    assert.equal((await runners()).status, 200, 'method differs');
    await t.request('DELETE', `${API}/faults`, { token: admin });

    await addFault({ path: '/enterprises/*/actions/runners', status: 500 });
    assert.equal((await runners()).status, 500);
    assert.equal((await runners(seed, seed.ownerToken, '/api/v3')).status, 500);
    assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken })).status, 200, '* stays in its segment');
    await t.request('DELETE', `${API}/faults`, { token: admin });

    await addFault({ path: '/enterprises/**', status: 500 });
    assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runner-groups/1`, { token: seed.ownerToken })).status, 500, '** crosses segments');
    assert.equal((await t.request('GET', '/user', { token: seed.ownerToken })).status, 200);
    await t.request('DELETE', `${API}/faults`, { token: admin });

    await addFault({ path: '/**', tenant: other.enterprise.slug, status: 503 });
    assert.equal((await runners()).status, 200, 'other tenant');
    assert.equal((await runners(other)).status, 503);
    await t.request('DELETE', `${API}/faults`, { token: admin });

    const { token: second } = await userWithToken(t.ctx, ['admin:enterprise']);
    await addFault({ path: '/**', token: second, status: 500 });
    assert.equal((await runners()).status, 200, 'other token');
    assert.equal((await t.request('GET', '/user', { token: second })).status, 500);
    const listed = (await t.request('GET', `${API}/faults`, { token: admin })).body.faults;
    assert.equal(listed[0].token, second.slice(-8), 'the token is never shown whole');
    assert.ok(!JSON.stringify(listed).includes(second));
  });

  it('adds latency before the normal answer, and marks the request in the journal', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    await addFault({ path: '/enterprises/*/actions/runners', delay_ms: 300, times: 1 });
    const started = performance.now();
    const res = await runners();
    const took = performance.now() - started;
    assert.equal(res.status, 200);
    assert.ok(took >= 290, `took ${took} ms`);
    const [entry] = (await t.request('GET', `${API}/requests?faulted=true`, { token: admin })).body.requests;
    assert.equal(entry.status, 200);
    assert.deepEqual(entry.fault, { rule: entry.fault.rule, action: 'delay' });
    assert.ok(entry.duration_ms >= 290);
  });

  it('drops the connection, and journals the dropped request', async () => {
    await t.request('DELETE', `${API}/requests`, { token: admin });
    await addFault({ path: '/enterprises/*/actions/runners', drop: true, times: 1 });
    await assert.rejects(runners());
    assert.equal((await runners()).status, 200, 'the next request is answered');
    const journal = (await t.request('GET', `${API}/requests`, { token: admin })).body.requests;
    assert.equal(journal.length, 2);
    assert.equal(journal[1].faulted, true);
    assert.equal(journal[1].fault.action, 'drop');
    assert.equal(journal[1].status, 0);
    assert.equal(journal[0].faulted, false);
  });

  it('fires with a probability', async () => {
    const rule = await addFault({ path: '/user', status: 500, probability: 0.5 });
    let failed = 0;
    for (let i = 0; i < 200; i += 1) if ((await t.request('GET', '/user', { token: seed.ownerToken })).status === 500) failed += 1;
    assert.ok(failed > 50 && failed < 150, `${failed} of 200`);
    assert.equal((await t.request('GET', `${API}/faults/${rule.id}`, { token: admin })).body.fired, failed);
  });

  it('never applies to the control API itself', async () => {
    await addFault({ path: '/**', status: 503 });
    assert.equal((await t.request('GET', `${API}/faults`, { token: admin })).status, 200);
    assert.equal((await runners()).status, 503);
  });

  it('rejects invalid rules with 422 (400 for a body that is not an object) and creates nothing', async () => {
    const bad: unknown[] = [
      { status: 500 },
      { path: 'enterprises', status: 500 },
      { path: '/x', status: 200 },
      { path: '/x', status: '500' },
      { path: '/x' },
      { path: '/x', delay_ms: -1 },
      { path: '/x', drop: true, status: 500 },
      { path: '/x', status: 500, times: 0 },
      { path: '/x', status: 500, probability: 0 },
      { path: '/x', status: 500, probability: 2 },
      { path: '/x', status: 500, method: 'FETCH' },
      { path: '/x', status: 500, colour: 'red' },
    ];
    for (const body of bad) {
      const res = await t.request('POST', `${API}/faults`, { token: admin, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(res.body.message, 'Validation Failed');
    }
    assert.equal((await t.request('POST', `${API}/faults`, { token: admin, body: [1] })).status, 400);
    assert.equal((await t.request('POST', `${API}/faults`, { token: admin, rawBody: '{' })).status, 400);
    assert.deepEqual((await t.request('GET', `${API}/faults`, { token: admin })).body.faults, []);
  });
});
