/**
 * The managed SCIM dialect over HTTP (EMU `/scim/v2/enterprises/{enterprise}/…` and GHES instance `/scim/v2/…`,
 * seed 002, openapi-contract.md §5–§6, github-semantics.md §3): every endpoint and documented status, with the
 * resulting state (managed accounts, suspension and obfuscation, restore, hard deprovision, roles → enterprise role,
 * external groups and memberships, team sync, audit events); every body validated against GitHub's OpenAPI
 * (the instance paths against the same enterprise operations); filters, paging, projection, ETags and preconditions;
 * 401/403/404 and other enterprises' ids; concurrent creates; random filters and PATCH bodies never answer 5xx, and a
 * failed PATCH changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { addOrgMember, createEnterprise, createUser } from '../src/domain/accounts/accounts.ts';
import { createTeam } from '../src/domain/teams/service.ts';
import type { EnterpriseRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

const SPEC = {
  users: '/scim/v2/enterprises/{enterprise}/Users',
  user: '/scim/v2/enterprises/{enterprise}/Users/{scim_user_id}',
  groups: '/scim/v2/enterprises/{enterprise}/Groups',
  group: '/scim/v2/enterprises/{enterprise}/Groups/{scim_group_id}',
} as const;

/** Validates a response against the enterprise operation, with the content type it was sent as. */
function check(method: string, path: keyof typeof SPEC, res: ApiResponse): void {
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  assertSchema('ghec', method, SPEC[path], res.status, res.body, type);
}

let counter = 0;
function userBody(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    schemas: [USER_SCHEMA],
    externalId: `ext-${name}-${counter}`,
    userName: `${name}@example.com`,
    active: true,
    displayName: `User ${name}`,
    name: { givenName: name, familyName: 'Tester' },
    emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
    roles: [{ value: 'user', primary: false }],
    ...extra,
  };
}

