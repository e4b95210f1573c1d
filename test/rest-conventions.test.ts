/**
 * GitHub's REST conventions on every response (rate-limit headers counted per caller, `X-OAuth-Scopes`), the API's
 * own documents (root, `/rate_limit`, `/meta`), every `*_url` Gatehouse emits resolving, and whose email
 * `GET /users/{username}` shows.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createAccessToken, createEnterprise, createOrganization } from '../src/domain/accounts/accounts.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

function rate(res: ApiResponse): { used: number; remaining: number; limit: number; resource: string | null } {
  const used = res.headers.get('x-ratelimit-used');
  assert.ok(used !== null, `x-ratelimit-used on ${res.status} ${res.text.slice(0, 200)}`);
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-resource']) {
    assert.ok(res.headers.get(name) !== null, `${name} on ${res.status}`);
  }
  return {
    used: Number(used),
    remaining: Number(res.headers.get('x-ratelimit-remaining')),
    limit: Number(res.headers.get('x-ratelimit-limit')),
    resource: res.headers.get('x-ratelimit-resource'),
  };
}

/** A request with a declared body larger than the limit: Fastify answers 413 from the header, before reading it. */
function oversized(url: string, path: string, token: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(65 * 1024 * 1024) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write('{');
  });
}

describe(`REST conventions (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  describe('rate-limit headers and X-OAuth-Scopes on every response, counted per caller', () => {
    it('401s, the 400 of an unsupported API version, and parse errors carry x-ratelimit-*', async () => {
      const missing = await t.request('GET', '/user');
      assert.equal(missing.status, 401);
      rate(missing);
      assert.equal(missing.headers.get('x-oauth-scopes'), null);

      const bad = await t.request('GET', '/user', { token: 'ghp_notarealtoken' });
      assert.equal(bad.status, 401);
      assert.equal(bad.body.message, 'Bad credentials');
      rate(bad);
      assert.equal(bad.headers.get('x-oauth-scopes'), null);

      const anonymousVersion = await t.request('GET', '/user', { headers: { 'x-github-api-version': '1999-01-01' } });
      assert.equal(anonymousVersion.status, 400);
      rate(anonymousVersion);

      // With a valid token the 400 is the token's: its scopes, and its own count goes up by one.
      const before = rate(await t.request('GET', '/user', { token: seed.ownerToken }));
      const version = await t.request('GET', '/user', { token: seed.ownerToken, headers: { 'x-github-api-version': '1999-01-01' } });
      assert.equal(version.status, 400);
      assert.match(version.body.message, /is not a supported version/);
      assert.equal(version.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org');
      assert.equal(rate(version).used, before.used + 1);

      const malformed = await t.request('POST', '/orgs/' + seed.org.login + '/teams', { token: seed.ownerToken, rawBody: '{"name":' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.message, 'Problems parsing JSON');
      assert.equal(malformed.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org');
      assert.equal(rate(malformed).used, before.used + 2);

      // Fastify refuses a malformed percent-escape before routing: GitHub's body, the caller's headers all the same.
      const badUrl = await t.request('GET', '/orgs/%zz/teams', { token: seed.ownerToken });
      assert.equal(badUrl.status, 400);
      assert.equal(badUrl.body.status, '400');
      assert.equal(typeof badUrl.body.documentation_url, 'string');
      assert.equal(badUrl.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org');
      assert.equal(rate(badUrl).used, before.used + 3);

      const tooLarge = await oversized(t.url, `/orgs/${seed.org.login}/teams`, seed.ownerToken);
      assert.equal(tooLarge.status, 413);
      assert.equal(JSON.parse(tooLarge.body).status, '413');
      assert.equal(tooLarge.headers['x-oauth-scopes'], 'admin:enterprise, admin:org');
      assert.equal(Number(tooLarge.headers['x-ratelimit-used']), before.used + 4);
      assert.equal(tooLarge.headers['x-ratelimit-resource'], 'core');
    });

    it("a 404 for an unknown route counts against the token's own bucket and names its scopes; without a valid token, the address's", async () => {
      const { token: other } = await userWithToken(t.ctx, ['read:org']);
      const first = rate(await t.request('GET', '/user', { token: seed.ownerToken }));
      const unknown = await t.request('GET', '/no/such/route', { token: seed.ownerToken });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org');
      assert.equal(rate(unknown).used, first.used + 1);

      // Another token from the same address has its own count: the owner's 404 did not touch it.
      const otherFirst = rate(await t.request('GET', '/user', { token: other }));
      const unknownWithSlash = await t.request('GET', '/user/', { token: other });
      assert.equal(unknownWithSlash.status, 404, 'trailing slashes stay 404');
      assert.equal(unknownWithSlash.headers.get('x-oauth-scopes'), 'read:org');
      assert.equal(rate(unknownWithSlash).used, otherFirst.used + 1);

      // Anonymous 404s and bad tokens count against the address, never against a token.
      const anonymous = rate(await t.request('GET', '/no/such/route'));
      const badToken = await t.request('GET', '/no/such/route', { token: 'ghp_notarealtoken' });
      assert.equal(badToken.status, 404);
      assert.equal(badToken.headers.get('x-oauth-scopes'), null);
      assert.equal(rate(badToken).used, anonymous.used + 1);
      assert.equal(rate(await t.request('GET', '/user', { token: seed.ownerToken })).used, first.used + 2);
    });

    it('SCIM responses count in the scim resource, per token, 401s and 404s included', async () => {
      const base = `/scim/v2/enterprises/${seed.enterprise.slug}`;
      const scimHeaders = { accept: 'application/scim+json' };
      const list = await t.request('GET', `${base}/Users`, { token: seed.ownerToken, headers: scimHeaders });
      assert.equal(list.status, 200);
      const first = rate(list);
      assert.equal(first.resource, 'scim');
      assert.equal(list.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org');
      const missing = await t.request('GET', `${base}/Users/nope`, { token: seed.ownerToken, headers: scimHeaders });
      assert.equal(missing.status, 404);
      assert.equal(rate(missing).used, first.used + 1);
      const anonymous = await t.request('GET', `${base}/Users`, { headers: scimHeaders });
      assert.equal(anonymous.status, 401);
      assert.equal(rate(anonymous).resource, 'scim');
      // core is counted apart from scim.
      const core = rate(await t.request('GET', '/user', { token: seed.ownerToken }));
      assert.equal(core.resource, 'core');
    });
  });

  describe('the API root, /rate_limit and /meta', () => {
    it('GET / and GET /api/v3/ answer 200 with X-OAuth-Scopes (what `gh auth status` reads); other trailing slashes stay 404', async () => {
      for (const path of ['/', '/api/v3/', '/api/v3']) {
        const res = await t.request('GET', path, { token: seed.ownerToken });
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get('x-oauth-scopes'), 'admin:enterprise, admin:org', path);
        rate(res);
        const base = path === '/' ? t.url : `${t.url}/api/v3`;
        assert.equal(res.body.current_user_url, `${base}/user`);
        assert.equal(res.body.rate_limit_url, `${base}/rate_limit`);
        const anonymous = await t.request('GET', path);
        assert.equal(anonymous.status, 200);
        assert.equal(anonymous.headers.get('x-oauth-scopes'), null);
        const bad = await t.request('GET', path, { token: 'ghp_notarealtoken' });
        assert.equal(bad.status, 401);
        assert.equal(bad.body.message, 'Bad credentials');
      }
      const withQuery = await t.request('GET', '/api/v3?per_page=1', { token: seed.ownerToken });
      assert.equal(withQuery.body.current_user_url, `${t.url}/api/v3/user`);
      assert.equal((await t.request('GET', '/api/v3/user/', { token: seed.ownerToken })).status, 404);
      assert.equal((await t.request('GET', `/orgs/${seed.org.login}/`, { token: seed.ownerToken })).status, 404);
      // octokit against a GHES-style base URL.
      const octokit = octokitFor(`${t.url}/api/v3`, seed.ownerToken);
      const root = await octokit.request('GET /');
      assert.equal(root.status, 200);
      assert.equal(root.headers['x-oauth-scopes'], 'admin:enterprise, admin:org');
    });

    it('GET /rate_limit reports the caller’s own core and scim counts, in GitHub’s schema, without counting itself', async () => {
      const { token } = await userWithToken(t.ctx, ['read:org']);
      const octokit = octokitFor(t.url, token);
      await octokit.request('GET /user');
      await octokit.request('GET /user');
      const one = await octokit.request('GET /rate_limit');
      const two = await octokit.request('GET /rate_limit');
      assertSchema('ghec', 'GET', '/rate_limit', 200, one.data);
      assert.equal(one.data.resources.core.used, 2);
      assert.equal(two.data.resources.core.used, 2, '/rate_limit does not count against the limit');
      assert.equal(one.data.resources.core.remaining, one.data.resources.core.limit - 2);
      assert.deepEqual(one.data.rate, one.data.resources.core);
      assert.equal(two.headers['x-ratelimit-used'], '2');
      assert.equal(one.data.resources.scim?.used, 0);
      const after = await octokit.request('GET /user');
      assert.equal(after.headers['x-ratelimit-used'], '3');

      // Under /api/v3, in the GHES description; the scim count is the owner's SCIM requests, apart from core.
      const owner = octokitFor(`${t.url}/api/v3`, seed.ownerToken);
      const scimBefore = (await owner.request('GET /rate_limit')).data.resources.scim?.used ?? -1;
      const scim = await t.request('GET', `/scim/v2/enterprises/${seed.enterprise.slug}/Groups`, { token: seed.ownerToken, headers: { accept: 'application/scim+json' } });
      assert.equal(scim.status, 200);
      const ghes = await owner.request('GET /rate_limit');
      assertSchema('ghes-3.19', 'GET', '/rate_limit', 200, ghes.data);
      assert.equal(ghes.data.resources.scim?.used, scimBefore + 1);
      assert.equal(ghes.data.resources.scim?.used, Number(scim.headers.get('x-ratelimit-used')));

      // API version 2026-03-10 drops `rate`.
      const newer = await t.request('GET', '/rate_limit', { token, headers: { 'x-github-api-version': '2026-03-10' } });
      assert.equal(newer.status, 200);
      assert.equal(newer.body.rate, undefined);
      assert.equal(newer.body.resources.core.used, 3);

      // Anonymous: the address's own counts.
      const anonymous = await t.request('GET', '/rate_limit');
      assert.equal(anonymous.status, 200);
      assertSchema('ghec', 'GET', '/rate_limit', 200, anonymous.body);
    });

    it('GET /meta answers in GitHub’s schema, with installed_version under /api/v3', async () => {
      const ghes = await octokitFor(`${t.url}/api/v3`, seed.ownerToken).request('GET /meta');
      assertSchema('ghes-3.19', 'GET', '/meta', 200, ghes.data);
      assert.equal((ghes.data as { installed_version?: string }).installed_version, '3.19.0');
      const root = await t.request('GET', '/meta');
      assert.equal(root.status, 200);
      assertSchema('ghec', 'GET', '/meta', 200, root.body);
      assert.equal(root.body.installed_version, undefined);
      rate(root);
    });
  });

  describe('GET /user and GET /users/{username}', () => {
    it('any authenticated user may call them; another account’s email is shown only to itself and site administrators', async () => {
      // A managed enterprise provisions a user with a work email from its identity provider.
      const idp = await seedEnterprise(t.ctx, { kind: 'managed' });
      const provisioned = await t.request('POST', `/scim/v2/enterprises/${idp.enterprise.slug}/Users`, {
        token: idp.ownerToken,
        headers: { 'content-type': 'application/scim+json', accept: 'application/scim+json' },
        body: {
          schemas: [SCIM_USER],
          externalId: 'work-1',
          userName: 'adele.vance@contoso.example',
          displayName: 'Adele Vance',
          emails: [{ value: 'adele.vance@contoso.example', type: 'work', primary: true }],
          roles: [{ value: 'user' }],
        },
      });
      assert.equal(provisioned.status, 201, provisioned.text);
      const row = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'adele.vance@contoso.example').executeTakeFirstOrThrow();
      const { token: adeleToken } = await createAccessToken(t.ctx, row, [], null, null);

      // Another tenant's owner (no scopes needed, no site administration): profile yes, email no.
      const { token: outsider } = await userWithToken(t.ctx, []);
      const seen = await octokitFor(t.url, outsider).request('GET /users/{username}', { username: row.login });
      assertSchema('ghec', 'GET', '/users/{username}', 200, seen.data);
      assert.equal(seen.data.login, row.login);
      assert.equal(seen.data.email, null);
      const byOtherOwner = await t.request('GET', `/users/${row.login}`, { token: seed.ownerToken });
      assert.equal(byOtherOwner.status, 200);
      assert.equal(byOtherOwner.body.email, null);

      // The account itself sees its address, in GET /user and GET /users/{username}.
      const self = await octokitFor(t.url, adeleToken).request('GET /user');
      assert.equal(self.data.email, 'adele.vance@contoso.example');
      assertSchema('ghec', 'GET', '/user', 200, self.data);
      assert.equal((await t.request('GET', `/users/${row.login}`, { token: adeleToken })).body.email, 'adele.vance@contoso.example');

      // A site administrator with site_admin sees it; without the scope, not.
      const { token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true });
      assert.equal((await t.request('GET', `/users/${row.login}`, { token: admin })).body.email, 'adele.vance@contoso.example');
      const { token: adminWithoutScope } = await userWithToken(t.ctx, ['read:org'], { siteAdmin: true });
      assert.equal((await t.request('GET', `/users/${row.login}`, { token: adminWithoutScope })).body.email, null);

      // Lists (organization members) show no address either.
      const members = await t.request('GET', `/orgs/${idp.org.login}/members`, { token: idp.ownerToken });
      assert.equal(members.status, 200);
      for (const member of members.body as Array<{ email: unknown }>) assert.equal(member.email, null);
    });
  });

  describe('every URL Gatehouse emits resolves', () => {
    /** Every `url`, `*_url`, `$ref` and `location` string in a JSON document. */
    function urlsIn(value: unknown, out: Set<string>, key = ''): Set<string> {
      if (typeof value === 'string') {
        if ((key === 'url' || key.endsWith('_url') || key === '$ref' || key === 'location') && /^https?:\/\//.test(value)) out.add(value);
      } else if (Array.isArray(value)) {
        for (const item of value) urlsIn(item, out, key);
      } else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) urlsIn(v, out, k);
      }
      return out;
    }

    /** RFC 6570 templates as GitHub writes them: optional `{/x}` and `{?x}` parts expand to nothing. */
    function expand(template: string, values: Record<string, string>): string {
      return template.replace(/\{[/?][^}]*\}/g, '').replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
    }

    it('follows every url field of a representative response of every route family with the owner token: none is 404', async () => {
      const owner = seed.ownerToken;
      const { token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true });
      const slug = seed.enterprise.slug;
      const org = seed.org.login;
      const responses: Array<[string, ApiResponse]> = [];
      const record = async (label: string, res: Promise<ApiResponse<any>>): Promise<ApiResponse<any>> => {
        const done = await res;
        assert.ok(done.status < 300, `${label}: ${done.status} ${done.text.slice(0, 300)}`);
        responses.push([label, done]);
        return done;
      };

      // A managed enterprise the same owner owns, with an organization, a SCIM user and a SCIM group.
      const managed = await createEnterprise(t.ctx, { slug: `emu${Date.now() % 100000}`, kind: 'managed', ownerLogin: seed.owner.login }, null);
      const managedOrg = await createOrganization(t.ctx, { login: `emu-org-${Date.now() % 100000}`, enterpriseSlug: managed.slug, adminLogin: seed.owner.login }, null);
      const scim = { 'content-type': 'application/scim+json', accept: 'application/scim+json' };
      const scimUser = await record(
        'SCIM user',
        t.request('POST', `/scim/v2/enterprises/${managed.slug}/Users`, {
          token: owner,
          headers: scim,
          body: { schemas: [SCIM_USER], externalId: 'u-1', userName: 'walker@example.com', displayName: 'Walker', emails: [{ value: 'walker@example.com', type: 'work', primary: true }] },
        }),
      );
      await record(
        'SCIM group',
        t.request('POST', `/scim/v2/enterprises/${managed.slug}/Groups`, {
          token: owner,
          headers: scim,
          body: { schemas: [SCIM_GROUP], externalId: 'g-1', displayName: 'Walkers', members: [{ value: scimUser.body.id }] },
        }),
      );

      // Administration: users, organizations, enterprises, tokens.
      const created = await record('admin user', t.request('POST', '/admin/users', { token: admin, body: { login: `invitee${Date.now() % 100000}` } }));
      await record('admin organization', t.request('POST', '/admin/organizations', { token: admin, body: { login: `adm-org-${Date.now() % 100000}`, admin: seed.owner.login } }));
      await record('admin enterprise', t.request('POST', '/admin/enterprises', { token: admin, body: { slug: `adm-ent-${Date.now() % 100000}`, owner: seed.owner.login } }));
      await record('admin token', t.request('POST', `/admin/users/${seed.owner.login}/authorizations`, { token: admin, body: { scopes: ['read:org'] } }));
      await record('user', t.request('GET', '/user', { token: owner }));
      await record('users/{username}', t.request('GET', `/users/${seed.owner.login}`, { token: owner }));

      // Organizations and teams, an invitation included.
      await record('org', t.request('GET', `/orgs/${org}`, { token: owner }));
      await record('org members', t.request('GET', `/orgs/${org}/members`, { token: owner }));
      await record('org membership', t.request('GET', `/orgs/${org}/memberships/${seed.owner.login}`, { token: owner }));
      const team = await record('team', t.request('POST', `/orgs/${org}/teams`, { token: owner, body: { name: 'Walkers', privacy: 'closed' } }));
      const child = await record('child team', t.request('POST', `/orgs/${org}/teams`, { token: owner, body: { name: 'Walker kids', parent_team_id: team.body.id } }));
      await record('teams', t.request('GET', `/orgs/${org}/teams`, { token: owner }));
      await record('team members', t.request('GET', `/orgs/${org}/teams/${team.body.slug}/members`, { token: owner }));
      await record('team membership', t.request('PUT', `/orgs/${org}/teams/${child.body.slug}/memberships/${created.body.login}`, { token: owner, body: {} }));
      await record('invitations', t.request('GET', `/orgs/${org}/invitations`, { token: owner }));
      await record('external groups', t.request('GET', `/orgs/${managedOrg.login}/external-groups`, { token: owner }));

      // Runners, runner groups, billing, audit log.
      await record('runner group', t.request('POST', `/enterprises/${slug}/actions/runner-groups`, { token: owner, body: { name: 'walk', visibility: 'selected' } }));
      await record('runner groups', t.request('GET', `/enterprises/${slug}/actions/runner-groups`, { token: owner }));
      await record('runners', t.request('GET', `/enterprises/${slug}/actions/runners`, { token: owner }));
      await record('runner downloads', t.request('GET', `/enterprises/${slug}/actions/runners/downloads`, { token: owner }));
      await record('billing', t.request('GET', `/enterprises/${slug}/settings/billing/actions`, { token: owner }));
      await record('audit log', t.request('GET', `/enterprises/${slug}/audit-log`, { token: owner }));

      // The API root, both ways.
      const values = { org, user: seed.owner.login };
      for (const path of ['/', '/api/v3/']) {
        const root = await record(`root ${path}`, t.request('GET', path, { token: owner }));
        for (const [key, template] of Object.entries(root.body as Record<string, string>)) (root.body as Record<string, string>)[key] = expand(template, values);
      }
      // The same responses under /api/v3 point there.
      await record('user (GHES)', t.request('GET', '/api/v3/user', { token: owner }));
      await record('team (GHES)', t.request('GET', `/api/v3/orgs/${org}/teams/${team.body.slug}`, { token: owner }));

      const origin = new URL(t.url).origin;
      const urls = new Set<string>();
      for (const [, res] of responses) urlsIn(res.body, urls);
      const local = [...urls].map((u) => expand(u, values)).filter((u) => new URL(u).origin === origin);
      assert.ok(local.length >= 40, `collected ${local.length} URLs`);
      for (const kind of ['avatars/u/', 'avatars/o/', 'avatars/e/', '/authorizations/', `/${seed.owner.login}`, `/enterprises/${slug}`]) {
        assert.ok(local.some((u) => u.includes(kind)), `a ${kind} URL was collected`);
      }

      const broken: string[] = [];
      for (const url of local) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${owner}`, accept: 'application/vnd.github+json, application/scim+json' } });
        await res.arrayBuffer();
        if (res.status === 404 || res.status >= 500) broken.push(`${res.status} ${url}`);
      }
      assert.deepEqual(broken, []);
    });

    it('the token url answers GitHub’s authorization shape to its own user and site administrators, 404 to others', async () => {
      const { token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true });
      const minted = await t.request('POST', `/admin/users/${seed.owner.login}/authorizations`, { token: admin, body: { scopes: ['read:org'], note: 'walk' } });
      assert.equal(minted.status, 201);
      assertSchema('ghes-3.19', 'POST', '/admin/users/{username}/authorizations', 201, minted.body);
      const path = new URL(minted.body.url).pathname;
      const own = await t.request('GET', path, { token: seed.ownerToken });
      assert.equal(own.status, 200);
      assertSchema('ghes-3.19', 'GET', '/authorizations/{authorization_id}', 200, own.body);
      assert.equal(own.body.id, minted.body.id);
      assert.equal(own.body.token, '', 'the secret is shown only when minted');
      assert.equal(own.body.token_last_eight, minted.body.token.slice(-8));
      assert.deepEqual(own.body.scopes, ['read:org']);
      assert.equal(own.body.note, 'walk');
      assert.equal((await t.request('GET', path, { token: admin })).status, 200);
      const { token: stranger } = await userWithToken(t.ctx, ['admin:org']);
      assert.equal((await t.request('GET', path, { token: stranger })).status, 404);
      assert.equal((await t.request('GET', '/authorizations/999999999', { token: seed.ownerToken })).status, 404);
      assert.equal((await t.request('GET', '/authorizations/nope', { token: seed.ownerToken })).status, 404);
    });

    it('html_url pages: users and organizations public, an enterprise only for its members', async () => {
      const user = await fetch(`${t.url}/${seed.owner.login}`);
      assert.equal(user.status, 200);
      assert.match(user.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await user.text(), new RegExp(seed.owner.login));
      const avatar = await fetch(`${t.url}/avatars/u/${seed.owner.id}`);
      assert.equal(avatar.status, 200);
      assert.equal(avatar.headers.get('content-type'), 'image/svg+xml');
      assert.match(await avatar.text(), /^<svg /);
      assert.equal((await fetch(`${t.url}/avatars/u/999999999`)).status, 404);
      assert.equal((await t.request('GET', '/no-such-login-anywhere')).status, 404);
      assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}`)).status, 404, 'anonymous');
      const { token: stranger } = await userWithToken(t.ctx, ['admin:enterprise']);
      assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}`, { token: stranger })).status, 404);
      assert.equal((await t.request('GET', `/enterprises/${seed.enterprise.slug}`, { token: seed.ownerToken })).status, 200);
    });
  });
});
