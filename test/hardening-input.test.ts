/**
 * Hardening against bad input (issue 11, items 3–5), on the store under test (SQLite, or PostgreSQL with
 * DATABASE_URL): a NUL character in a body string, a path segment or a query value is a 400 in the surface's own
 * error shape and stores nothing; a SCIM filter is bounded by what both stores can run (MAX_FILTER_TERMS), one term
 * more is `400 invalidFilter`; and every GET route walked from the OpenAPI description answers out-of-range, negative,
 * fractional and non-numeric `page`, `per_page`, `startIndex` and `count` without a 5xx, as GitHub does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
const MAX_FILTER_TERMS = 250;
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

describe(`Hardening: bad input (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let scimBase: string;

  const scim = (method: string, path: string, body?: unknown): Promise<ApiResponse<any>> =>
    t.request(method, `${scimBase}${path}`, {
      token: seed.ownerToken,
      headers: { accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body }),
    });
  const rest = (method: string, path: string, body?: unknown): Promise<ApiResponse<any>> =>
    t.request(method, path, { token: seed.ownerToken, ...(body === undefined ? {} : { body }) });

  function assertScimError(res: ApiResponse<any>, status: number, scimType: string): void {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
    assert.equal(res.body.status, status);
    assert.equal(res.body.scimType, scimType);
    assert.equal(typeof res.body.detail, 'string');
  }

  function assertRestError(res: ApiResponse<any>, status: number): void {
    assert.equal(res.status, status, res.text);
    assert.equal(typeof res.body.message, 'string');
    assert.match(res.body.documentation_url, /^https:\/\/docs\.github\.com\//);
    assert.ok(res.headers.get('x-ratelimit-limit') !== null);
  }

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'managed' });
    scimBase = `/scim/v2/enterprises/${seed.enterprise.slug}`;
  });
  after(async () => {
    await t.close();
  });

  describe('a NUL character (U+0000)', () => {
    it('in a SCIM body string is 400 invalidValue and creates nobody', async () => {
      const res = await scim('POST', '/Users', { schemas: [USER_SCHEMA], externalId: 'nul-1', userName: 'mona\u0000@example.com', active: true });
      assertScimError(res, 400, 'invalidValue');
      // In a key too, and in a SearchRequest.
      assertScimError(await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ok@example.com', ['x\u0000']: 1 }), 400, 'invalidValue');
      assertScimError(await scim('POST', '/Users/.search', { schemas: [SEARCH_SCHEMA], filter: 'userName eq "a\u0000"' }), 400, 'invalidValue');
      const list = await scim('GET', '/Users');
      assert.equal(list.status, 200);
      assert.equal(list.body.totalResults, 0);
      // An escaped backslash before `u0000` is not a NUL: that user is created.
      const fine = await scim('POST', '/Users', { schemas: [USER_SCHEMA], externalId: 'nul-2', userName: 'back\\u0000slash@example.com', active: true });
      assert.equal(fine.status, 201, fine.text);
      assert.equal(fine.body.userName, 'back\\u0000slash@example.com');
      assert.equal((await scim('DELETE', `/Users/${fine.body.id}`)).status, 204);
    });

    it('in a REST body string is GitHub\'s 400 and creates nothing', async () => {
      const groups = `/enterprises/${seed.enterprise.slug}/actions/runner-groups`;
      const before = await rest('GET', groups);
      assert.equal(before.status, 200);
      const res = await rest('POST', groups, { name: 'build\u0000ers', visibility: 'all' });
      assertRestError(res, 400);
      assert.match(res.body.message, /NUL/);
      const afterList = await rest('GET', groups);
      assert.deepEqual(afterList.body, before.body);
    });

    it('in a path segment is a 400 in the surface\'s shape', async () => {
      assertRestError(await rest('GET', '/orgs/ab%00cd'), 400);
      assertRestError(await rest('PATCH', `/enterprises/${seed.enterprise.slug}/actions/runner-groups/%00`, { name: 'x' }), 400);
      assertRestError(await rest('GET', '/no/such/route/%00'), 400);
      assertScimError(await scim('GET', '/Users/%00'), 400, 'invalidValue');
      assertScimError(await scim('PUT', '/Groups/x%00y', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g' }), 400, 'invalidValue');
      // `%2500` is a literal "%00", not a NUL: an ordinary 404.
      assert.equal((await rest('GET', '/orgs/ab%2500cd')).status, 404);
    });

    it('in a query value is a 400 in the surface\'s shape, and nothing changes', async () => {
      assertRestError(await rest('GET', `/orgs/${seed.org.login}/members?role=%00`), 400);
      assertScimError(await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "a')}%00%22`), 400, 'invalidValue');
      const groups = `/enterprises/${seed.enterprise.slug}/actions/runner-groups`;
      const before = await rest('GET', groups);
      assertRestError(await rest('POST', `${groups}?x=%00`, { name: 'query-nul', visibility: 'all' }), 400);
      assert.deepEqual((await rest('GET', groups)).body, before.body);
    });
  });

  describe('SCIM filter size', () => {
    const chain = (terms: number, join: string): string =>
      Array.from({ length: terms }, (_, i) => (i % 3 === 2 ? `not (emails.value eq "u${i}@example.com")` : `userName eq "u${i}@example.com"`)).join(` ${join} `);
    /** The deepest SQL per term: `not (…)` inside a value path; `terms` counts the value path itself. */
    const valuePathChain = (terms: number): string =>
      `emails[${Array.from({ length: terms - 1 }, (_, i) => `not (value eq "v${i}@example.com")`).join(' and ')}]`;

    it(`runs the largest filter allowed (${MAX_FILTER_TERMS} expressions) on both stores, and refuses one more with 400 invalidFilter`, async () => {
      const made = await scim('POST', '/Users', { schemas: [USER_SCHEMA], externalId: 'big-filter', userName: 'u4@example.com', active: true, emails: [{ value: 'u4@example.com', type: 'work' }] });
      assert.equal(made.status, 201, made.text);
      for (const join of ['or', 'and']) {
        const res = await scim('POST', '/Users/.search', { schemas: [SEARCH_SCHEMA], filter: chain(MAX_FILTER_TERMS, join) });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.schemas, [LIST_SCHEMA]);
        assert.deepEqual(
          res.body.Resources.map((r: { userName: string }) => r.userName),
          join === 'or' ? ['u4@example.com'] : [],
        );
        const over = await scim('POST', '/Users/.search', { schemas: [SEARCH_SCHEMA], filter: chain(MAX_FILTER_TERMS + 1, join) });
        assertScimError(over, 400, 'invalidFilter');
      }
      // The deepest shape, grouped as deep as allowed (30 parentheses, the value path and the `not`: 32 levels).
      const group = (text: string, depth: number): string => (depth === 0 ? text : `(${group(text, depth - 1)})`);
      const deep = await scim('POST', '/Users/.search', { schemas: [SEARCH_SCHEMA], filter: group(valuePathChain(MAX_FILTER_TERMS), 30) });
      assert.equal(deep.status, 200, deep.text);
      assert.deepEqual(deep.body.Resources.map((r: { userName: string }) => r.userName), ['u4@example.com']);
      assertScimError(await scim('POST', '/Users/.search', { schemas: [SEARCH_SCHEMA], filter: valuePathChain(MAX_FILTER_TERMS + 1) }), 400, 'invalidFilter');
      // Groups compile the same way.
      const groups = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `displayName eq "g${i}"`).join(' or ');
      const res = await scim('POST', '/Groups/.search', { schemas: [SEARCH_SCHEMA], filter: groups });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.totalResults, 0);
      assert.equal((await scim('DELETE', `/Users/${made.body.id}`)).status, 204);
    });
  });

  describe('paging parameters', () => {
    /** Routes whose `page` is a cursor (https://docs.github.com/rest/teams/external-groups#list-external-groups-in-an-organization). */
    const CURSOR_PAGES = /^\/orgs\/[^/]+\/external-groups$/;
    const BAD = ['99999999999999999999999', '-1', '0', '1.5', 'abc', '', '1e400', '%20'];

    it('never answer 5xx on any GET route, and answer as GitHub does', async () => {
      // Fixtures for the path parameters: a team, a runner group, a SCIM user and group.
      const team = await rest('POST', `/orgs/${seed.org.login}/teams`, { name: 'paging' });
      assert.equal(team.status, 201, team.text);
      const group = await rest('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { name: 'paging', visibility: 'all' });
      assert.equal(group.status, 201, group.text);
      for (let i = 0; i < 3; i += 1) {
        assert.equal((await scim('POST', '/Users', { schemas: [USER_SCHEMA], externalId: `page-${i}`, userName: `page${i}@example.com`, active: true })).status, 201);
      }
      const values: Record<string, string> = {
        enterprise: seed.enterprise.slug,
        org: seed.org.login,
        org_id: String(seed.org.id),
        username: seed.owner.login,
        team_slug: team.body.slug,
        team_id: String(team.body.id),
        runner_group_id: String(group.body.id),
      };
      const description = await t.request('GET', '/_gatehouse/openapi.json');
      assert.equal(description.status, 200);
      const paths = Object.entries<Record<string, unknown>>(description.body.paths)
        .filter(([path, ops]) => ops.get !== undefined && !path.startsWith('/_gatehouse') && path !== '/rate_limit')
        .map(([path]) => path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '1'))
        // Instance SCIM (`/scim/v2/…`) is the same engine as the enterprise's, walked through it.
        .map((path) => (path.startsWith('/scim/v2/') && !path.startsWith('/scim/v2/enterprises/') && !path.startsWith('/scim/v2/organizations/') ? path.replace('/scim/v2', scimBase) : path));
      assert.ok(paths.length > 40, `only ${paths.length} GET routes`);
      let lists = 0;
      for (const path of new Set(paths)) {
        const isScim = path.startsWith('/scim/');
        const get = (query: string): Promise<ApiResponse<any>> => (isScim ? t.request('GET', `${path}${query}`, { token: seed.ownerToken, headers: { accept: 'application/scim+json' } }) : rest('GET', `${path}${query}`));
        const baseline = await get('');
        assert.ok(baseline.status < 500, `${path}: ${baseline.status}`);
        const names = isScim ? ['startIndex', 'count'] : ['page', 'per_page'];
        for (const name of names) {
          for (const value of BAD) {
            const where = `${path}?${name}=${value}`;
            const res = await get(`?${name}=${value}`);
            assert.ok(res.status < 500, `${where}: ${res.status} ${res.text.slice(0, 200)}`);
            // GitHub ignores values it cannot use: the answer's status is the plain request's; only a cursor (the
            // external groups' `page`, a page token) may refuse one that is not a token with GitHub's 422.
            if (res.status !== baseline.status) {
              assert.ok(res.status === 422 && CURSOR_PAGES.test(path) && name === 'page', `${where}: ${res.status} ${res.text.slice(0, 200)}`);
              assert.match(res.body.message, /^Invalid request\./, where);
              continue;
            }
            if (res.status >= 400) {
              if (isScim && Array.isArray(res.body.schemas)) assert.deepEqual(res.body.schemas, [ERROR_SCHEMA], where);
              else assert.equal(typeof res.body.message, 'string', where);
              continue;
            }
            if (isScim && Array.isArray(res.body.Resources)) {
              lists += 1;
              assert.ok(Number.isSafeInteger(res.body.startIndex) && res.body.startIndex >= 1, `${where}: startIndex ${res.body.startIndex}`);
              assert.ok(Number.isSafeInteger(res.body.itemsPerPage) && res.body.itemsPerPage === res.body.Resources.length, where);
              assert.equal(res.body.totalResults, baseline.body.totalResults, where);
              // Discovery lists (ResourceTypes, Schemas) are not paged (RFC 7644 §4); resource lists are.
              const paged = /\/(Users|Groups)$/.test(path);
              if (paged && name === 'startIndex' && value === BAD[0]) assert.deepEqual(res.body.Resources, [], where);
              // startIndex below 1 is 1 and a negative count is 0 (RFC 7644 §3.4.2.4); unparsable values are the defaults.
              if (!paged || (name === 'startIndex' && value !== BAD[0])) assert.deepEqual(res.body, baseline.body, where);
              if (paged && name === 'count' && value === '-1') assert.deepEqual(res.body.Resources, [], where);
            } else if (!isScim && Array.isArray(res.body) && Array.isArray(baseline.body)) {
              lists += 1;
              // A huge page is past the data: an empty list; anything else is ignored (the first page).
              if (name === 'page' && value === BAD[0] && baseline.body.length > 0) assert.ok(res.body.length === 0 || JSON.stringify(res.body) === JSON.stringify(baseline.body), where);
              else if (!(name === 'per_page' && value === BAD[0])) assert.deepEqual(res.body, baseline.body, where);
            } else if (!isScim && res.body !== null && typeof res.body === 'object' && typeof res.body.total_count === 'number') {
              lists += 1;
              assert.equal(res.body.total_count, baseline.body.total_count, where);
            }
          }
        }
      }
      assert.ok(lists > 50, `only ${lists} list answers checked`);
      // The clamped SCIM page is echoed as an integer.
      const far = await scim('GET', '/Users?startIndex=99999999999999999999999&count=1.5');
      assert.equal(far.status, 200);
      assert.equal(far.body.startIndex, 2_147_483_647);
      assert.deepEqual(far.body.Resources, []);
      assert.equal(far.body.totalResults, 3);
      const fractional = await scim('GET', '/Users?count=1.9');
      assert.equal(fractional.body.itemsPerPage, 1);
      // per_page above 100 is 100; a huge page of a REST list is empty with a Link back.
      const members = await rest('GET', `/orgs/${seed.org.login}/members?page=99999999999999999999999&per_page=1000`);
      assert.equal(members.status, 200);
      assert.deepEqual(members.body, []);
      assert.match(members.headers.get('link') ?? '', /rel="first"/);
    });
  });
});