function patch(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

describe(`managed SCIM (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let ent: EnterpriseRow;
  let base: string;
  let owner: string;
  let other: SeededEnterprise;

  const scim = (method: string, path: string, body?: unknown, options: { token?: string | undefined; headers?: Record<string, string>; rawBody?: string } = {}) =>
    t.request(method, `${base}${path}`, {
      token: 'token' in options ? options.token : owner,
      headers: { accept: 'application/scim+json', ...(body === undefined && options.rawBody === undefined ? {} : { 'content-type': 'application/scim+json' }), ...options.headers },
      ...(body === undefined ? {} : { body }),
      ...(options.rawBody === undefined ? {} : { rawBody: options.rawBody }),
    });

  const account = (id: number) => t.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const identityRow = (scimId: string) => t.ctx.db.selectFrom('scim_users').selectAll().where('scim_id', '=', scimId).executeTakeFirst();
  const accountOf = async (scimId: string) => account((await identityRow(scimId))!.user_id!);
  const roleOf = async (userId: number) =>
    (await t.ctx.db.selectFrom('enterprise_members').select('role').where('enterprise_id', '=', ent.id).where('user_id', '=', userId).executeTakeFirst())?.role;
  const audits = async (action: string) => t.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('enterprise_id', '=', ent.id).execute();
  const counts = async () => ({
    identities: (await t.ctx.db.selectFrom('scim_users').select('id').execute()).length,
    groups: (await t.ctx.db.selectFrom('scim_groups').select('id').execute()).length,
    members: (await t.ctx.db.selectFrom('scim_group_members').select('group_id').execute()).length,
    accounts: (await t.ctx.db.selectFrom('users').select('id').execute()).length,
  });

  async function provision(name: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await scim('POST', '/Users', userBody(name, extra));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    check('POST', 'users', res);
    return res.body;
  }

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'managed', slug: 'octo-emu' });
    ent = seed.enterprise;
    owner = seed.ownerToken;
    base = `/scim/v2/enterprises/${ent.slug}`;
    other = await seedEnterprise(t.ctx, { kind: 'managed' });
  });
  after(() => t.close());

  // ---- Users: create ---------------------------------------------------------------------------------------

  it('POST /Users creates a managed account named from the userName (201, ETag, Location, scim+json)', async () => {
    const res = await scim('POST', '/Users', userBody('mona.lisa', { roles: [{ value: 'user', primary: true }] }));
    assert.equal(res.status, 201);
    check('POST', 'users', res);
    assert.equal(res.headers.get('content-type'), 'application/scim+json; charset=utf-8');
    const user = res.body;
    assert.match(user.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('etag'), 'W/"1"');
    assert.equal(user.meta.version, 'W/"1"');
    assert.equal(res.headers.get('location'), `${t.url}${base}/Users/${user.id}`);
    assert.deepEqual(user.meta, { resourceType: 'User', created: t.clock.now().toISOString(), lastModified: t.clock.now().toISOString(), location: `${t.url}${base}/Users/${user.id}`, version: 'W/"1"' });
    assert.equal(user.userName, 'mona.lisa@example.com');
    assert.equal(user.active, true);
    assert.deepEqual(user.schemas, [USER_SCHEMA]);

    const login = `mona-lisa_${ent.shortcode}`;
    const row = await accountOf(user.id);
    assert.equal(row.login, login);
    assert.equal(row.managed_by_enterprise_id, ent.id);
    assert.equal(row.email, 'mona.lisa@example.com');
    assert.equal(row.name, 'User mona.lisa');
    assert.equal(row.suspended_at, null);
    assert.equal(await roleOf(row.id), 'member');

    const rest = await t.request('GET', `/users/${login}`, { token: owner });
    assert.equal(rest.status, 200);
    assertSchema('ghec', 'GET', '/users/{username}', 200, rest.body);
    assert.equal('suspended_at' in rest.body, false, 'only suspended users show suspended_at');

    const [provisioned] = (await audits('external_identity.provision')).filter((a) => JSON.parse(a.data).scim_id === user.id);
    assert.ok(provisioned !== undefined);
    assert.equal(provisioned.user, login);
    assert.equal(provisioned.actor, seed.owner.login);
    assert.ok((await audits('user.create')).some((a) => a.user === login));
  });

  it('normalizes userNames as GitHub does and rejects what GitHub rejects (400, nothing created)', async () => {
    const cases: Array<[string, string]> = [
      ['The.Octocat', 'The-Octocat'],
      ['CONTOSO\\jdoe', 'jdoe'],
      ['j.smith@contoso.com', 'j-smith'],
      ['guest_fabrikam.com#EXT#@contoso.onmicrosoft.com', 'guest-fabrikam-com'],
      ['a1', 'a1'],
    ];
    for (const [userName, login] of cases) {
      const created = await provision(`x`, { userName, externalId: `norm-${login}` });
      assert.equal((await accountOf(created.id)).login, `${login}_${ent.shortcode}`, userName);
    }
    const before = await counts();
    for (const userName of ['!The.Octocat', 'The!!Octocat', 'trailing.', '---', '', 'a'.repeat(40 - ent.shortcode.length), '@example.com']) {
      const res = await scim('POST', '/Users', userBody('bad', { userName }));
      assert.equal(res.status, 400, userName);
      check('POST', 'users', res);
      assert.equal(res.body.scimType, 'invalidValue');
      assert.equal(res.body.status, 400);
      assert.deepEqual(res.body.schemas, [ERROR]);
    }
    // 39 characters exactly is fine.
    const longest = 'b'.repeat(38 - ent.shortcode.length);
    assert.equal((await accountOf((await provision('y', { userName: longest })).id)).login.length, 39);
    assert.deepEqual(await counts(), { ...before, identities: before.identities + 1, accounts: before.accounts + 1 });
  });

  it('409 uniqueness on a taken userName (any case), externalId or normalized login; nothing changes', async () => {
    const first = await provision('dup.one', { externalId: 'dup-ext' });
    const before = await counts();
    const attempts = [
      userBody('x', { userName: 'DUP.ONE@example.com' }),
      userBody('x', { userName: 'dup-two@example.com', externalId: 'dup-ext' }),
      // `dup-one` normalizes to the login `dup.one` already holds.
      userBody('x', { userName: 'dup-one' }),
    ];
    for (const body of attempts) {
      const res = await scim('POST', '/Users', body);
      assert.equal(res.status, 409, JSON.stringify(body));
      assert.equal(res.body.scimType, 'uniqueness');
      assert.equal(res.body.status, 409);
    }
    assert.deepEqual(await counts(), before);
    assert.equal((await accountOf(first.id)).login, `dup-one_${ent.shortcode}`);
    // The same userName in another enterprise is no conflict (github-semantics.md §3.3).
    const elsewhere = await t.request('POST', `/scim/v2/enterprises/${other.enterprise.slug}/Users`, { token: other.ownerToken, body: userBody('dup.one', { externalId: 'dup-ext' }) });
    assert.equal(elsewhere.status, 201);
  });

  it('10 concurrent POSTs of the same userName: exactly one 201, nine 409', async () => {
    const before = await counts();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => scim('POST', '/Users', userBody('racer', { externalId: `race-${i}` }))));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) assert.equal(res.body.scimType, 'uniqueness');
    assert.deepEqual(await counts(), { ...before, identities: before.identities + 1, accounts: before.accounts + 1 });
  });

  it('roles give the enterprise role (most privileged wins) and are emitted in the enum form', async () => {
    const cases: Array<[unknown[], string, string[]]> = [
      [[{ value: 'enterprise_owner' }], 'owner', ['enterprise_owner']],
      [[{ value: 'Enterprise Owner' }], 'owner', ['enterprise_owner']],
      [[{ value: 'e6be2762-e4ad-4108-b72d-1bbe884a0f91' }], 'billing_manager', ['e6be2762-e4ad-4108-b72d-1bbe884a0f91']],
      [[{ value: 'Billing Manager' }, { value: 'User' }], 'billing_manager', ['billing_manager', 'user']],
      [[{ value: 'Restricted User' }], 'guest_collaborator', ['guest_collaborator']],
      [[{ value: 'restricted_user' }, { value: '981df190-8801-4618-a08a-d91f6206c954' }], 'owner', ['guest_collaborator', '981df190-8801-4618-a08a-d91f6206c954']],
      [[{ value: '{"id":"1ebc4a02-e56c-43a6-92a5-02ee09b90824","value":"7","displayName":"Guest"}' }], 'guest_collaborator', ['1ebc4a02-e56c-43a6-92a5-02ee09b90824']],
      [[], 'member', []],
    ];
    for (const [roles, role, emitted] of cases) {
      const user = await provision('role', { userName: `role${counter}`, roles });
      assert.equal(await roleOf((await accountOf(user.id)).id), role, JSON.stringify(roles));
      assert.deepEqual((user.roles ?? []).map((r: { value: string }) => r.value), emitted);
    }
    const before = await counts();
    const bad = await scim('POST', '/Users', userBody('badrole', { roles: [{ value: 'superuser' }] }));
    assert.equal(bad.status, 400);
    check('POST', 'users', bad);
    assert.equal(bad.body.scimType, 'invalidValue');
    assert.deepEqual(await counts(), before);

    // A PATCH of the roles moves the enterprise role and audits it.
    const user = await provision('promoted');
    const id = (await accountOf(user.id)).id;
    const res = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'roles', value: [{ value: 'enterprise_owner', primary: true }] }));
    assert.equal(res.status, 200);
    check('PATCH', 'user', res);
    assert.equal(await roleOf(id), 'owner');
    assert.ok((await audits('business.add_admin')).some((a) => a.user_id === id));
  });

  // ---- Users: read, list, filter, project ------------------------------------------------------------------

  it('GET /Users/{id}: 200 with ETag; If-None-Match answers 304; unknown id 404 basic-error', async () => {
    const user = await provision('reader');
    const res = await scim('GET', `/Users/${user.id}`);
    assert.equal(res.status, 200);
    check('GET', 'user', res);
    assert.deepEqual(res.body, user);
    const etag = res.headers.get('etag')!;
    assert.equal(etag, user.meta.version);
    const cached = await scim('GET', `/Users/${user.id}`, undefined, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    assert.equal((await scim('GET', `/Users/${user.id}`, undefined, { headers: { 'if-none-match': 'W/"999"' } })).status, 200);

    for (const id of ['0', '00919288221112222', 'not-a-uuid', '7fce0092-d52e-4f76-b727-3955bd72c939']) {
      const missing = await scim('GET', `/Users/${id}`);
      assert.equal(missing.status, 404);
      check('GET', 'user', missing);
      assert.equal(missing.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(missing.body.message, 'Not Found');
      assert.equal(missing.body.status, '404');
      assert.deepEqual(missing.body.schemas, [ERROR]);
    }
  });

  it('lists with paging (default 30, stable id order, real totalResults, count=0) and POST /Users/.search', async () => {
    for (let i = 0; i < 6; i += 1) await provision(`pager${i}`, { userName: `pager${i}`, title: 'pager' });
    for (let i = 0; (await scim('GET', '/Users?count=0')).body.totalResults < 36; i += 1) await provision(`filler${i}`, { userName: `filler${i}` });
    const all = await scim('GET', '/Users?count=1000');
    check('GET', 'users', all);
    const total = all.body.totalResults as number;
    assert.ok(total >= 36, `total ${total}`);
    assert.equal(all.body.Resources.length, total);

    const first = await scim('GET', '/Users');
    check('GET', 'users', first);
    assert.equal(first.body.itemsPerPage, 30);
    assert.equal(first.body.startIndex, 1);
    assert.equal(first.body.totalResults, total);
    const second = await scim('GET', '/Users?startIndex=31&count=30');
    assert.equal(second.body.Resources.length, total - 30);
    const ids = [...first.body.Resources, ...second.body.Resources].map((u: { id: string }) => u.id);
    assert.deepEqual(ids, all.body.Resources.map((u: { id: string }) => u.id));
    const rowIds = await t.ctx.db.selectFrom('scim_users').select(['id', 'scim_id']).where('scope', '=', `enterprise:${ent.id}`).orderBy('id').execute();
    assert.deepEqual(ids, rowIds.map((r) => r.scim_id));

    const onlyTotal = await scim('GET', '/Users?count=0');
    check('GET', 'users', onlyTotal);
    assert.deepEqual(onlyTotal.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: total, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const beyond = await scim('GET', `/Users?startIndex=${total + 5}`);
    assert.deepEqual([beyond.body.totalResults, beyond.body.Resources.length, beyond.body.startIndex], [total, 0, total + 5]);
    const odd = await scim('GET', '/Users?startIndex=-4&count=abc');
    assert.deepEqual([odd.body.startIndex, odd.body.itemsPerPage], [1, 30]);

    const filtered = await scim('GET', '/Users?filter=title eq "pager"&startIndex=2&count=2');
    check('GET', 'users', filtered);
    assert.deepEqual([filtered.body.totalResults, filtered.body.itemsPerPage], [6, 2]);
    assert.deepEqual(filtered.body.Resources.map((u: { userName: string }) => u.userName), ['pager1', 'pager2']);

    const search = await scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title eq "pager" and userName ew "5"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    assert.equal(search.status, 200);
    check('GET', 'users', search);
    assert.equal(search.body.totalResults, 1);
    assert.deepEqual(Object.keys(search.body.Resources[0]).sort(), ['active', 'emails', 'id', 'meta', 'schemas', 'userName']);
    const badSearch = await scim('POST', '/Users/.search', { schemas: ['urn:bogus'], filter: 'userName pr' });
    assert.equal(badSearch.status, 400);
    assert.equal(badSearch.body.scimType, 'invalidSyntax');
  });

  it('POST /.search searches Users then Groups in one list', async () => {
    const user = await provision('rooted', { displayName: 'Root Search User' });
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Root Search Group' });
    const request = (body: Record<string, unknown>) => scim('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });
    const both = await request({ filter: 'displayName sw "root search"' });
    assert.equal(both.status, 200);
    assert.equal(both.body.totalResults, 2);
    assert.deepEqual(both.body.Resources.map((r: { id: string; meta: { resourceType: string } }) => [r.meta.resourceType, r.id]), [['User', user.id], ['Group', group.body.id]]);
    const second = await request({ filter: 'displayName sw "root search"', startIndex: 2, count: 1, excludedAttributes: ['members'] });
    assert.deepEqual([second.body.totalResults, second.body.itemsPerPage, second.body.Resources[0].id, second.body.Resources[0].members], [2, 1, group.body.id, undefined]);
    const usersOnly = await request({ filter: `userName eq "${user.userName}"` });
    assert.deepEqual(usersOnly.body.Resources.map((r: { id: string }) => r.id), [user.id]);
    const invalid = await request({ filter: 'nosuch eq "x"' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.scimType, 'invalidFilter');
  });

  it('filters: IdP lookups, form encoding, quoted GitHub examples; no match is 200 empty; bad filters 400 invalidFilter', async () => {
    const user = await provision('filtered', { externalId: 'Entra-0a21f0f2', userName: 'Filtered.User@Contoso.com' });
    const lookups = [
      'externalId eq "Entra-0a21f0f2"',
      'userName eq "filtered.user@contoso.com"',
      "userName eq 'FILTERED.USER@CONTOSO.COM'",
      `id eq "${user.id}"`,
      'displayName eq "user filtered"',
      'emails[type eq "work" and value co "filtered"]',
      'emails.value sw "FILTERED" and active eq true',
      'name.givenName eq "filtered" and not (externalId eq "x")',
      '"externalId eq \'Entra-0a21f0f2\'"',
    ];
    for (const filter of lookups) {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, filter);
      check('GET', 'users', res);
      assert.deepEqual(res.body.Resources.map((u: { id: string }) => u.id), [user.id], filter);
    }
    // Okta 2018 and OneLogin: `+` for spaces, a trailing `&`.
    const form = await t.request('GET', `${base}/Users?filter=userName+eq+%22filtered.user%40contoso.com%22&`, { token: owner });
    assert.equal(form.status, 200);
    assert.equal(form.body.totalResults, 1);

    const none = await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "8f0e8e1c-6d2d-4e44-9d0b-2b0a2c9a3f55"')}`);
    assert.equal(none.status, 200);
    check('GET', 'users', none);
    assert.deepEqual([none.body.totalResults, none.body.Resources], [0, []]);

    for (const filter of ['userName eq', 'externalId eq jyoung', 'nosuch eq "x"', 'active gt true', 'password eq "x"', 'emails[type eq "work"', '((userName pr)']) {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 400, filter);
      check('GET', 'users', res);
      assert.equal(res.body.scimType, 'invalidFilter', filter);
    }
    const twice = await scim('GET', '/Users?filter=userName%20pr&filter=userName%20pr');
    assert.equal(twice.status, 400);
  });

  it('attributes / excludedAttributes project responses, keeping what GitHub requires', async () => {
    const user = await provision('projected', { title: 'Engineer', nickName: 'proj' });
    const only = await scim('GET', `/Users/${user.id}?attributes=userName,name.givenName`);
    assert.equal(only.status, 200);
    check('GET', 'user', only);
    assert.deepEqual(Object.keys(only.body).sort(), ['active', 'emails', 'id', 'meta', 'name', 'schemas', 'userName']);
    assert.deepEqual(only.body.name, { givenName: 'projected' });
    const without = await scim('GET', `/Users/${user.id}?excludedAttributes=title,nickName,name.familyName,roles`);
    check('GET', 'user', without);
    assert.equal(without.body.title, undefined);
    assert.equal(without.body.nickName, undefined);
    assert.equal(without.body.roles, undefined);
    assert.deepEqual(without.body.name, { givenName: 'projected' });
    const listed = await scim('GET', `/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}&excludedAttributes=groups,emails`);
    check('GET', 'users', listed);
    assert.ok(Array.isArray(listed.body.Resources[0].emails), 'emails is required by the response schema');
    const bad = await scim('GET', `/Users/${user.id}?attributes=${encodeURIComponent('na me')}`);
    assert.equal(bad.status, 400);
    check('GET', 'user', bad);
  });

  // ---- Users: replace, patch, suspend, restore, delete -----------------------------------------------------

  it('PUT replaces the resource, keeps a stored externalId when omitted, syncs the account; userName is immutable', async () => {
    const user = await provision('replaced', { title: 'Old title', nickName: 'old' });
    const { externalId: _omit, title: _title, nickName: _nick, ...rest } = userBody('replaced', {
      displayName: 'Replaced Person',
      emails: [{ value: 'new@example.com', type: 'work', primary: true }],
    });
    t.clock.advance(1000);
    const res = await scim('PUT', `/Users/${user.id}`, { ...rest, userName: user.userName });
    assert.equal(res.status, 200);
    check('PUT', 'user', res);
    assert.equal(res.body.externalId, user.externalId);
    assert.equal(res.body.title, undefined);
    assert.equal(res.body.nickName, undefined);
    assert.equal(res.body.displayName, 'Replaced Person');
    assert.equal(res.body.meta.version, 'W/"2"');
    assert.equal(res.headers.get('etag'), 'W/"2"');
    assert.notEqual(res.body.meta.lastModified, user.meta.lastModified);
    assert.equal(res.body.meta.created, user.meta.created);
    const row = await accountOf(user.id);
    assert.deepEqual([row.name, row.email], ['Replaced Person', 'new@example.com']);
    assert.ok((await audits('external_identity.update')).some((a) => JSON.parse(a.data).scim_id === user.id));

    const rename = await scim('PUT', `/Users/${user.id}`, { ...rest, userName: 'someone.else@example.com' });
    assert.equal(rename.status, 400);
    check('PUT', 'user', rename);
    assert.equal(rename.body.scimType, 'mutability');
    assert.equal((await scim('GET', `/Users/${user.id}`)).body.meta.version, 'W/"2"');
  });

  it('PATCH applies IdP operations (Entra capitalised ops and filter paths, Okta path-less values), 200 with the user', async () => {
    const user = await provision('patched');
    const res = await scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'Replace', path: 'name.familyName', value: 'Updated' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'patched.new@example.com' },
        { op: 'Add', path: 'emails[type eq "home"].value', value: 'home@example.com' },
        { op: 'replace', value: { displayName: 'Patched Person', 'name.givenName': 'Pat', id: user.id } },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: '701984' },
      ),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    check('PATCH', 'user', res);
    assert.deepEqual(res.body.name, { givenName: 'Pat', familyName: 'Updated' });
    assert.deepEqual(res.body.emails, [
      { value: 'patched.new@example.com', type: 'work', primary: true },
      { value: 'home@example.com', type: 'home' },
    ]);
    assert.equal(res.body.displayName, 'Patched Person');
    assert.deepEqual(res.body.schemas, [USER_SCHEMA]);
    const row = await accountOf(user.id);
    assert.deepEqual([row.name, row.email], ['Patched Person', 'patched.new@example.com']);

    // Repeating the same values (Entra's periodic sync) changes nothing, not even the version.
    const again = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'name.familyName', value: 'Updated' }, { op: 'Replace', path: 'active', value: 'True' }));
    assert.equal(again.status, 200);
    assert.equal(again.body.meta.version, res.body.meta.version);

    for (const [body, scimType] of [
      [patch({ op: 'replace', path: 'userName', value: 'renamed@example.com' }), 'mutability'],
      [patch({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
      [patch({ op: 'remove' }), 'noTarget'],
      [patch({ op: 'replace', path: 'emails[type eq', value: 'x' }), 'invalidPath'],
      [patch({ op: 'replace', path: 'active', value: 'maybe' }), 'invalidValue'],
      [patch({ op: 'jump', path: 'title', value: 'x' }), 'invalidSyntax'],
      [{ schemas: [PATCH_OP], Operations: [] }, 'invalidSyntax'],
      [{ schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
      [patch({ op: 'add', path: 'roles', value: [{ value: 'root' }] }), 'invalidValue'],
    ] as const) {
      const failed = await scim('PATCH', `/Users/${user.id}`, body);
      assert.equal(failed.status, 400, JSON.stringify(body));
      check('PATCH', 'user', failed);
      assert.equal(failed.body.scimType, scimType, JSON.stringify(body));
    }
    assert.deepEqual((await scim('GET', `/Users/${user.id}`)).body, again.body);
  });

  it('active:false suspends and obfuscates the account; the user stays listed; active:true restores it', async () => {
    const user = await provision('suspendee', { userName: 'sus.pendee@example.com' });
    const login = `sus-pendee_${ent.shortcode}`;
    const accountId = (await accountOf(user.id)).id;
    // A token of the managed user stops working once suspended.
    const { token } = await import('../src/domain/accounts/accounts.ts').then((m) => m.createAccessToken(t.ctx, { id: accountId } as never, ['read:user'], null, null));
    assert.equal((await t.request('GET', '/user', { token })).status, 200);

    const off = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal(off.status, 200);
    check('PATCH', 'user', off);
    assert.equal(off.body.active, false);
    assert.equal(off.body.userName, 'sus.pendee@example.com', 'the SCIM resource keeps the original');
    assert.equal(off.body.emails[0].value, 'suspendee@example.com');
    const suspended = await account(accountId);
    assert.notEqual(suspended.suspended_at, null);
    assert.match(suspended.login, new RegExp(`^[0-9a-f]{20}_${ent.shortcode}$`));
    assert.notEqual(suspended.email, 'suspendee@example.com');
    assert.match(suspended.email ?? '', /@obfuscated\.invalid$/);
    assert.equal((await t.request('GET', `/users/${login}`, { token: owner })).status, 404);
    const shown = await t.request('GET', `/users/${suspended.login}`, { token: owner });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.suspended_at, suspended.suspended_at);
    assert.equal((await t.request('GET', '/user', { token })).status, 401);
    assert.ok((await audits('user.suspend')).some((a) => a.user_id === accountId));

    // X9: still listed and found by filter.
    const listed = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "sus.pendee@example.com" and active eq false')}`);
    assert.deepEqual(listed.body.Resources.map((u: { id: string }) => u.id), [user.id]);
    // The login stays reserved while suspended: another userName normalizing to it is a conflict.
    assert.equal((await scim('POST', '/Users', userBody('x', { userName: 'sus-pendee' }))).status, 409);

    t.clock.advance(5000);
    const on = await scim('PUT', `/Users/${user.id}`, { ...userBody('suspendee', { userName: 'sus.pendee@example.com', externalId: user.externalId }), active: true });
    assert.equal(on.status, 200);
    check('PUT', 'user', on);
    const restored = await account(accountId);
    assert.deepEqual([restored.login, restored.email, restored.suspended_at], [login, 'suspendee@example.com', null]);
    assert.ok((await audits('user.unsuspend')).some((a) => a.user_id === accountId));

    // PUT with active:false suspends too; Okta's path-less replace restores.
    assert.equal((await scim('PUT', `/Users/${user.id}`, { ...on.body, active: false })).status, 200);
    assert.notEqual((await account(accountId)).suspended_at, null);
    const back = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { active: true } }));
    assert.equal(back.body.active, true);
    assert.equal((await account(accountId)).login, login);
  });

  it('POST with active:false provisions a suspended account', async () => {
    const user = await provision('born.suspended', { active: false });
    assert.equal(user.active, false);
    const row = await accountOf(user.id);
    assert.notEqual(row.suspended_at, null);
    assert.notEqual(row.login, `born-suspended_${ent.shortcode}`);
  });

  it('DELETE deprovisions for good: 204, identity gone (404), account suspended and anonymous, tokens and memberships removed', async () => {
    const user = await provision('leaver', { roles: [{ value: 'billing_manager' }] });
    const accountId = (await accountOf(user.id)).id;
    const accountRow = await account(accountId);
    await addOrgMember(t.ctx, t.ctx.db, seed.org, accountRow, 'member', null);
    await import('../src/domain/accounts/accounts.ts').then((m) => m.createAccessToken(t.ctx, accountRow, ['read:user'], null, null));
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'leaver-group', displayName: 'Leavers', members: [{ value: user.id }] });
    assert.equal(group.status, 201);

    const res = await scim('DELETE', `/Users/${user.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    const gone = await scim('GET', `/Users/${user.id}`);
    assert.equal(gone.status, 404);
    check('GET', 'user', gone);
    assert.equal(await identityRow(user.id), undefined);

    const row = await account(accountId);
    assert.notEqual(row.suspended_at, null);
    assert.match(row.login, new RegExp(`^[0-9a-f]{20}_${ent.shortcode}$`));
    assert.match(row.email ?? '', /@obfuscated\.invalid$/);
    assert.equal(row.name, null);
    assert.equal(await roleOf(accountId), undefined);
    assert.equal((await t.ctx.db.selectFrom('access_tokens').select('id').where('user_id', '=', accountId).execute()).length, 0);
    assert.equal((await t.ctx.db.selectFrom('org_members').select('org_id').where('user_id', '=', accountId).execute()).length, 0);
    const after = await scim('GET', `/Groups/${group.body.id}`);
    assert.deepEqual(after.body.members, []);
    assert.equal(after.body.meta.version, 'W/"2"', 'the group changed');
    assert.ok((await audits('external_identity.deprovision')).some((a) => JSON.parse(a.data).scim_id === user.id));

    const again = await scim('DELETE', `/Users/${user.id}`);
    assert.equal(again.status, 404);
    check('DELETE', 'user', again);
    // The userName can be provisioned again, as a new account.
    const reborn = await provision('leaver');
    assert.notEqual((await accountOf(reborn.id)).id, accountId);
  });

  it('If-Match: a stale version is 412 and changes nothing; the current one or * proceeds', async () => {
    const user = await provision('versioned');
    const stale = await scim('PUT', `/Users/${user.id}`, { ...userBody('versioned'), userName: user.userName, displayName: 'Stale' }, { headers: { 'if-match': 'W/"7"' } });
    assert.equal(stale.status, 412);
    assert.deepEqual(stale.body.schemas, [ERROR]);
    assert.equal(stale.body.status, 412);
    const stalePatch = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { headers: { 'if-match': '"3", W/"4"' } });
    assert.equal(stalePatch.status, 412);
    assert.equal((await scim('DELETE', `/Users/${user.id}`, undefined, { headers: { 'if-match': 'W/"2"' } })).status, 412);
    assert.deepEqual((await scim('GET', `/Users/${user.id}`)).body, user);

    const ok = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { headers: { 'if-match': 'W/"1"' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), 'W/"2"');
    const star = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: 'y' }), { headers: { 'if-match': '*' } });
    assert.equal(star.status, 200);
    assert.equal((await scim('DELETE', `/Users/${user.id}`, undefined, { headers: { 'if-match': 'W/"3"' } })).status, 204);
  });

  // ---- Groups -----------------------------------------------------------------------------------------------

  it('Groups: POST with members (201), external group and membership rows; unknown member 400; duplicate externalId 409', async () => {
    const a = await provision('member.a');
    const b = await provision('member.b');
    const res = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-eng', displayName: 'Engineering', members: [{ value: a.id, display: 'ignored' }, { value: b.id }] });
    assert.equal(res.status, 201);
    check('POST', 'groups', res);
    assert.equal(res.headers.get('etag'), 'W/"1"');
    assert.equal(res.headers.get('location'), `${t.url}${base}/Groups/${res.body.id}`);
    assert.deepEqual(res.body.members, [
      { value: a.id, $ref: `${t.url}${base}/Users/${a.id}`, display: 'User member.a' },
      { value: b.id, $ref: `${t.url}${base}/Users/${b.id}`, display: 'User member.b' },
    ]);
    const row = await t.ctx.db.selectFrom('scim_groups').selectAll().where('scim_id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.display_name, row.external_id, row.enterprise_id, row.dialect], ['Engineering', 'grp-eng', ent.id, 'managed']);
    assert.equal((await t.ctx.db.selectFrom('scim_group_members').select('scim_user_id').where('group_id', '=', row.id).execute()).length, 2);
    assert.ok((await audits('external_group.provision')).some((e) => JSON.parse(e.data).group_id === row.id));

    // Users carry the derived `groups`.
    const member = await scim('GET', `/Users/${a.id}`);
    check('GET', 'user', member);
    assert.deepEqual(member.body.groups, [{ value: res.body.id, $ref: `${t.url}${base}/Groups/${res.body.id}`, display: 'Engineering' }]);

    const foreign = await t.request('POST', `/scim/v2/enterprises/${other.enterprise.slug}/Users`, { token: other.ownerToken, body: userBody('foreign') });
    const before = await counts();
    const unknown = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-x', displayName: 'X', members: [{ value: a.id }, { value: 'no-such-user' }] });
    assert.equal(unknown.status, 400);
    check('POST', 'groups', unknown);
    assert.equal(unknown.body.scimType, 'invalidValue');
    const crossTenant = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-y', displayName: 'Y', members: [{ value: foreign.body.id }] });
    assert.equal(crossTenant.status, 400);
    const dup = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-eng', displayName: 'Another' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.scimType, 'uniqueness');
    const noName = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-z' });
    assert.equal(noName.status, 400);
    check('POST', 'groups', noName);
    assert.deepEqual(await counts(), before);
  });

  it('Groups: GET, list, filters, excludedAttributes=members (Entra), If-None-Match', async () => {
    const a = await provision('lister');
    const created = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-list', displayName: 'Listed Group', members: [{ value: a.id }] });
    const one = await scim('GET', `/Groups/${created.body.id}`);
    assert.equal(one.status, 200);
    check('GET', 'group', one);
    assert.deepEqual(one.body, created.body);
    const slim = await scim('GET', `/Groups/${created.body.id}?excludedAttributes=members`);
    check('GET', 'group', slim);
    assert.equal(slim.body.members, undefined);
    assert.equal((await scim('GET', `/Groups/${created.body.id}`, undefined, { headers: { 'if-none-match': 'W/"1"' } })).status, 304);

    for (const filter of ['displayName eq "listed group"', 'externalId eq "grp-list"', `members.value eq "${a.id}"`, `id eq "${created.body.id}"`]) {
      const res = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, filter);
      check('GET', 'groups', res);
      assert.deepEqual(res.body.Resources.map((g: { id: string }) => g.id), [created.body.id], filter);
      assert.equal(res.body.Resources[0].members, undefined);
    }
    const all = await scim('GET', '/Groups?count=2');
    check('GET', 'groups', all);
    assert.equal(all.body.itemsPerPage, 2);
    assert.ok(all.body.totalResults >= 3);
    const search = await scim('POST', '/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'displayName sw "listed"', excludedAttributes: ['members'] });
    check('GET', 'groups', search);
    assert.equal(search.body.totalResults, 1);
    const bad = await scim('GET', `/Groups?filter=${encodeURIComponent('members[value eq')}`);
    assert.equal(bad.status, 400);
    check('GET', 'groups', bad);
    const missing = await scim('GET', '/Groups/0');
    assert.equal(missing.status, 404);
    check('GET', 'group', missing);
  });

  it('Groups PATCH: membership as deltas (204 + ETag), rename, Okta push, Entra removes; 200 when a representation is asked for', async () => {
    const [a, b, c] = [await provision('pm.a'), await provision('pm.b'), await provision('pm.c')];
    const created = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-patch', displayName: 'Patchers', members: [{ value: a.id }] });
    const gid = created.body.id as string;
    const rowId = (await t.ctx.db.selectFrom('scim_groups').select('id').where('scim_id', '=', gid).executeTakeFirstOrThrow()).id;
    const members = async () =>
      (await t.ctx.db.selectFrom('scim_group_members as m').innerJoin('scim_users as u', 'u.id', 'm.scim_user_id').select('u.scim_id').where('m.group_id', '=', rowId).orderBy('u.id').execute()).map((r) => r.scim_id);

    const add = await scim('PATCH', `/Groups/${gid}`, patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: b.id }] }));
    assert.equal(add.status, 204);
    assert.equal(add.text, '');
    assert.equal(add.headers.get('etag'), 'W/"2"');
    assert.deepEqual(await members(), [a.id, b.id]);

    // Okta push: rename path-less with the id, remove by filter, add; one request.
    const push = await scim(
      'PATCH',
      `/Groups/${gid}`,
      patch(
        { op: 'replace', value: { id: gid, displayName: 'Patchers Renamed' } },
        { op: 'remove', path: `members[value eq "${a.id}"]` },
        { op: 'add', path: 'members', value: [{ value: c.id, display: 'c@example.com' }] },
      ),
    );
    assert.equal(push.status, 204);
    assert.deepEqual(await members(), [b.id, c.id]);
    const renamed = await scim('GET', `/Groups/${gid}`);
    assert.equal(renamed.body.displayName, 'Patchers Renamed');
    assert.equal(renamed.body.meta.version, 'W/"3"');
    assert.ok((await audits('external_group.update')).some((e) => JSON.parse(e.data).group_id === rowId && JSON.parse(e.data).display_name === 'Patchers Renamed'));

    // Entra: remove with a value list; re-adding an existing member and removing an absent one change nothing.
    assert.equal((await scim('PATCH', `/Groups/${gid}`, patch({ op: 'Remove', path: 'members', value: [{ value: b.id }] }))).status, 204);
    assert.deepEqual(await members(), [c.id]);
    const idle = await scim('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: c.id }] }, { op: 'remove', path: `members[value eq "${a.id}"]` }));
    assert.equal(idle.status, 204);
    assert.equal(idle.headers.get('etag'), 'W/"4"', 'no change, no new version');
    // An add undone in the same request is no change either.
    await scim('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }, { op: 'remove', path: 'members', value: [{ value: a.id }] }));
    assert.deepEqual(await members(), [c.id]);

    // Remove by a filter on another sub-attribute.
    await scim('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }));
    assert.equal((await scim('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: 'members[display sw "user pm.a"]' }))).status, 204);
    assert.deepEqual(await members(), [b.id, c.id]);

    // With ?excludedAttributes or ?attributes the answer is 200 with the group.
    const shown = await scim('PATCH', `/Groups/${gid}?excludedAttributes=members`, patch({ op: 'replace', path: 'members', value: [{ value: a.id }] }));
    assert.equal(shown.status, 200);
    check('PATCH', 'group', shown);
    assert.equal(shown.body.members, undefined);
    assert.deepEqual(await members(), [a.id]);
    const full = await scim('PATCH', `/Groups/${gid}?attributes=members,displayName`, patch({ op: 'remove', path: 'members' }));
    assert.equal(full.status, 200);
    check('PATCH', 'group', full);
    assert.deepEqual(full.body.members, []);
    assert.deepEqual(await members(), []);

    // Errors change nothing.
    const before = await scim('GET', `/Groups/${gid}`);
    for (const body of [
      patch({ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }),
      patch({ op: 'add', path: 'members', value: [{ value: a.id }] }, { op: 'replace', path: 'displayName', value: null }),
      patch({ op: 'replace', path: 'members[value eq "x"].display', value: 'y' }),
      patch({ op: 'add', path: 'bogus', value: 'x' }),
    ]) {
      const failed = await scim('PATCH', `/Groups/${gid}`, body);
      assert.equal(failed.status, 400, JSON.stringify(body));
      check('PATCH', 'group', failed);
    }
    assert.deepEqual((await scim('GET', `/Groups/${gid}`)).body, before.body);
    assert.equal((await scim('PATCH', '/Groups/0', patch({ op: 'add', path: 'members', value: [{ value: a.id }] }))).status, 404);
  });

  it('Groups PUT replaces attributes and membership; DELETE removes the group (204, then 404)', async () => {
    const [a, b] = [await provision('put.a'), await provision('put.b')];
    const created = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-put', displayName: 'Put Group', members: [{ value: a.id }] });
    const gid = created.body.id as string;
    const res = await scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], displayName: 'Put Group 2', members: [{ value: b.id }] });
    assert.equal(res.status, 200);
    check('PUT', 'group', res);
    assert.equal(res.body.externalId, 'grp-put', 'kept when omitted');
    assert.deepEqual(res.body.members.map((m: { value: string }) => m.value), [b.id]);
    const emptied = await scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], externalId: 'grp-put', displayName: 'Put Group 2' });
    assert.deepEqual(emptied.body.members, []);
    const clash = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-put-other', displayName: 'Other' });
    assert.equal((await scim('PUT', `/Groups/${clash.body.id}`, { schemas: [GROUP_SCHEMA], externalId: 'grp-put', displayName: 'Other' })).status, 409);
    assert.equal((await scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], displayName: 'X', members: [{ value: 'nope' }] }, { headers: {} })).status, 400);
    assert.equal((await scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], displayName: 'X' }, { headers: { 'if-match': 'W/"1"' } })).status, 412);
    assert.equal((await scim('PUT', '/Groups/0', { schemas: [GROUP_SCHEMA], displayName: 'X' })).status, 404);

    const rowId = (await t.ctx.db.selectFrom('scim_groups').select('id').where('scim_id', '=', gid).executeTakeFirstOrThrow()).id;
    const del = await scim('DELETE', `/Groups/${gid}`);
    assert.equal(del.status, 204);
    assert.equal(await t.ctx.db.selectFrom('scim_groups').select('id').where('id', '=', rowId).executeTakeFirst(), undefined);
    const gone = await scim('GET', `/Groups/${gid}`);
    assert.equal(gone.status, 404);
    check('GET', 'group', gone);
    const again = await scim('DELETE', `/Groups/${gid}`);
    assert.equal(again.status, 404);
    check('DELETE', 'group', again);
    assert.ok((await audits('external_group.delete')).some((e) => JSON.parse(e.data).group_id === rowId));
  });

  it("a User's ETag and lastModified follow its groups: membership added or removed (PATCH, PUT), rename, DELETE", async () => {
    const [u, o1, o2] = [await provision('etag.u'), await provision('etag.o1'), await provision('etag.o2')];
    const created = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-etag', displayName: 'Versioned', members: [{ value: o1.id }, { value: o2.id }] });
    assert.equal(created.status, 201);
    const gid = created.body.id as string;
    const getUser = async (id: string, headers: Record<string, string> = {}) => {
      const res = await scim('GET', `/Users/${id}`, undefined, { headers });
      if (res.status === 200) {
        check('GET', 'user', res);
        assert.equal(res.headers.get('etag'), res.body.meta.version, 'ETag is meta.version');
      }
      return res;
    };
    const groupsOf = (res: ApiResponse<any>) => (res.body.groups ?? []).map((g: { value: string; display: string }) => `${g.value}:${g.display}`);
    // POST /Groups with members: their `groups` changed, so did their versions.
    for (const member of [o1, o2]) {
      const got = await getUser(member.id);
      assert.notEqual(got.headers.get('etag'), member.meta.version, 'a member of a new group has a new version');
      assert.deepEqual(groupsOf(got), [`${gid}:Versioned`]);
    }
    const others = async () => Promise.all([o1, o2].map(async (m) => (await getUser(m.id)).headers.get('etag')));
    const othersBefore = await others();

    const a = await getUser(u.id);
    const etagA = a.headers.get('etag')!;
    assert.equal(a.body.groups, undefined);
    t.clock.advance(60_000);

    // Added through PATCH: a new version and lastModified; the old ETag no longer matches.
    assert.equal((await scim('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }))).status, 204);
    const b = await getUser(u.id);
    const etagB = b.headers.get('etag')!;
    assert.notEqual(etagB, etagA);
    assert.deepEqual(b.body.groups, [{ value: gid, $ref: `${t.url}${base}/Groups/${gid}`, display: 'Versioned' }]);
    assert.ok(Date.parse(b.body.meta.lastModified) > Date.parse(a.body.meta.lastModified), 'lastModified moves');
    const revalidated = await getUser(u.id, { 'if-none-match': etagA });
    assert.equal(revalidated.status, 200, 'a stale If-None-Match gets the new representation, not 304');
    assert.deepEqual(revalidated.body, b.body);
    assert.equal((await getUser(u.id, { 'if-none-match': etagB })).status, 304);
    const stale = await scim('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'displayName', value: 'Stale' }), { headers: { 'if-match': etagA } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.status, 412);
    assert.deepEqual((await getUser(u.id)).body, b.body, 'the 412 changed nothing');
    // Adding one member leaves the other members' versions alone.
    assert.deepEqual(await others(), othersBefore);
    // An add that is already a member, or undone in the same request, is no change.
    await scim('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }));
    await scim('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: 'members', value: [{ value: u.id }] }, { op: 'add', path: 'members', value: [{ value: u.id }] }));
    assert.equal((await getUser(u.id)).headers.get('etag'), etagB);

    // Removed (by filter): a new version again; a PATCH with the previous one is 412, with the new one 200.
    t.clock.advance(60_000);
    assert.equal((await scim('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${u.id}"]` }))).status, 204);
    const c = await getUser(u.id);
    const etagC = c.headers.get('etag')!;
    assert.ok(![etagA, etagB].includes(etagC), etagC);
    assert.equal(c.body.groups, undefined);
    assert.ok(Date.parse(c.body.meta.lastModified) > Date.parse(b.body.meta.lastModified));
    assert.equal((await getUser(u.id, { 'if-none-match': etagB })).status, 200);
    assert.equal((await scim('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { headers: { 'if-match': etagB } })).status, 412);
    const fresh = await scim('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { headers: { 'if-match': etagC } });
    assert.equal(fresh.status, 200);
    const etagD = fresh.headers.get('etag')!;
    assert.deepEqual(await others(), othersBefore);

    // PUT: only the member it adds or removes moves.
    const put = await scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], externalId: 'grp-etag', displayName: 'Versioned', members: [{ value: o1.id }, { value: u.id }] });
    assert.equal(put.status, 200);
    const afterPut = await getUser(u.id);
    assert.notEqual(afterPut.headers.get('etag'), etagD);
    assert.deepEqual(groupsOf(afterPut), [`${gid}:Versioned`]);
    const [o1Put, o2Put] = await others();
    assert.equal(o1Put, othersBefore[0], 'a member the PUT kept keeps its version');
    assert.notEqual(o2Put, othersBefore[1], 'the member the PUT removed has a new version');
    assert.equal((await getUser(o2.id)).body.groups, undefined);

    // A rename changes every member's groups[].display, so every member's version.
    const beforeRename = [afterPut.headers.get('etag'), o1Put];
    assert.equal((await scim('PATCH', `/Groups/${gid}`, patch({ op: 'replace', path: 'displayName', value: 'Renamed' }))).status, 204);
    const renamed = await Promise.all([u, o1].map((m) => getUser(m.id)));
    renamed.forEach((res, i) => {
      assert.notEqual(res.headers.get('etag'), beforeRename[i]);
      assert.deepEqual(groupsOf(res), [`${gid}:Renamed`]);
    });
    assert.equal((await getUser(o2.id)).headers.get('etag'), o2Put, 'not a member: untouched');

    // DELETE: every member loses the group, and its version moves.
    assert.equal((await scim('DELETE', `/Groups/${gid}`)).status, 204);
    const deleted = await Promise.all([u, o1].map((m) => getUser(m.id)));
    deleted.forEach((res, i) => {
      assert.notEqual(res.headers.get('etag'), renamed[i]!.headers.get('etag'));
      assert.equal(res.body.groups, undefined);
    });
    assert.equal((await getUser(o2.id)).headers.get('etag'), o2Put);
  });

  it("a Group's ETag and lastModified follow its members' display (displayName, else userName): PATCH, PUT, remove; other changes leave it", async () => {
    const [m, other] = [await provision('disp.m'), await provision('disp.other')];
    const outsider = await provision('disp.out');
    const create = async (name: string, members: string[]) => {
      const res = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: `grp-${name}`, displayName: name, members: members.map((value) => ({ value })) });
      assert.equal(res.status, 201, res.text);
      return res.body.id as string;
    };
    const [g1, g2, g3] = [await create('Display One', [m.id, other.id]), await create('Display Two', [m.id]), await create('Display Three', [other.id])];
    const getGroup = async (id: string, headers: Record<string, string> = {}) => {
      const res = await scim('GET', `/Groups/${id}`, undefined, { headers });
      if (res.status === 200) {
        check('GET', 'group', res);
        assert.equal(res.headers.get('etag'), res.body.meta.version, 'ETag is meta.version');
      }
      return res;
    };
    const displays = (res: ApiResponse<any>) => Object.fromEntries(res.body.members.map((x: { value: string; display: string }) => [x.value, x.display]));
    const etags = async () => Promise.all([g1, g2, g3].map(async (id) => (await getGroup(id)).headers.get('etag')!));
    const patchUser = (id: string, ...operations: unknown[]) => scim('PATCH', `/Users/${id}`, patch(...operations));

    // A change that is not the display (title, name, emails) leaves every group's version.
    const before = await etags();
    const a = await getGroup(g1);
    t.clock.advance(60_000);
    assert.equal((await patchUser(m.id, { op: 'replace', path: 'title', value: 'Engineer' }, { op: 'replace', path: 'name.givenName', value: 'Disp' })).status, 200);
    assert.deepEqual(await etags(), before, 'not the display: no group moves');
    // PUT with the same displayName (and other attributes changed) is no display change either.
    const { id: _id, meta: _meta, groups: _groups, ...body } = (await scim('GET', `/Users/${m.id}`)).body;
    assert.equal((await scim('PUT', `/Users/${m.id}`, { ...body, title: 'Staff' })).status, 200);
    assert.deepEqual(await etags(), before);

    // displayName changed by PATCH: both groups of the member move (version and lastModified), the third does not.
    assert.equal((await patchUser(m.id, { op: 'replace', path: 'displayName', value: 'Renamed Member' })).status, 200);
    const b = await getGroup(g1);
    const etagB = b.headers.get('etag')!;
    assert.notEqual(etagB, before[0]);
    assert.ok(Date.parse(b.body.meta.lastModified) > Date.parse(a.body.meta.lastModified), 'lastModified moves');
    assert.deepEqual(displays(b), { [m.id]: 'Renamed Member', [other.id]: other.displayName });
    const afterPatch = await etags();
    assert.notEqual(afterPatch[1], before[1]);
    assert.equal(afterPatch[2], before[2], 'a group the identity is not in keeps its version');
    // The old ETag no longer matches: If-None-Match gets the new representation, If-Match is 412.
    const revalidated = await getGroup(g1, { 'if-none-match': before[0]! });
    assert.equal(revalidated.status, 200, 'a stale If-None-Match gets the new representation, not 304');
    assert.deepEqual(revalidated.body, b.body);
    assert.equal((await getGroup(g1, { 'if-none-match': etagB })).status, 304);
    const stale = await scim('PATCH', `/Groups/${g1}`, patch({ op: 'replace', path: 'displayName', value: 'Stale' }), { headers: { 'if-match': before[0]! } });
    assert.equal(stale.status, 412);

    // PUT changing displayName moves them again; so does removing it (the dialect derives one from name, or the
    // group shows the userName).
    assert.equal((await scim('PUT', `/Users/${m.id}`, { ...body, displayName: 'Put Member' })).status, 200);
    const afterPut = await etags();
    assert.ok(afterPut.every((etag, i) => (i === 2 ? etag === before[2] : etag !== afterPatch[i])), JSON.stringify([afterPatch, afterPut]));
    assert.equal(displays(await getGroup(g2))[m.id], 'Put Member');
    assert.equal((await patchUser(m.id, { op: 'remove', path: 'displayName' })).status, 200);
    const afterRemove = await etags();
    assert.ok(afterRemove.every((etag, i) => (i === 2 ? etag === before[2] : etag !== afterPut[i])), JSON.stringify([afterPut, afterRemove]));
    const removed = (await scim('GET', `/Users/${m.id}`)).body;
    const shown = (removed.displayName ?? removed.userName) as string;
    assert.notEqual(shown, 'Put Member');
    assert.equal(displays(await getGroup(g1))[m.id], shown);

    // An identity in no group: its display change touches no group.
    assert.equal((await patchUser(outsider.id, { op: 'replace', path: 'displayName', value: 'Lonely' })).status, 200);
    assert.deepEqual(await etags(), afterRemove);
  });

  it('group membership reaches linked teams (team sync), and suspension takes the user out', async () => {
    const a = await provision('synced');
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-sync', displayName: 'Synced' });
    const groupId = (await t.ctx.db.selectFrom('scim_groups').select('id').where('scim_id', '=', group.body.id).executeTakeFirstOrThrow()).id;
    const team = await createTeam(t.ctx, seed.org.login, { name: 'Synced Team', privacy: 'closed' }, null);
    // The creator became a maintainer; a linked team must have no manual members.
    await t.ctx.db.deleteFrom('team_members').where('team_id', '=', team.id).execute();
    const link = await t.request('PATCH', `/orgs/${seed.org.login}/teams/${team.slug}/external-groups`, { token: owner, body: { group_id: groupId } });
    assert.equal(link.status, 200, JSON.stringify(link.body));

    const accountId = (await accountOf(a.id)).id;
    const inTeam = async () => (await t.ctx.db.selectFrom('team_members').select('user_id').where('team_id', '=', team.id).where('user_id', '=', accountId).executeTakeFirst()) !== undefined;
    assert.equal((await scim('PATCH', `/Groups/${group.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: a.id }] }))).status, 204);
    assert.equal(await inTeam(), true);
    await scim('PATCH', `/Users/${a.id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(await inTeam(), false);
    await scim('PATCH', `/Users/${a.id}`, patch({ op: 'replace', path: 'active', value: true }));
    assert.equal(await inTeam(), true);
    await scim('PATCH', `/Groups/${group.body.id}`, patch({ op: 'remove', path: `members[value eq "${a.id}"]` }));
    assert.equal(await inTeam(), false);
  });

  it('concurrent membership PATCHes of one group all apply', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => scim('POST', '/Users', userBody(`conc${i}`)).then((r) => r.body as { id: string })));
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-conc', displayName: 'Concurrent' });
    const results = await Promise.all(users.map((u) => scim('PATCH', `/Groups/${group.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: u.id }] }))));
    assert.deepEqual(results.map((r) => r.status), users.map(() => 204));
    const shown = await scim('GET', `/Groups/${group.body.id}`);
    assert.equal(shown.body.members.length, 8);
    assert.equal(shown.body.meta.version, 'W/"9"');
  });

  // ---- Access, tenancy, errors -------------------------------------------------------------------------------

  it('401 without or with a bad token; 403 without scim:enterprise and for members who are not owners; 404 for outsiders and unknown enterprises', async () => {
    const user = await provision('guarded');
    const noToken = await scim('GET', '/Users', undefined, { token: undefined });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.message, 'Requires authentication');
    assert.equal(noToken.body.status, '401');
    assert.equal((await scim('GET', `/Users/${user.id}`, undefined, { token: 'ghp_notarealtoken' })).status, 401);

    const { token: readOnly } = await enterpriseMemberToken(t.ctx, ent, 'owner', ['read:enterprise', 'admin:org']);
    const denied = await scim('POST', '/Users', userBody('denied'), { token: readOnly });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.status, '403');
    assert.equal(denied.headers.get('x-accepted-oauth-scopes'), 'admin:enterprise, scim:enterprise');
    const { token: scimOnly } = await enterpriseMemberToken(t.ctx, ent, 'owner', ['scim:enterprise']);
    assert.equal((await scim('GET', `/Users/${user.id}`, undefined, { token: scimOnly })).status, 200);

    // A member who is not an owner can see the enterprise: 403 with a SCIM body; an outsider: 404.
    const { token: member } = await enterpriseMemberToken(t.ctx, ent, 'member', ['admin:enterprise']);
    const notOwner = await scim('GET', '/Users', undefined, { token: member });
    assert.equal(notOwner.status, 403);
    assert.equal(notOwner.body.status, 403);
    assert.deepEqual(notOwner.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    const { token: outsider } = await userWithToken(t.ctx, ['admin:enterprise']);
    const hidden = await scim('GET', '/Users', undefined, { token: outsider });
    assert.equal(hidden.status, 404);
    check('GET', 'user', hidden);
    assert.equal((await scim('GET', '/Users', undefined, { token: other.ownerToken })).status, 404);
    const unknown = await t.request('GET', '/scim/v2/enterprises/no-such-enterprise/Users', { token: owner });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'Not Found');
    assert.equal(unknown.headers.get('x-ratelimit-resource'), 'scim');
    const { token: admin } = await userWithToken(t.ctx, ['scim:enterprise'], { siteAdmin: true });
    assert.equal((await scim('GET', `/Users/${user.id}`, undefined, { token: admin })).status, 200);
  });

  it("another enterprise's ids answer 404 and change nothing", async () => {
    const foreignUser = await t.request('POST', `/scim/v2/enterprises/${other.enterprise.slug}/Users`, { token: other.ownerToken, body: userBody('theirs') });
    const foreignGroup = await t.request('POST', `/scim/v2/enterprises/${other.enterprise.slug}/Groups`, { token: other.ownerToken, body: { schemas: [GROUP_SCHEMA], externalId: 'theirs', displayName: 'Theirs' } });
    const before = await counts();
    for (const [method, path, body] of [
      ['GET', `/Users/${foreignUser.body.id}`, undefined],
      ['PUT', `/Users/${foreignUser.body.id}`, userBody('theirs')],
      ['PATCH', `/Users/${foreignUser.body.id}`, patch({ op: 'replace', path: 'active', value: false })],
      ['DELETE', `/Users/${foreignUser.body.id}`, undefined],
      ['GET', `/Groups/${foreignGroup.body.id}`, undefined],
      ['PUT', `/Groups/${foreignGroup.body.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Mine' }],
      ['PATCH', `/Groups/${foreignGroup.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Mine' })],
      ['DELETE', `/Groups/${foreignGroup.body.id}`, undefined],
    ] as const) {
      const res = await scim(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      check(method, path.startsWith('/Users') ? 'user' : 'group', res);
    }
    assert.deepEqual(await counts(), before);
    const theirs = await t.request('GET', `/scim/v2/enterprises/${other.enterprise.slug}/Users/${foreignUser.body.id}`, { token: other.ownerToken });
    assert.deepEqual(theirs.body, foreignUser.body);
    // Their user id is no member for our groups either.
    const mixed = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Mixed', members: [{ value: foreignUser.body.id }] });
    assert.equal(mixed.status, 400);
  });

  it('requests as application/json or scim+json; malformed JSON is 400 invalidSyntax; unknown attributes and URNs are ignored', async () => {
    const plain = await t.request('POST', `${base}/Users`, { token: owner, body: userBody('plainjson'), headers: { 'content-type': 'application/json' } });
    assert.equal(plain.status, 201);
    const charset = await t.request('POST', `${base}/Users`, { token: owner, body: userBody('charset'), headers: { 'content-type': 'application/scim+json; charset=utf-8' } });
    assert.equal(charset.status, 201);
    const broken = await scim('POST', '/Users', undefined, { rawBody: '{"schemas": [' });
    assert.equal(broken.status, 400);
    check('POST', 'users', broken);
    assert.equal(broken.body.scimType, 'invalidSyntax');
    const notObject = await scim('POST', '/Users', ['x']);
    assert.equal(notObject.status, 400);
    check('POST', 'users', notObject);
    const brokenPatch = await scim('PATCH', `/Users/${plain.body.id}`, undefined, { rawBody: 'nope' });
    assert.equal(brokenPatch.status, 400);
    check('PATCH', 'user', brokenPatch);

    // Entra: meta, roles:[], the enterprise URN without data, ADSCIM URN; Okta: password, groups:[].
    const noisy = await scim('POST', '/Users', {
      ...userBody('noisy'),
      schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User'],
      meta: { resourceType: 'User', version: 'v1.0', created: '04-12-2018 00:00:00' },
      password: 'hunter2',
      groups: [],
      id: 'client-chosen',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
      unknownThing: 1,
    });
    assert.equal(noisy.status, 201);
    check('POST', 'users', noisy);
    assert.notEqual(noisy.body.id, 'client-chosen');
    assert.equal(noisy.body.password, undefined);
    assert.equal(noisy.body.unknownThing, undefined);
    assert.deepEqual(noisy.body.schemas, [USER_SCHEMA]);
  });

  it('lenient by default: derives displayName, accepts missing externalId, emails and active', async () => {
    const res = await scim('POST', '/Users', { userName: 'minimal.person', name: { givenName: 'Min', familyName: 'Imal' } });
    assert.equal(res.status, 201);
    check('POST', 'users', res);
    assert.equal(res.body.displayName, 'Min Imal');
    assert.deepEqual(res.body.emails, []);
    assert.equal(res.body.active, true);
    assert.equal(res.body.externalId, undefined);
    const row = await accountOf(res.body.id);
    assert.deepEqual([row.name, row.email], ['Min Imal', null]);
    // Entra adds the email later through a filtered path (idp-quirks.md §2, entra-060).
    const later = await scim('PATCH', `/Users/${res.body.id}`, patch({ op: 'Add', path: 'emails[type eq "work"].value', value: 'min@example.com' }));
    assert.deepEqual(later.body.emails, [{ type: 'work', value: 'min@example.com' }]);
    assert.equal((await accountOf(res.body.id)).email, 'min@example.com');
    const onlyName = await scim('POST', '/Users', { userName: 'bare.person' });
    assert.equal(onlyName.body.displayName, 'bare.person');
    const noUserName = await scim('POST', '/Users', { displayName: 'Nobody' });
    assert.equal(noUserName.status, 400);
    assert.equal(noUserName.body.scimType, 'invalidValue');
  });

  it('a classic enterprise at the same path gets its own dialect, not managed semantics', async () => {
    const classic = await seedEnterprise(t.ctx, { kind: 'classic' });
    const res = await t.request('POST', `/scim/v2/enterprises/${classic.enterprise.slug}/Users`, { token: classic.ownerToken, body: userBody('classic.person') });
    assert.equal(res.status, 201);
    const row = await identityRow(res.body.id);
    assert.equal(row?.dialect, 'classic');
    assert.equal(row?.user_id, null, 'no managed account is created');
    assert.equal((await t.ctx.db.selectFrom('users').select('id').where('managed_by_enterprise_id', '=', classic.enterprise.id).execute()).length, 0);
  });

  it('discovery: ServiceProviderConfig, ResourceTypes, Schemas (and one of each); unknown ones 404', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.equal(config.headers.get('content-type'), 'application/scim+json; charset=utf-8');
    assert.deepEqual(
      [config.body.patch, config.body.bulk.supported, config.body.filter, config.body.changePassword, config.body.sort, config.body.etag],
      [{ supported: true }, false, { supported: true, maxResults: 1000 }, { supported: false }, { supported: false }, { supported: true }],
    );
    assert.equal(config.body.meta.location, `${t.url}${base}/ServiceProviderConfig`);
    assert.equal(config.body.authenticationSchemes[0].type, 'oauthbearertoken');

    const types = await scim('GET', '/ResourceTypes');
    assert.equal(types.body.totalResults, 2);
    assert.deepEqual(types.body.Resources.map((r: { name: string; endpoint: string; schemaExtensions: unknown[] }) => [r.name, r.endpoint, r.schemaExtensions]), [['User', '/Users', []], ['Group', '/Groups', []]]);
    const userType = await scim('GET', '/ResourceTypes/User');
    assert.equal(userType.body.schema, USER_SCHEMA);
    assert.equal(userType.body.meta.location, `${t.url}${base}/ResourceTypes/User`);

    const schemas = await scim('GET', '/Schemas');
    assert.deepEqual(schemas.body.Resources.map((s: { id: string }) => s.id), [USER_SCHEMA, GROUP_SCHEMA]);
    const userSchema = await scim('GET', `/Schemas/${USER_SCHEMA}`);
    const userName = userSchema.body.attributes.find((a: { name: string }) => a.name === 'userName');
    assert.deepEqual([userName.caseExact, userName.uniqueness, userName.required], [false, 'server', true]);
    for (const path of ['/ResourceTypes/Widget', '/Schemas/urn:nope']) {
      const res = await scim('GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.status, '404');
    }
  });

  it('a managed login already held by another account (another enterprise with the same shortcode) is 409', async () => {
    const twin = await createEnterprise(t.ctx, { slug: 'octo-twin', kind: 'managed', shortcode: ent.shortcode, ownerLogin: seed.owner.login }, null);
    await createUser(t.ctx, t.ctx.db, { login: `taken_${ent.shortcode}`, managedByEnterpriseId: twin.id }, null);
    const before = await counts();
    const res = await scim('POST', '/Users', userBody('taken', { userName: 'taken' }));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, 'uniqueness');
    assert.deepEqual(await counts(), before);
  });

  // ---- Random input never answers 5xx ------------------------------------------------------------------------

  it('random filter strings never answer 5xx (200 or 400 invalidFilter)', async () => {
    const pieces = ['userName', 'emails', '[', ']', '(', ')', ' eq ', ' ne ', ' co ', ' sw ', ' pr', ' gt ', ' and ', ' or ', 'not ', '"x"', "'y'", '12', 'true', 'null', '.value', 'meta.created', 'members', 'urn:ietf:params:scim:schemas:core:2.0:User:', '\\', '"', ' ', 'type eq "work"', 'groups.display', '$ref'];
    const filterText = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join('')));
    await fc.assert(
      fc.asyncProperty(filterText, fc.boolean(), async (filter, groups) => {
        const res = await scim('GET', `/${groups ? 'Groups' : 'Users'}?count=5&filter=${encodeURIComponent(filter)}`);
        assert.ok(res.status === 200 || res.status === 400, `${res.status} for ${JSON.stringify(filter)}: ${res.text}`);
        if (res.status === 400) assert.equal(res.body.scimType, 'invalidFilter', filter);
      }),
      { numRuns: 80, seed: 7 },
    );
  });

  it('random PATCH bodies never answer 5xx, and a failed PATCH leaves the resource unchanged', async () => {
    const user = await provision('fuzzed', { title: 'Fuzz' });
    const member = await provision('fuzz.member');
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], externalId: 'grp-fuzz', displayName: 'Fuzz', members: [{ value: member.id }] });
    const paths = ['active', 'title', 'userName', 'displayName', 'name.givenName', 'emails', 'emails[type eq "work"].value', 'emails[type eq "home"]', 'roles', 'members', `members[value eq "${member.id}"]`, 'members[display co "x"]', 'externalId', 'id', 'meta.created', 'nickName', 'x509Certificates', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'groups', 'bogus', '', 'emails[', 'name'];
    const values = fc.oneof(
      fc.constantFrom<unknown>(true, false, 'False', 'x', '', null, 7, [], {}, [{ value: 'a@b.c', type: 'work' }], [{ value: member.id }], { givenName: 'G' }, [{ value: 'user' }], [{ value: 'bogus-role' }], { active: false }, { displayName: 'D' }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const operation = fc.record(
      { op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'move'), path: fc.constantFrom(...paths), value: values },
      { requiredKeys: ['op'] },
    );
    const body = fc.oneof(
      fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(operation, { minLength: 1, maxLength: 3 }) }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (patchBody, onGroup) => {
        const path = onGroup ? `/Groups/${group.body.id}` : `/Users/${user.id}`;
        const before = await scim('GET', path);
        const res = await scim('PATCH', path, patchBody);
        assert.ok(res.status < 500, `${res.status} for ${JSON.stringify(patchBody)}: ${res.text}`);
        if (res.status >= 400) {
          assert.ok([400, 409].includes(res.status), `${res.status} ${res.text}`);
          assert.deepEqual((await scim('GET', path)).body, before.body, `changed by failed ${JSON.stringify(patchBody)}`);
        }
        // Keep the fixtures usable: restore what a successful PATCH may have changed.
        if (res.status < 300) {
          if (onGroup) await scim('PUT', path, { schemas: [GROUP_SCHEMA], externalId: 'grp-fuzz', displayName: 'Fuzz', members: [{ value: member.id }] });
          else await scim('PUT', path, { ...userBody('fuzzed', { title: 'Fuzz', externalId: user.externalId }), userName: user.userName, active: true });
        }
      }),
      { numRuns: 50, seed: 11 },
    );
  });

  // ---- Clients -------------------------------------------------------------------------------------------------

  it('drives the endpoints through octokit (enterprise-cloud plugin)', async () => {
    const octokit = octokitFor(t.url, owner);
    const created = await octokit.enterpriseAdmin.provisionEnterpriseUser({
      enterprise: ent.slug,
      schemas: [USER_SCHEMA],
      externalId: 'octokit-1',
      userName: 'octokit.user',
      active: true,
      displayName: 'Octokit User',
      emails: [{ value: 'octokit@example.com', type: 'work', primary: true }],
    });
    assert.equal(created.status, 201);
    const listed = await octokit.enterpriseAdmin.listProvisionedIdentitiesEnterprise({ enterprise: ent.slug, filter: 'externalId eq "octokit-1"' });
    assert.equal(listed.data.totalResults, 1);
    const id = listed.data.Resources[0]!.id;
    const group = await octokit.enterpriseAdmin.provisionEnterpriseGroup({ enterprise: ent.slug, schemas: [GROUP_SCHEMA], externalId: 'octokit-g', displayName: 'Octokit Group' });
    const patched = await octokit.enterpriseAdmin.updateAttributeForEnterpriseGroup({
      enterprise: ent.slug,
      scim_group_id: group.data.id!,
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: id }] as never }],
    });
    assert.equal(patched.status, 204);
    const fetched = await octokit.enterpriseAdmin.getProvisioningInformationForEnterpriseGroup({ enterprise: ent.slug, scim_group_id: group.data.id! });
    assert.deepEqual(fetched.data.members?.map((m: { value: string }) => m.value), [id]);
    const suspended = await octokit.enterpriseAdmin.updateAttributeForEnterpriseUser({ enterprise: ent.slug, scim_user_id: id, schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } as never }] });
    assert.equal(suspended.data.active, false);
    await octokit.enterpriseAdmin.deleteUserFromEnterprise({ enterprise: ent.slug, scim_user_id: id });
    await assert.rejects(octokit.enterpriseAdmin.getProvisioningInformationForEnterpriseUser({ enterprise: ent.slug, scim_user_id: id }), (e: { status?: number }) => e.status === 404);
  });
});

describe(`managed SCIM at the instance paths, strict mode, rate limits (${storageKind})`, () => {
  it('/scim/v2 and /api/v3/scim/v2 serve the first managed enterprise; 404 when there is none', async () => {
    const t = await startTestApp();
    try {
      const none = await userWithToken(t.ctx, ['admin:enterprise'], { siteAdmin: true });
      const empty = await t.request('GET', '/scim/v2/Users', { token: none.token });
      assert.equal(empty.status, 404);
      assert.equal(empty.body.message, 'Not Found');
      await seedEnterprise(t.ctx, { kind: 'classic' });
      assert.equal((await t.request('GET', '/scim/v2/Users', { token: none.token })).status, 404);

      const first = await seedEnterprise(t.ctx, { kind: 'managed' });
      await seedEnterprise(t.ctx, { kind: 'managed' });
      for (const root of ['/scim/v2', '/api/v3/scim/v2']) {
        const created = await t.request('POST', `${root}/Users`, { token: first.ownerToken, body: userBody(`instance${root.length}`) });
        assert.equal(created.status, 201);
        // GHES answers roles in its display forms (test/scim-ghes-instance.test.ts), outside ghec's enum.
        assert.deepEqual(created.body.roles, [{ value: 'User', primary: false }]);
        assertSchema('ghec', 'POST', SPEC.users, 201, { ...created.body, roles: undefined }, 'application/scim+json');
        assert.equal(created.body.meta.location, `${t.url}${root}/Users/${created.body.id}`);
        const row = await t.ctx.db.selectFrom('scim_users').selectAll().where('scim_id', '=', created.body.id).executeTakeFirstOrThrow();
        assert.equal(row.enterprise_id, first.enterprise.id);
        const got = await t.request('GET', `${root}/Users/${created.body.id}`, { token: first.ownerToken });
        assertSchema('ghec', 'GET', SPEC.user, 200, { ...got.body, roles: undefined }, 'application/scim+json');
        // The same identity through the enterprise path.
        const viaEnterprise = await t.request('GET', `/scim/v2/enterprises/${first.enterprise.slug}/Users/${created.body.id}`, { token: first.ownerToken });
        assert.equal(viaEnterprise.status, 200);
        const group = await t.request('POST', `${root}/Groups`, { token: first.ownerToken, body: { schemas: [GROUP_SCHEMA], displayName: `G${root.length}`, members: [{ value: created.body.id }] } });
        assertSchema('ghec', 'POST', SPEC.groups, 201, group.body, 'application/scim+json');
        assert.equal(group.body.members[0].$ref, `${t.url}${root}/Users/${created.body.id}`);
        const list = await t.request('GET', `${root}/Groups`, { token: first.ownerToken });
        assertSchema('ghec', 'GET', SPEC.groups, 200, list.body, 'application/scim+json');
        const missing = await t.request('GET', `${root}/Users/0`, { token: first.ownerToken });
        assertSchema('ghec', 'GET', SPEC.user, 404, missing.body);
        const config = await t.request('GET', `${root}/ServiceProviderConfig`, { token: first.ownerToken });
        assert.equal(config.body.meta.location, `${t.url}${root}/ServiceProviderConfig`);
      }
      assert.equal((await t.request('GET', '/scim/v2/users', { token: first.ownerToken })).status, 404, 'endpoints are case-sensitive');
    } finally {
      await t.close();
    }
  });

  it('config.instanceEnterprise names the enterprise instance SCIM serves', async () => {
    const t = await startTestApp({ instanceEnterprise: 'the-instance' });
    try {
      const first = await seedEnterprise(t.ctx, { kind: 'managed' });
      const chosen = await seedEnterprise(t.ctx, { kind: 'managed', slug: 'the-instance' });
      assert.equal((await t.request('GET', '/scim/v2/Users', { token: first.ownerToken })).status, 404, 'owner of another enterprise');
      const created = await t.request('POST', '/api/v3/scim/v2/Users', { token: chosen.ownerToken, body: userBody('chosen') });
      assert.equal(created.status, 201);
      const account = await t.ctx.db.selectFrom('users').selectAll().where('managed_by_enterprise_id', '=', chosen.enterprise.id).executeTakeFirstOrThrow();
      // The instance is GitHub Enterprise Server: no shortcode.
      assert.equal(account.login, 'chosen');

      // A server fault (here: a table gone) is a logged 500 with a SCIM error body, and the transaction leaves nothing.
      await t.ctx.db.schema.dropTable('scim_user_values').execute();
      const before = (await t.ctx.db.selectFrom('scim_users').select('id').execute()).length;
      const broken = await t.request('POST', '/scim/v2/Users', { token: chosen.ownerToken, body: userBody('broken') });
      assert.equal(broken.status, 500);
      assertSchema('ghec', 'POST', SPEC.users, 500, broken.body, 'application/scim+json');
      assert.deepEqual([broken.body.status, broken.body.detail], [500, 'Internal server error']);
      assert.equal((await t.ctx.db.selectFrom('scim_users').select('id').execute()).length, before);
    } finally {
      await t.close();
    }
  });

  it('strictScim: rejects what GitHub rejects (400 invalidValue), including a missing User-Agent', async () => {
    const t = await startTestApp({ strictScim: true });
    try {
      const seed = await seedEnterprise(t.ctx, { kind: 'managed' });
      const url = `/scim/v2/enterprises/${seed.enterprise.slug}`;
      const full = userBody('strict');
      const post = (body: unknown, headers: Record<string, string> = {}) => t.request('POST', `${url}/Users`, { token: seed.ownerToken, body, headers });
      assert.equal((await post(full)).status, 201);
      const drop = (key: string) => Object.fromEntries(Object.entries(userBody('strict2')).filter(([k]) => k !== key));
      for (const body of [
        drop('externalId'),
        drop('displayName'),
        drop('emails'),
        drop('active'),
        drop('schemas'),
        { ...userBody('strict3'), emails: [{ value: 'a@example.com' }] },
        { ...userBody('strict4'), name: { givenName: 'Only' } },
      ]) {
        const res = await post(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assertSchema('ghec', 'POST', SPEC.users, 400, res.body, 'application/scim+json');
        assert.equal(res.body.scimType, 'invalidValue');
      }
      const noGroupExternalId = await t.request('POST', `${url}/Groups`, { token: seed.ownerToken, body: { schemas: [GROUP_SCHEMA], displayName: 'No external id' } });
      assert.equal(noGroupExternalId.status, 400);
      const created = (await t.request('GET', `${url}/Users`, { token: seed.ownerToken })).body.Resources[0];
      const noSchema = await t.request('PATCH', `${url}/Users/${created.id}`, { token: seed.ownerToken, body: { Operations: [{ op: 'replace', path: 'title', value: 'x' }] } });
      assert.equal(noSchema.status, 400);
      const extension = await t.request('PATCH', `${url}/Users/${created.id}`, { token: seed.ownerToken, body: patch({ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'x' }) });
      assert.equal(extension.status, 400);
      assert.equal(extension.body.scimType, 'invalidPath');
      const noAgent = await post(userBody('agentless'), { 'user-agent': '' });
      assert.equal(noAgent.status, 403);
    } finally {
      await t.close();
    }
  });

  it('a rate-limited token gets 429 with a SCIM error body', async () => {
    const t = await startTestApp({ rateLimitPerHour: 2 });
    try {
      const seed = await seedEnterprise(t.ctx, { kind: 'managed' });
      const url = `/scim/v2/enterprises/${seed.enterprise.slug}/Users`;
      let last: ApiResponse | undefined;
      for (let i = 0; i < 3; i += 1) last = await t.request('GET', url, { token: seed.ownerToken });
      assert.equal(last!.status, 429);
      assertSchema('ghec', 'GET', SPEC.users, 429, last!.body, 'application/scim+json');
      assert.equal(last!.headers.get('x-ratelimit-remaining'), '0');
      assert.equal(last!.headers.get('x-ratelimit-resource'), 'scim');
      // Every enterprise SCIM operation documents its 429 as a SCIM error (ghec; the 2021 classic description
      // documents no error bodies), the PATCHes and the instance paths included.
      const group = await t.request('PATCH', `/scim/v2/enterprises/${seed.enterprise.slug}/Groups/any`, { token: seed.ownerToken, body: patch({ op: 'add', path: 'members', value: [] }) });
      assert.equal(group.status, 429);
      assertSchema('ghec', 'PATCH', SPEC.group, 429, group.body, 'application/scim+json');
      const user = await t.request('PATCH', '/api/v3/scim/v2/Users/any', { token: seed.ownerToken, body: patch({ op: 'replace', path: 'active', value: false }) });
      assert.equal(user.status, 429);
      assertSchema('ghec', 'PATCH', SPEC.user, 429, user.body, 'application/scim+json');
      assert.equal(user.body.status, 429);
    } finally {
      await t.close();
    }
  });
});
