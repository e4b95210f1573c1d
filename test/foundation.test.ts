/**
 * The REST conventions every route shares, and the site-admin endpoints that bootstrap a deployment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasValidChecksum } from '../src/auth/tokens.ts';
import { findUserByLogin } from '../src/domain/accounts/accounts.ts';
import { postgresUrl, startTestApp, storageKind, userWithToken, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

describe(`foundation (${storageKind})`, () => {
  let t: TestApp;
  let adminToken: string;

  before(async () => {
    t = await startTestApp();
    ({ token: adminToken } = await userWithToken(t.ctx, ['site_admin', 'admin:enterprise'], { siteAdmin: true }));
  });
  after(() => t.close());

  it(
    'runs the suite on PostgreSQL',
    { skip: postgresUrl === undefined ? 'DATABASE_URL is not a postgres:// URL, so this run uses SQLite only; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run every test on PostgreSQL' : false },
    async () => {
      assert.equal(t.ctx.dialect, 'postgres');
      const row = await t.ctx.db.selectFrom('enterprises').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(row.n), 0);
    },
  );

  it('mints classic-format tokens with a valid checksum', () => {
    assert.match(adminToken, /^ghp_[A-Za-z0-9]{36}$/);
    assert.ok(hasValidChecksum(adminToken));
    assert.equal(hasValidChecksum(`${adminToken.slice(0, -1)}${adminToken.endsWith('A') ? 'B' : 'A'}`), false);
  });

  it('answers 401 for a missing token and Bad credentials for an unknown one', async () => {
    const missing = await t.request('GET', '/user');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.message, 'Requires authentication');
    assert.equal(missing.body.status, '401');
    const wrong = await t.request('GET', '/user', { token: 'ghp_notarealtoken' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.message, 'Bad credentials');
    const tokenScheme = await t.request('GET', '/user', { headers: { authorization: `token ${adminToken}` } });
    assert.equal(tokenScheme.status, 200);
  });

  it('sends rate-limit, scope and version headers', async () => {
    const res = await t.request('GET', '/user', { token: adminToken });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit'), '5000');
    assert.equal(res.headers.get('x-ratelimit-resource'), 'core');
    const used = Number(res.headers.get('x-ratelimit-used'));
    assert.ok(used >= 1);
    assert.equal(Number(res.headers.get('x-ratelimit-remaining')), 5000 - used);
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    const nowSeconds = t.clock.now().getTime() / 1000;
    assert.ok(reset > nowSeconds && reset <= nowSeconds + 3600, 'reset is within the hour');
    assert.equal(res.headers.get('x-oauth-scopes'), 'site_admin, admin:enterprise');
    assert.equal(res.headers.get('x-github-api-version-selected'), '2022-11-28');
    const newer = await t.request('GET', '/user', { token: adminToken, headers: { 'x-github-api-version': '2026-03-10' } });
    assert.equal(newer.headers.get('x-github-api-version-selected'), '2026-03-10');
  });

  it('rejects an unknown API version with 400 listing the supported ones', async () => {
    const res = await t.request('GET', '/user', { token: adminToken, headers: { 'x-github-api-version': 'v3' } });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /"v3", is not a supported version/);
    assert.match(res.body.message, /"2026-03-10" \(most recent\), "2022-11-28"/);
  });

  it('answers 404 with GitHub body for unknown paths, trailing slashes and unsupported methods', async () => {
    for (const [method, path] of [['GET', '/nope'], ['GET', '/user/'], ['DELETE', '/user']] as const) {
      const res = await t.request(method, path, { token: adminToken });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.body, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    }
  });

  it('gives 404s the same headers as routed responses, and checks the API version there too', async () => {
    const before = await t.request('GET', '/nope');
    const res = await t.request('GET', '/nope');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-github-media-type'), 'github.v3; format=json');
    assert.equal(res.headers.get('x-github-api-version-selected'), '2022-11-28');
    assert.equal(res.headers.get('x-ratelimit-resource'), 'core');
    assert.equal(Number(res.headers.get('x-ratelimit-used')), Number(before.headers.get('x-ratelimit-used')) + 1, 'counted against the address');
    const badVersion = await t.request('GET', '/nope', { headers: { 'x-github-api-version': '1999-01-01' } });
    assert.equal(badVersion.status, 400);
    assert.match(badVersion.body.message, /"1999-01-01", is not a supported version/);
  });

  it('names every response with a distinct X-GitHub-Request-Id in GitHub shape', async () => {
    const ids = new Set<string>();
    for (const path of ['/user', '/nope', '/user', '/enterprises/none/actions/runners']) {
      const res = await t.request('GET', path, { token: adminToken });
      const id = res.headers.get('x-github-request-id') ?? '';
      assert.match(id, /^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]+$/, `${path}: ${id}`);
      ids.add(id);
    }
    assert.equal(ids.size, 4);
  });

  it('applies the conventions to the HEAD twin of every GET route', async () => {
    const anonymous = await t.request('HEAD', '/user');
    assert.equal(anonymous.status, 401);
    const res = await t.request('HEAD', '/user', { token: adminToken });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-oauth-scopes'), 'site_admin, admin:enterprise');
    assert.ok(res.headers.get('x-github-request-id') !== null);
  });

  it('serves every route under /api/v3 too, with GHES-style URLs', async () => {
    const res = await t.request('GET', '/api/v3/user', { token: adminToken });
    assert.equal(res.status, 200);
    assert.ok(String(res.body.url).startsWith(`${t.url}/api/v3/users/`));
  });

  it('creates users (POST /admin/users) in GitHub shape, and refuses duplicates and bad input', async () => {
    const res = await t.request('POST', '/admin/users', { token: adminToken, body: { login: 'mona', email: 'mona@example.com' } });
    assert.equal(res.status, 201);
    assertSchema('ghes-3.19', 'POST', '/admin/users', 201, res.body);
    assert.equal(res.body.login, 'mona');
    assert.ok((await findUserByLogin(t.ctx.db, 'MONA')) !== undefined);

    const dup = await t.request('POST', '/admin/users', { token: adminToken, body: { login: 'Mona' } });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.message, 'Validation Failed');
    assert.equal(dup.body.errors[0].code, 'already_exists');

    const malformed = await t.request('POST', '/admin/users', { token: adminToken, rawBody: '{"login":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.message, 'Problems parsing JSON');

    const notObject = await t.request('POST', '/admin/users', { token: adminToken, body: ['x'] });
    assert.equal(notObject.status, 400);
    assert.equal(notObject.body.message, 'Body should be a JSON object');

    const wrongType = await t.request('POST', '/admin/users', { token: adminToken, body: { login: 42 } });
    assert.equal(wrongType.status, 422);
    assert.match(wrongType.body.message, /^Invalid request/);

    const badLogin = await t.request('POST', '/admin/users', { token: adminToken, body: { login: '-bad-' } });
    assert.equal(badLogin.status, 422);
    assert.equal(await findUserByLogin(t.ctx.db, '-bad-'), undefined);
  });

  it('hides site-admin endpoints from others (404) and demands the site_admin scope (403)', async () => {
    const { token: plain } = await userWithToken(t.ctx, ['admin:enterprise']);
    const hidden = await t.request('POST', '/admin/users', { token: plain, body: { login: 'eve' } });
    assert.equal(hidden.status, 404);
    const { token: scopeless } = await userWithToken(t.ctx, ['read:org'], { siteAdmin: true });
    const forbidden = await t.request('POST', '/admin/users', { token: scopeless, body: { login: 'eve' } });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.get('x-accepted-oauth-scopes'), 'site_admin');
    assert.equal(await findUserByLogin(t.ctx.db, 'eve'), undefined);
  });

  it('bootstraps an enterprise, an organization and a token through the admin API', async () => {
    const user = await t.request('POST', '/admin/users', { token: adminToken, body: { login: 'octo-owner' } });
    assert.equal(user.status, 201);
    const ent = await t.request('POST', '/admin/enterprises', { token: adminToken, body: { slug: 'octo-corp', kind: 'managed', owner: 'octo-owner' } });
    assert.equal(ent.status, 201);
    assert.equal(ent.body.slug, 'octo-corp');
    assert.equal(ent.body.kind, 'managed');
    const org = await t.request('POST', '/admin/organizations', { token: adminToken, body: { login: 'octo-org', admin: 'octo-owner', enterprise: 'octo-corp' } });
    assert.equal(org.status, 201);
    assertSchema('ghes-3.19', 'POST', '/admin/organizations', 201, org.body);
    const auth = await t.request('POST', '/admin/users/octo-owner/authorizations', { token: adminToken, body: { scopes: ['admin:enterprise'] } });
    assert.equal(auth.status, 201);
    assertSchema('ghes-3.19', 'POST', '/admin/users/{username}/authorizations', 201, auth.body);
    assert.ok(hasValidChecksum(auth.body.token));
    const me = await t.request('GET', '/user', { token: auth.body.token });
    assert.equal(me.body.login, 'octo-owner');
    assertSchema('ghec', 'GET', '/user', 200, me.body);
    const other = await t.request('GET', '/users/octo-owner', { token: adminToken });
    assertSchema('ghec', 'GET', '/users/{username}', 200, other.body);
    assert.equal('suspended_at' in other.body, false);
    assert.equal((await t.request('GET', '/users/nobody-here', { token: adminToken })).status, 404);
    assert.equal(me.headers.get('x-oauth-scopes'), 'admin:enterprise');

    const unknownScope = await t.request('POST', '/admin/users/octo-owner/authorizations', { token: adminToken, body: { scopes: ['admin:everything'] } });
    assert.equal(unknownScope.status, 422);
  });
});
