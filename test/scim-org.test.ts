/**
 * Organization SCIM (`/scim/v2/organizations/{org}/Users`, seed 003, openapi-contract.md §7, github-semantics.md §3.1)
 * over HTTP: provision and invite (by email, or the account whose login is the userName), pending invitations in the
 * list, accepting, filters, PUT/PATCH, `active: false` and DELETE removing the member and the identity, reinstating
 * a former member, uniqueness (also under concurrency), access rules and tenant isolation, discovery (Users only),
 * strict mode, and octokit's `scim.*` methods. Every body is checked against GitHub's ghec description.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createOrganization } from '../src/domain/accounts/accounts.ts';
import type { OrganizationRow, UserRow } from '../src/storage/tables.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const USERS = '/scim/v2/organizations/{org}/Users';
const USER = '/scim/v2/organizations/{org}/Users/{scim_user_id}';
const SCIM = 'application/scim+json';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

interface ScimUserBody {
  schemas: string[];
  id: string;
  userName: string;
  externalId?: string;
  active: boolean;
  organization_id: number;
  emails: Array<{ value: string; primary?: boolean }>;
  name?: { givenName?: string; familyName?: string };
  meta: { resourceType: string; created: string; lastModified: string; location: string; version: string };
}

function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_URN],
    userName,
    name: { givenName: 'Mona', familyName: 'Octocat' },
    emails: [{ value: `${userName.replace(/@.*$/, '')}@example.com`, primary: true, type: 'work' }],
    ...extra,
  };
}

describe(`organization SCIM (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let org: OrganizationRow;
  let base: string;
  let owner: string;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
    org = seed.org;
    base = `/scim/v2/organizations/${org.login}`;
    owner = seed.ownerToken;
  });
  after(() => t.close());

  /** `token` null sends none. */
  const scim = <T = any>(method: string, path: string, body?: unknown, token: string | null = owner, headers: Record<string, string> = {}): Promise<ApiResponse<T>> =>
    t.request<T>(method, path, {
      token: token ?? undefined,
      headers: { accept: SCIM, 'content-type': SCIM, ...headers },
      ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }),
    });

  async function identityRows(orgId = org.id) {
    return t.ctx.db.selectFrom('scim_users').select(['scim_id', 'user_name', 'user_id', 'dialect', 'active']).where('scope', '=', `org:${orgId}`).orderBy('id').execute();
  }

  async function invitations(orgRow = org) {
    const res = await t.request('GET', `/orgs/${orgRow.login}/invitations?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/invitations', 200, res.body);
    return res.body as Array<{ id: number; login: string | null; email: string | null; invitation_source: string; role: string }>;
  }

  async function memberLogins(orgRow = org): Promise<string[]> {
    const res = await t.request('GET', `/orgs/${orgRow.login}/members?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    return (res.body as Array<{ login: string }>).map((m) => m.login);
  }

  async function auditActions(since: number): Promise<string[]> {
    const rows = await t.ctx.db.selectFrom('audit_events').select('action').where('id', '>', since).where('org_id', '=', org.id).orderBy('id').execute();
    return rows.map((r) => r.action);
  }

  async function lastAuditId(): Promise<number> {
    const row = await t.ctx.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.id ?? 0;
  }

  it('POST provisions an identity and invites its email; the list includes the pending invitation', async () => {
    const mark = await lastAuditId();
    const res = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('mona.octocat@okta.example.com', { externalId: 'ext-mona', displayName: 'Mona Octocat' }));
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assertSchema('ghec', 'POST', USERS, 201, res.body, SCIM);
    const body = res.body;
    assert.equal(body.userName, 'mona.octocat@okta.example.com');
    assert.equal(body.externalId, 'ext-mona');
    assert.equal(body.active, true);
    assert.equal(body.organization_id, org.id);
    assert.deepEqual(body.schemas, [USER_URN]);
    assert.equal(body.meta.resourceType, 'User');
    assert.equal(body.meta.location, `${t.url}${base}/Users/${body.id}`);
    assert.equal(res.headers.get('location'), body.meta.location);
    assert.equal(res.headers.get('etag'), 'W/"1"');

    const rows = await identityRows();
    const row = rows.find((r) => r.scim_id === body.id);
    assert.ok(row !== undefined);
    assert.equal(row.dialect, 'org');
    assert.equal(row.user_id, null, 'no GitHub account has that login');
    const invited = (await invitations()).filter((i) => i.email === 'mona.octocat@example.com');
    assert.equal(invited.length, 1);
    assert.equal(invited[0]?.invitation_source, 'scim');
    assert.equal(invited[0]?.login, null);
    assert.equal(invited[0]?.role, 'direct_member');
    assert.deepEqual(await auditActions(mark), ['org.invite_member', 'external_identity.provision']);

    const list = await scim('GET', `${base}/Users`);
    assert.equal(list.status, 200);
    assertSchema('ghec', 'GET', USERS, 200, list.body, SCIM);
    assert.ok(list.body.Resources.some((u: ScimUserBody) => u.id === body.id), 'pending invitations are listed');
  });

  it('POST links the account whose login is the userName and invites it; accepting makes it a member', async () => {
    const person = await userWithToken(t.ctx, ['user', 'write:org']);
    const res = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(person.user.login.toUpperCase(), { externalId: `ext-${person.user.login}` }));
    assert.equal(res.status, 201, res.text);
    assertSchema('ghec', 'POST', USERS, 201, res.body, SCIM);
    const row = (await identityRows()).find((r) => r.scim_id === res.body.id);
    assert.equal(row?.user_id, person.user.id);

    const pending = await t.request('GET', `/orgs/${org.login}/memberships/${person.user.login}`, { token: owner });
    assert.equal(pending.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/memberships/{username}', 200, pending.body);
    assert.equal(pending.body.state, 'pending');
    const invitation = (await invitations()).find((i) => i.login === person.user.login);
    assert.equal(invitation?.invitation_source, 'scim');
    assert.ok(!(await memberLogins()).includes(person.user.login));

    const accepted = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: person.token, body: { state: 'active' } });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.state, 'active');
    assert.ok((await memberLogins()).includes(person.user.login));
    assert.ok(!(await invitations()).some((i) => i.login === person.user.login));
  });

  it('filters on id, userName, emails and externalId (eq), and any other filter of the grammar; pages with startIndex/count', async () => {
    const a = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('filter-a@example.com', { externalId: 'flt-a' }));
    const b = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('filter-b@example.com', { externalId: 'flt-b' }));
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    const ids = async (filter: string): Promise<string[]> => {
      const res = await scim('GET', `${base}/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      assertSchema('ghec', 'GET', USERS, 200, res.body, SCIM);
      assert.equal(res.body.totalResults, res.body.Resources.length);
      return res.body.Resources.map((u: ScimUserBody) => u.id);
    };
    assert.deepEqual(await ids(`id eq "${a.body.id}"`), [a.body.id]);
    assert.deepEqual(await ids('userName eq "FILTER-B@example.com"'), [b.body.id]);
    assert.deepEqual(await ids('emails eq "filter-a@example.com"'), [a.body.id]);
    assert.deepEqual(await ids('externalId eq "flt-b"'), [b.body.id]);
    assert.deepEqual(await ids('userName sw "filter-" and not (externalId eq "flt-a")'), [b.body.id]);
    assert.deepEqual(await ids('emails[value co "filter-" and primary eq true]'), [a.body.id, b.body.id]);
    assert.deepEqual(await ids('userName eq "nobody"'), []);
    // GitHub's own reference quotes the whole filter (seed 002: `?filter="externalId eq '9138790-…'"`).
    const quoted = await scim('GET', `${base}/Users?filter=${encodeURIComponent('"externalId eq \'flt-a\'"')}`);
    assert.equal(quoted.status, 200, quoted.text);
    assert.deepEqual(quoted.body.Resources.map((u: ScimUserBody) => u.id), [a.body.id]);

    const page = await scim('GET', `${base}/Users?filter=${encodeURIComponent('userName sw "filter-"')}&startIndex=2&count=1`);
    assert.equal(page.status, 200);
    assertSchema('ghec', 'GET', USERS, 200, page.body, SCIM);
    assert.equal(page.body.totalResults, 2);
    assert.equal(page.body.startIndex, 2);
    assert.equal(page.body.itemsPerPage, 1);
    assert.deepEqual(page.body.Resources.map((u: ScimUserBody) => u.id), [b.body.id]);

    const search = await scim('POST', `${base}/Users/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'externalId eq "flt-a"' });
    assert.equal(search.status, 200);
    assert.deepEqual(search.body.Resources.map((u: ScimUserBody) => u.id), [a.body.id]);

    const bad = await scim('GET', `${base}/Users?filter=${encodeURIComponent('userName eq')}`);
    assert.equal(bad.status, 400);
    assertSchema('ghec', 'GET', USERS, 400, bad.body, SCIM);
    assert.equal(bad.body.scimType, 'invalidFilter');
    const unknownAttribute = await scim('GET', `${base}/Users?filter=${encodeURIComponent('nickname2 eq "x"')}`);
    assert.equal(unknownAttribute.status, 400);
  });

  it('GET one identity: 200 with ETag, 304 on If-None-Match, 404 (SCIM error) for unknown ids', async () => {
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('get-me@example.com'));
    const got = await scim<ScimUserBody>('GET', `${base}/Users/${created.body.id}`);
    assert.equal(got.status, 200);
    assertSchema('ghec', 'GET', USER, 200, got.body, SCIM);
    assert.deepEqual(got.body, created.body);
    const etag = got.headers.get('etag') ?? '';
    const cached = await scim('GET', `${base}/Users/${created.body.id}`, undefined, owner, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    const projected = await scim('GET', `${base}/Users/${created.body.id}?attributes=userName`);
    assert.equal(projected.status, 200);
    assertSchema('ghec', 'GET', USER, 200, projected.body, SCIM);
    assert.equal(projected.body.name, undefined);

    const missing = await scim('GET', `${base}/Users/00000000-0000-0000-0000-000000000000`);
    assert.equal(missing.status, 404);
    assertSchema('ghec', 'GET', USER, 404, missing.body, SCIM);
    assert.deepEqual(missing.body.schemas, [ERROR_URN]);
    assert.equal(missing.body.status, 404);
  });

  it('PUT replaces the resource: userName may change, an omitted externalId is kept; 404 for unknown ids', async () => {
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('put-me@example.com', { externalId: 'ext-put' }));
    const { externalId: _omitted, ...withoutExternalId } = userBody('put-me-renamed@example.com', { name: { givenName: 'Monalisa', familyName: 'Octocat' } });
    const put = await scim<ScimUserBody>('PUT', `${base}/Users/${created.body.id}`, withoutExternalId);
    assert.equal(put.status, 200, put.text);
    assertSchema('ghec', 'PUT', USER, 200, put.body, SCIM);
    assert.equal(put.body.userName, 'put-me-renamed@example.com');
    assert.equal(put.body.externalId, 'ext-put');
    assert.equal(put.body.name?.givenName, 'Monalisa');
    assert.equal(put.headers.get('etag'), 'W/"2"');
    // The pending email invitation follows the new primary email.
    assert.ok((await invitations()).some((i) => i.email === 'put-me-renamed@example.com'));
    assert.ok(!(await invitations()).some((i) => i.email === 'put-me@example.com'));

    const stale = await scim('PUT', `${base}/Users/${created.body.id}`, userBody('put-me-again@example.com'), owner, { 'if-match': 'W/"1"' });
    assert.equal(stale.status, 412);
    const missing = await scim('PUT', `${base}/Users/00000000-0000-0000-0000-000000000000`, userBody('nobody@example.com'));
    assert.equal(missing.status, 404);
    assertSchema('ghec', 'PUT', USER, 404, missing.body, SCIM);
  });

  it('PATCH updates attributes (path-less Okta form and paths); bad operations are 400 and change nothing', async () => {
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('patch-me@example.com'));
    const patched = await scim<ScimUserBody>('PATCH', `${base}/Users/${created.body.id}`, {
      schemas: [PATCH_URN],
      Operations: [
        { op: 'Replace', path: 'name.givenName', value: 'Monalisa' },
        { op: 'replace', value: { externalId: 'ext-patched' } },
      ],
    });
    assert.equal(patched.status, 200, patched.text);
    assertSchema('ghec', 'PATCH', USER, 200, patched.body, SCIM);
    assert.equal(patched.body.name?.givenName, 'Monalisa');
    assert.equal(patched.body.externalId, 'ext-patched');
    // `schemas` is optional on org SCIM PATCH.
    const noSchemas = await scim<ScimUserBody>('PATCH', `${base}/Users/${created.body.id}`, { Operations: [{ op: 'replace', path: 'userName', value: 'patch-renamed@example.com' }] });
    assert.equal(noSchemas.status, 200, noSchemas.text);
    assert.equal(noSchemas.body.userName, 'patch-renamed@example.com');

    const before = await scim('GET', `${base}/Users/${created.body.id}`);
    const bad = await scim('PATCH', `${base}/Users/${created.body.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'frobnicate', path: 'userName', value: 'x' }] });
    assert.equal(bad.status, 400);
    assertSchema('ghec', 'PATCH', USER, 400, bad.body, SCIM);
    const badValue = await scim('PATCH', `${base}/Users/${created.body.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] });
    assert.equal(badValue.status, 400);
    assert.deepEqual((await scim('GET', `${base}/Users/${created.body.id}`)).body, before.body);
    const missing = await scim('PATCH', `${base}/Users/00000000-0000-0000-0000-000000000000`, { Operations: [{ op: 'replace', path: 'active', value: false }] });
    assert.equal(missing.status, 404);
    assertSchema('ghec', 'PATCH', USER, 404, missing.body, SCIM);
  });

  it('PATCH active:false removes the member from the org and deletes the identity and its id', async () => {
    const person = await userWithToken(t.ctx, ['user', 'write:org']);
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(person.user.login));
    assert.equal((await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: person.token, body: { state: 'active' } })).status, 200);
    assert.ok((await memberLogins()).includes(person.user.login));
    const mark = await lastAuditId();

    const res = await scim<ScimUserBody>('PATCH', `${base}/Users/${created.body.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(res.status, 200, res.text);
    assertSchema('ghec', 'PATCH', USER, 200, res.body, SCIM);
    assert.equal(res.body.active, false);
    assert.equal((await scim('GET', `${base}/Users/${created.body.id}`)).status, 404);
    assert.ok(!(await identityRows()).some((r) => r.scim_id === created.body.id));
    assert.ok(!(await memberLogins()).includes(person.user.login));
    assert.equal((await t.request('GET', `/orgs/${org.login}/memberships/${person.user.login}`, { token: owner })).status, 404);
    const actions = await auditActions(mark);
    for (const action of ['external_identity.update', 'org.remove_member', 'external_identity.deprovision']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });

  it('PUT active:false deletes too; a former member provisioned again is reinstated without an invitation', async () => {
    const person = await userWithToken(t.ctx, ['user', 'write:org']);
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(person.user.login));
    await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: person.token, body: { state: 'active' } });
    const put = await scim<ScimUserBody>('PUT', `${base}/Users/${created.body.id}`, userBody(person.user.login, { active: false }));
    assert.equal(put.status, 200, put.text);
    assertSchema('ghec', 'PUT', USER, 200, put.body, SCIM);
    assert.equal((await scim('GET', `${base}/Users/${created.body.id}`)).status, 404);
    assert.ok(!(await memberLogins()).includes(person.user.login));

    const again = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(person.user.login));
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, created.body.id, 'a new identity with a new id');
    assert.ok((await memberLogins()).includes(person.user.login), 'reinstated');
    assert.ok(!(await invitations()).some((i) => i.login === person.user.login));
  });

  it("deprovisioning the organization's last owner keeps the ownership (GitHub never leaves an org without an owner)", async () => {
    const self = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(seed.owner.login));
    assert.equal(self.status, 201);
    assert.equal((await identityRows()).find((r) => r.scim_id === self.body.id)?.user_id, seed.owner.id);
    assert.equal((await scim('DELETE', `${base}/Users/${self.body.id}`)).status, 204);
    assert.equal((await scim('GET', `${base}/Users/${self.body.id}`)).status, 404);
    const membership = await t.request('GET', `/orgs/${org.login}/memberships/${seed.owner.login}`, { token: owner });
    assert.equal(membership.body.role, 'admin');
    assert.equal(membership.body.state, 'active');
  });

  it('DELETE cancels the pending invitation, removes the identity (204, then 404)', async () => {
    const created = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('delete-me@example.com'));
    assert.ok((await invitations()).some((i) => i.email === 'delete-me@example.com'));
    const mark = await lastAuditId();
    const res = await scim('DELETE', `${base}/Users/${created.body.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.ok(!(await invitations()).some((i) => i.email === 'delete-me@example.com'));
    assert.equal((await scim('GET', `${base}/Users/${created.body.id}`)).status, 404);
    assert.deepEqual(await auditActions(mark), ['org.cancel_invitation', 'external_identity.deprovision']);
    const again = await scim('DELETE', `${base}/Users/${created.body.id}`);
    assert.equal(again.status, 404);
    assertSchema('ghec', 'DELETE', USER, 404, again.body, SCIM);
  });

  it('userName and externalId are unique per organization (409), also for concurrent duplicate POSTs', async () => {
    const first = await scim('POST', `${base}/Users`, userBody('unique@example.com', { externalId: 'ext-unique' }));
    assert.equal(first.status, 201);
    const sameName = await scim('POST', `${base}/Users`, userBody('UNIQUE@example.com'));
    assert.equal(sameName.status, 409);
    assertSchema('ghec', 'POST', USERS, 409, sameName.body, SCIM);
    assert.equal(sameName.body.scimType, 'uniqueness');
    const sameExternal = await scim('POST', `${base}/Users`, userBody('unique-2@example.com', { externalId: 'ext-unique' }));
    assert.equal(sameExternal.status, 409);
    const rename = await scim('PATCH', `${base}/Users/${(await scim('POST', `${base}/Users`, userBody('unique-3@example.com'))).body.id}`, {
      Operations: [{ op: 'replace', path: 'userName', value: 'unique@example.com' }],
    });
    assert.equal(rename.status, 409);

    const racers = await Promise.all(Array.from({ length: 6 }, () => scim('POST', `${base}/Users`, userBody('racer@example.com'))));
    const statuses = racers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], racers.map((r) => r.text).join('\n'));
    for (const loser of racers.filter((r) => r.status === 409)) assertSchema('ghec', 'POST', USERS, 409, loser.body, SCIM);
    assert.equal((await identityRows()).filter((r) => r.user_name === 'racer@example.com').length, 1);
    assert.equal((await invitations()).filter((i) => i.email === 'racer@example.com').length, 1);

    // Uniqueness is per organization: another organization may provision the same userName.
    const otherOrg = await createOrganization(t.ctx, { login: `uniq-${org.login}`, enterpriseSlug: seed.enterprise.slug, adminLogin: seed.owner.login }, null);
    const elsewhere = await scim('POST', `/scim/v2/organizations/${otherOrg.login}/Users`, userBody('unique@example.com', { externalId: 'ext-unique' }));
    assert.equal(elsewhere.status, 201);
  });

  it('bad bodies are 400 and create nothing; lenient by default about what IdPs omit', async () => {
    const count = (await identityRows()).length;
    const malformed = await t.request('POST', `${base}/Users`, { token: owner, rawBody: '{"userName":', headers: { 'content-type': SCIM } });
    assert.equal(malformed.status, 400);
    assertSchema('ghec', 'POST', USERS, 400, malformed.body, SCIM);
    assert.equal(malformed.body.scimType, 'invalidSyntax');
    const noUserName = await scim('POST', `${base}/Users`, { name: { givenName: 'A', familyName: 'B' }, emails: [{ value: 'a@example.com' }] });
    assert.equal(noUserName.status, 400);
    assertSchema('ghec', 'POST', USERS, 400, noUserName.body, SCIM);
    const badActive = await scim('POST', `${base}/Users`, userBody('bad-active@example.com', { active: 'perhaps' }));
    assert.equal(badActive.status, 400);
    const notObject = await scim('POST', `${base}/Users`, ['userName']);
    assert.equal(notObject.status, 400);
    assert.equal((await identityRows()).length, count);

    // Entra users without mail, Okta test users without name: accepted (idp-quirks.md §9.1); `"False"` is a boolean.
    const lenient = await scim<ScimUserBody>('POST', `${base}/Users`, { userName: 'bare@example.com', active: 'True' });
    assert.equal(lenient.status, 201, lenient.text);
    assertSchema('ghec', 'POST', USERS, 201, lenient.body, SCIM);
    assert.deepEqual(lenient.body.emails, []);
    assert.equal(lenient.body.active, true);
  });

  it('strict mode requires userName, name.givenName, name.familyName and emails, as GitHub documents', async () => {
    const strict = await startTestApp({ strictScim: true });
    try {
      const s = await seedEnterprise(strict.ctx);
      const path = `/scim/v2/organizations/${s.org.login}/Users`;
      const post = (body: unknown) =>
        strict.request('POST', path, { token: s.ownerToken, headers: { 'content-type': SCIM, 'user-agent': 'test' }, rawBody: JSON.stringify(body) });
      for (const body of [
        { userName: 'x@example.com', emails: [{ value: 'x@example.com' }] },
        { userName: 'x@example.com', name: { givenName: 'X' }, emails: [{ value: 'x@example.com' }] },
        { userName: 'x@example.com', name: { givenName: 'X', familyName: 'Y' }, emails: [] },
      ]) {
        const res = await post(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assertSchema('ghec', 'POST', USERS, 400, res.body, SCIM);
        assert.equal(res.body.scimType, 'invalidValue');
      }
      const ok = await post({ userName: 'x@example.com', name: { givenName: 'X', familyName: 'Y' }, emails: [{ value: 'x@example.com' }] });
      assert.equal(ok.status, 201, ok.text);
      const noAgent = await strict.request('GET', path, { token: s.ownerToken, headers: { 'user-agent': '' } });
      assert.equal(noAgent.status, 403);
      assertSchema('ghec', 'GET', USERS, 403, noAgent.body, SCIM);
    } finally {
      await strict.close();
    }
  });

  it('access: 401 without a token, SCIM 403 without admin:org and for members who are not owners, SCIM 404 for outsiders and unknown orgs; enterprise owners are allowed', async () => {
    assert.equal((await scim('GET', `${base}/Users`, undefined, null)).status, 401);

    const readOnlyOwner = await userWithToken(t.ctx, ['read:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, readOnlyOwner.user, 'admin', null);
    const forbidden = await scim('GET', `${base}/Users`, undefined, readOnlyOwner.token);
    assert.equal(forbidden.status, 403);
    assertSchema('ghec', 'GET', USERS, 403, forbidden.body, SCIM);
    assert.equal(forbidden.body.status, 403);
    assert.match(forbidden.headers.get('x-accepted-oauth-scopes') ?? '', /admin:org/);
    const forbiddenPost = await scim('POST', `${base}/Users`, userBody('forbidden@example.com'), readOnlyOwner.token);
    assert.equal(forbiddenPost.status, 403);
    assertSchema('ghec', 'POST', USERS, 403, forbiddenPost.body, SCIM);

    // A member who is not an owner can see the organization: 403 (SCIM body, as documented); an outsider: 404.
    const plainMember = await userWithToken(t.ctx, ['admin:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, plainMember.user, 'member', null);
    const notOwner = await scim('GET', `${base}/Users`, undefined, plainMember.token);
    assert.equal(notOwner.status, 403);
    assertSchema('ghec', 'GET', USERS, 403, notOwner.body, SCIM);
    const outsider = await userWithToken(t.ctx, ['admin:org']);
    const hidden = await scim('GET', `${base}/Users`, undefined, outsider.token);
    assert.equal(hidden.status, 404);
    assertSchema('ghec', 'GET', USERS, 404, hidden.body, SCIM);
    const unknownOrg = await scim('GET', '/scim/v2/organizations/no-such-org/Users');
    assert.equal(unknownOrg.status, 404);
    assertSchema('ghec', 'GET', USERS, 404, unknownOrg.body, SCIM);

    // An owner of the organization's enterprise who is not an org member may use it (as on the REST surface).
    const entOrg = await createOrganization(t.ctx, { login: `eo-${org.login}`, enterpriseSlug: seed.enterprise.slug, adminLogin: readOnlyOwner.user.login }, null);
    const viaEnterprise = await scim('GET', `/scim/v2/organizations/${entOrg.login}/Users`);
    assert.equal(viaEnterprise.status, 200);
    // Under /api/v3 too, with locations there.
    const v3 = await scim('POST', `/api/v3/scim/v2/organizations/${entOrg.login}/Users`, userBody('v3@example.com'));
    assert.equal(v3.status, 201);
    assert.equal(v3.body.meta.location, `${t.url}/api/v3/scim/v2/organizations/${entOrg.login}/Users/${v3.body.id}`);

    // Organizations with managed users are not served.
    const managed = await seedEnterprise(t.ctx, { kind: 'managed' });
    const emu = await scim('GET', `/scim/v2/organizations/${managed.org.login}/Users`, undefined, managed.ownerToken);
    assert.equal(emu.status, 404);
    assertSchema('ghec', 'GET', USERS, 404, emu.body, SCIM);
  });

  it("another organization's identities are 404 here and stay unchanged", async () => {
    const other = await seedEnterprise(t.ctx);
    const otherBase = `/scim/v2/organizations/${other.org.login}`;
    const theirs = await scim<ScimUserBody>('POST', `${otherBase}/Users`, userBody('theirs@example.com'), other.ownerToken);
    assert.equal(theirs.status, 201);
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', userBody('hijack@example.com')],
      ['PATCH', { Operations: [{ op: 'replace', value: { active: false } }] }],
      ['DELETE', undefined],
    ] as const) {
      const res = await scim(method, `${base}/Users/${theirs.body.id}`, body);
      assert.equal(res.status, 404, `${method}: ${res.text}`);
      assertSchema('ghec', method, USER, 404, res.body, SCIM);
    }
    const list = await scim('GET', `${base}/Users?filter=${encodeURIComponent(`id eq "${theirs.body.id}"`)}`);
    assert.equal(list.body.totalResults, 0);
    const still = await scim<ScimUserBody>('GET', `${otherBase}/Users/${theirs.body.id}`, undefined, other.ownerToken);
    assert.equal(still.status, 200);
    assert.deepEqual(still.body, theirs.body);
    // This org's owner cannot reach the other organization at all.
    assert.equal((await scim('GET', `${otherBase}/Users`)).status, 404);
  });

  it('has no Groups: Group routes are SCIM 404s; discovery lists Users only', async () => {
    for (const [method, path] of [
      ['GET', '/Groups'],
      ['POST', '/Groups'],
      ['GET', '/Groups/abc'],
      ['PATCH', '/Groups/abc'],
      ['DELETE', '/Groups/abc'],
    ] as const) {
      const res = await scim(method, `${base}${path}`, method === 'POST' || method === 'PATCH' ? { displayName: 'x' } : undefined);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
    }
    const config = await scim('GET', `${base}/ServiceProviderConfig`);
    assert.equal(config.status, 200);
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.filter.supported, true);
    assert.equal(config.body.documentationUri, 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim');
    assert.match(config.body.authenticationSchemes[0].description, /admin:org/);
    assert.equal(config.body.meta.location, `${t.url}${base}/ServiceProviderConfig`);
    const types = await scim('GET', `${base}/ResourceTypes`);
    assert.equal(types.status, 200);
    assert.deepEqual(types.body.Resources.map((r: { name: string }) => r.name), ['User']);
    assert.equal(types.body.Resources[0].schema, USER_URN);
    assert.deepEqual(types.body.Resources[0].schemaExtensions ?? [], []);
    assert.equal((await scim('GET', `${base}/ResourceTypes/User`)).status, 200);
    assert.equal((await scim('GET', `${base}/ResourceTypes/Group`)).status, 404);
    const schemas = await scim('GET', `${base}/Schemas`);
    assert.deepEqual(schemas.body.Resources.map((s: { id: string }) => s.id), [USER_URN]);
    assert.equal((await scim('GET', `${base}/Schemas/${USER_URN}`)).status, 200);
    assert.equal((await scim('GET', `${base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`)).status, 404);
    assert.equal((await scim('GET', `${base}/ServiceProviderConfig`, undefined, null)).status, 401);
  });

  it("rate limited: 429 with each operation's documented body (PATCH basic-error, list scim-error), x-ratelimit headers, nothing changed", async () => {
    const limited = await startTestApp({ rateLimitPerHour: 3 });
    try {
      const s = await seedEnterprise(limited.ctx);
      const path = `/scim/v2/organizations/${s.org.login}/Users`;
      const call = (method: string, url: string, body?: unknown) =>
        limited.request(method, url, { token: s.ownerToken, headers: { accept: SCIM, 'content-type': SCIM }, ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }) });
      const identity = async (scimId: string) =>
        limited.ctx.db.selectFrom('scim_users').select(['version', 'updated_at', 'resource', 'active']).where('scim_id', '=', scimId).executeTakeFirstOrThrow();
      const assertLimited = (res: ApiResponse) => {
        assert.equal(res.status, 429, res.text);
        assert.equal(res.headers.get('x-ratelimit-limit'), '3');
        assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
        assert.ok(Number(res.headers.get('x-ratelimit-used')) > 3);
        assert.ok(Number(res.headers.get('x-ratelimit-reset')) * 1000 > limited.clock.now().getTime());
        assert.equal(res.headers.get('x-ratelimit-resource'), 'scim');
      };

      const created = await call('POST', path, userBody('limited@example.com', { displayName: 'Before' }));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id as string;
      assert.equal((await call('GET', `${path}/${id}`)).status, 200);
      assert.equal((await call('GET', path)).status, 200);
      const before = await identity(id);

      // PATCH: the contract's 429 is GitHub's basic-error, as application/json (also under /api/v3).
      for (const url of [`${path}/${id}`, `/api/v3${path}/${id}`]) {
        const patched = await call('PATCH', url, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { displayName: 'After', active: false } }] });
        assertLimited(patched);
        assert.match(patched.headers.get('content-type') ?? '', /^application\/json/);
        assertSchema('ghec', 'PATCH', USER, 429, patched.body);
        assert.equal(patched.body.status, '429');
        assert.match(patched.body.message, /rate limit exceeded/);
        assert.equal(patched.body.documentation_url, 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim');
      }

      // The list: its 429 is a SCIM error (JSON or SCIM+JSON).
      const listed = await call('GET', path);
      assertLimited(listed);
      assert.match(listed.headers.get('content-type') ?? '', /^application\/scim\+json/);
      assertSchema('ghec', 'GET', USERS, 429, listed.body, SCIM);
      assert.equal(listed.body.status, 429);
      assert.deepEqual(listed.body.schemas, [ERROR_URN]);
      assert.equal(listed.body.documentation_url, 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim');
      // Operations that document no 429 answer the dialect's usual SCIM error.
      const got = await call('GET', `${path}/${id}`);
      assertLimited(got);
      assert.equal(got.body.status, 429);
      const deleted = await call('DELETE', `${path}/${id}`);
      assertLimited(deleted);

      // Nothing the rejected requests asked for happened; the next window serves them again.
      assert.deepEqual(await identity(id), before);
      limited.clock.advance(3_600_000);
      const after = await call('GET', `${path}/${id}`);
      assert.equal(after.status, 200);
      assert.equal(after.body.displayName, 'Before');
      assert.equal(after.body.active, true);
      assert.equal(after.headers.get('etag'), created.headers.get('etag'));
    } finally {
      await limited.close();
    }
  });

  it('works through octokit (scim.*)', async () => {
    const octokit = octokitFor(t.url, owner);
    const person: UserRow = (await userWithToken(t.ctx, ['user'])).user;
    const created = await octokit.scim.provisionAndInviteUser({
      org: org.login,
      userName: person.login,
      name: { givenName: 'Hu', familyName: 'Bot' },
      emails: [{ value: 'hubot@example.com', primary: true }],
    });
    assert.equal(created.status, 201);
    const id = created.data.id;
    const listed = await octokit.scim.listProvisionedIdentities({ org: org.login, filter: `userName eq "${person.login}"` });
    assert.deepEqual(listed.data.Resources.map((u: { id: string }) => u.id), [id]);
    const got = await octokit.scim.getProvisioningInformationForUser({ org: org.login, scim_user_id: id });
    assert.equal(got.data.userName, person.login);
    const replaced = await octokit.scim.setInformationForProvisionedUser({
      org: org.login,
      scim_user_id: id,
      userName: person.login,
      name: { givenName: 'Hubot', familyName: 'Bot' },
      emails: [{ value: 'hubot@example.com', primary: true }],
    });
    assert.equal(replaced.data.name.givenName, 'Hubot');
    const patched = await octokit.scim.updateAttributeForUser({ org: org.login, scim_user_id: id, Operations: [{ op: 'replace', path: 'displayName', value: 'Hubot' }] });
    assert.equal(patched.data.displayName, 'Hubot');
    const membership = await octokit.rest.orgs.getMembershipForUser({ org: org.login, username: person.login });
    assert.equal(membership.data.state, 'pending');
    const deleted = await octokit.scim.deleteUserFromOrg({ org: org.login, scim_user_id: id });
    assert.equal(deleted.status, 204);
    await assert.rejects(octokit.scim.getProvisioningInformationForUser({ org: org.login, scim_user_id: id }), { status: 404 });
    await assert.rejects(octokit.rest.orgs.getMembershipForUser({ org: org.login, username: person.login }), { status: 404 });
  });
});
