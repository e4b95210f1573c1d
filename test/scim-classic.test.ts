/**
 * Classic enterprise SCIM (`/scim/v2/enterprises/{enterprise}/Users|Groups` on a classic enterprise; seed 000's SCIM
 * section, seed 001; github-semantics.md §3.1) over HTTP: a Group is the enterprise's organization of the same name;
 * users provisioned with `groups` are invited to those organizations; group members become members (linked
 * accounts) or email invitees of the organization, and leave it when removed; `active: false` and DELETE take back
 * what SCIM gave and delete the identity; renames, uniqueness (also concurrent), access rules, tenant isolation,
 * filters and `excludedAttributes`, discovery, octokit. Bodies are checked against today's ghec enterprise SCIM
 * schemas, and once against the 2021 classic shapes (`@octokit/openapi@2.2.1`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createOrganization } from '../src/domain/accounts/accounts.ts';
import type { OrganizationRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const USERS = '/scim/v2/enterprises/{enterprise}/Users';
const USER = '/scim/v2/enterprises/{enterprise}/Users/{scim_user_id}';
const GROUPS = '/scim/v2/enterprises/{enterprise}/Groups';
const GROUP = '/scim/v2/enterprises/{enterprise}/Groups/{scim_group_id}';
const SCIM = 'application/scim+json';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface ScimUserBody {
  id: string;
  userName: string;
  externalId?: string;
  active: boolean;
  emails: Array<{ value: string }>;
  groups?: Array<{ value: string; $ref?: string; display?: string }>;
  meta: { location: string };
}

interface ScimGroupBody {
  id: string;
  displayName: string;
  externalId: string | null;
  members: Array<{ value: string; $ref: string; display?: string }>;
  meta: { location: string };
}

/** The 2020 contract's user body (schemas, userName, name, emails with value/type/primary). */
function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const local = userName.replace(/@.*$/, '');
  return {
    schemas: [USER_URN],
    userName,
    name: { givenName: 'Mona', familyName: 'Octocat' },
    emails: [{ value: `${local}@example.com`, type: 'work', primary: true }],
    ...extra,
  };
}

describe(`classic enterprise SCIM (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let base: string;
  let owner: string;
  let counter = 0;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'classic' });
    base = `/scim/v2/enterprises/${seed.enterprise.slug}`;
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

  async function newOrg(prefix = 'octo'): Promise<OrganizationRow> {
    counter += 1;
    return createOrganization(t.ctx, { login: `${prefix}-${counter}-${seed.enterprise.id}`, enterpriseSlug: seed.enterprise.slug, adminLogin: seed.owner.login }, null);
  }

  async function createGroup(org: OrganizationRow, members: string[] = [], displayName = org.login): Promise<ScimGroupBody> {
    const res = await scim<ScimGroupBody>('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName, members: members.map((value) => ({ value })) });
    assert.equal(res.status, 201, res.text);
    assertSchema('ghec', 'POST', GROUPS, 201, res.body, SCIM);
    return res.body;
  }

  async function createUser(userName: string, extra: Record<string, unknown> = {}): Promise<ScimUserBody> {
    const res = await scim<ScimUserBody>('POST', `${base}/Users`, userBody(userName, extra));
    assert.equal(res.status, 201, res.text);
    assertSchema('ghec', 'POST', USERS, 201, res.body, SCIM);
    return res.body;
  }

  async function invitations(org: OrganizationRow, token = owner) {
    const res = await t.request('GET', `/orgs/${org.login}/invitations?per_page=100`, { token });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/invitations', 200, res.body);
    return res.body as Array<{ login: string | null; email: string | null; invitation_source: string }>;
  }

  async function memberLogins(org: OrganizationRow): Promise<string[]> {
    const res = await t.request('GET', `/orgs/${org.login}/members?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/members', 200, res.body);
    return (res.body as Array<{ login: string }>).map((m) => m.login);
  }

  async function membershipState(org: OrganizationRow, login: string): Promise<string | undefined> {
    const res = await t.request('GET', `/orgs/${org.login}/memberships/${login}`, { token: owner });
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/memberships/{username}', 200, res.body);
    return res.body.state as string;
  }

  /** The invitee accepts (`PATCH /user/memberships/orgs/{org}`, as GitHub's invitee does). */
  async function accept(org: OrganizationRow, token: string): Promise<void> {
    const res = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token, body: { state: 'active' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.state, 'active');
  }

  async function lastAuditId(): Promise<number> {
    const row = await t.ctx.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.id ?? 0;
  }

  async function actionsSince(mark: number): Promise<string[]> {
    const rows = await t.ctx.db.selectFrom('audit_events').select('action').where('id', '>', mark).orderBy('id').execute();
    return rows.map((r) => r.action);
  }

  it('a Group is the organization of the same name: 201 for an org of the enterprise, 400 otherwise, 409 for a second group', async () => {
    const org = await newOrg();
    const mark = await lastAuditId();
    const group = await createGroup(org, [], org.login.toUpperCase());
    assert.equal(group.displayName, org.login.toUpperCase());
    assert.equal(group.externalId, null, "GitHub's classic groups show externalId: null");
    assert.deepEqual(group.members, []);
    assert.deepEqual(await actionsSince(mark), ['external_group.provision']);

    const countGroups = async () => (await scim('GET', `${base}/Groups?count=0`)).body.totalResults as number;
    const before = await countGroups();
    const unknown = await scim('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName: 'no-such-org' });
    assert.equal(unknown.status, 400);
    assertSchema('ghec', 'POST', GROUPS, 400, unknown.body, SCIM);
    assert.equal(unknown.body.scimType, 'invalidValue');
    const foreign = await seedEnterprise(t.ctx, { kind: 'classic' });
    const notOurs = await scim('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName: foreign.org.login });
    assert.equal(notOurs.status, 400, 'an organization of another enterprise is not this enterprise\'s group');
    const second = await scim('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName: org.login, externalId: 'other' });
    assert.equal(second.status, 409);
    assert.equal(second.body.scimType, 'uniqueness');
    assert.equal(await countGroups(), before);

    const racing = await newOrg('race');
    const racers = await Promise.all(Array.from({ length: 5 }, () => scim('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName: racing.login })));
    assert.deepEqual(racers.map((r) => r.status).sort(), [201, 409, 409, 409, 409], racers.map((r) => r.text).join('\n'));
    assert.equal(await countGroups(), before + 1);
  });

  it('POST Users provisions the identity; with groups it joins them and is invited to their organizations', async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    const groupA = await createGroup(orgA);
    const groupB = await createGroup(orgB);
    const account = await userWithToken(t.ctx, ['user', 'write:org']);

    const plain = await createUser('no-groups@example.com', { externalId: 'ext-plain' });
    assert.equal(plain.active, true);
    assert.equal((await invitations(orgA)).length, 0, 'no groups, no invitations');

    const mark = await lastAuditId();
    const invited = await createUser('invitee@example.com', { groups: [{ value: groupA.id }, { value: groupB.id }] });
    assert.deepEqual(invited.groups?.map((g) => g.value).sort(), [groupA.id, groupB.id].sort());
    for (const org of [orgA, orgB]) {
      const open = await invitations(org);
      assert.equal(open.length, 1);
      assert.equal(open[0]?.email, 'invitee@example.com');
      assert.equal(open[0]?.invitation_source, 'scim');
    }
    const actions = await actionsSince(mark);
    assert.equal(actions.filter((a) => a === 'org.invite_member').length, 2);
    assert.ok(actions.includes('external_identity.provision'));

    // A GitHub account whose login is the userName is linked, and that account is invited.
    const linked = await createUser(account.user.login, { groups: [{ value: groupA.id }] });
    const row = await t.ctx.db.selectFrom('scim_users').select(['user_id', 'dialect']).where('scim_id', '=', linked.id).executeTakeFirstOrThrow();
    assert.equal(row.user_id, account.user.id);
    assert.equal(row.dialect, 'classic');
    assert.equal(await membershipState(orgA, account.user.login), 'pending');
    assert.equal((await t.request('PATCH', `/user/memberships/orgs/${orgA.login}`, { token: account.token, body: { state: 'active' } })).status, 200);
    assert.ok((await memberLogins(orgA)).includes(account.user.login));

    // GET shows the memberships as GitHub's groups; the group lists its members.
    const got = await scim<ScimUserBody>('GET', `${base}/Users/${invited.id}`);
    assert.equal(got.status, 200);
    assertSchema('ghec', 'GET', USER, 200, got.body, SCIM);
    assert.deepEqual(got.body.groups?.map((g) => g.value).sort(), [groupA.id, groupB.id].sort());
    assert.equal(got.body.groups?.find((g) => g.value === groupA.id)?.$ref, `${t.url}${base}/Groups/${groupA.id}`);
    const group = await scim<ScimGroupBody>('GET', `${base}/Groups/${groupA.id}`);
    assertSchema('ghec', 'GET', GROUP, 200, group.body, SCIM);
    assert.deepEqual(group.body.members.map((m) => m.value).sort(), [invited.id, linked.id].sort());

    // An unknown group id is 400 and nothing is created.
    const bad = await scim('POST', `${base}/Users`, userBody('bad-groups@example.com', { groups: [{ value: 'nope' }] }));
    assert.equal(bad.status, 400);
    assertSchema('ghec', 'POST', USERS, 400, bad.body, SCIM);
    const none = await scim('GET', `${base}/Users?filter=${encodeURIComponent('userName eq "bad-groups@example.com"')}`);
    assert.equal(none.body.totalResults, 0);
  });

  it('the body matches the 2021 classic shapes too (@octokit/openapi@2.2.1)', async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    const user = await createUser('shapes-2021@example.com', { externalId: 'ext-2021', groups: [{ value: group.id }] });
    // The 2021 description documents these bodies as application/json, 201 for POST and 200 for reads.
    assertSchema('api-2021', 'POST', USERS, 201, user);
    const got = await scim('GET', `${base}/Users/${user.id}`);
    assertSchema('api-2021', 'GET', USER, 200, got.body);
    const list = await scim('GET', `${base}/Users`);
    assertSchema('api-2021', 'GET', USERS, 200, list.body);
    const groupGot = await scim('GET', `${base}/Groups/${group.id}`);
    assertSchema('api-2021', 'GET', GROUP, 200, groupGot.body);
    assertSchema('api-2021', 'GET', GROUPS, 200, (await scim('GET', `${base}/Groups`)).body);
  });

  it('group members are invited (linked account or email), a prior member is not; removal takes back what SCIM gave, a prior member stays', async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    const linkedAccount = await userWithToken(t.ctx, ['user']);
    const priorMember = await userWithToken(t.ctx, ['user']);
    await addOrgMember(t.ctx, t.ctx.db, org, priorMember.user, 'member', null);
    const linked = await createUser(linkedAccount.user.login);
    const prior = await createUser(priorMember.user.login);
    const unlinked = await createUser('email-only@example.com');

    const mark = await lastAuditId();
    const add = await scim<ScimGroupBody>('PATCH', `${base}/Groups/${group.id}`, {
      schemas: [PATCH_URN],
      Operations: [{ op: 'add', path: 'members', value: [{ value: linked.id }, { value: prior.id }, { value: unlinked.id }] }],
    });
    assert.equal(add.status, 200, add.text);
    assertSchema('ghec', 'PATCH', GROUP, 200, add.body, SCIM);
    assert.equal(add.body.members.length, 3);
    // Everyone not yet in the organization is invited ("invite users to the group", seed 000); the member is not.
    assert.equal(await membershipState(org, linkedAccount.user.login), 'pending');
    assert.ok(!(await memberLogins(org)).includes(linkedAccount.user.login));
    const pending = await invitations(org);
    assert.ok(pending.some((i) => i.login === linkedAccount.user.login && i.invitation_source === 'scim'));
    assert.ok(pending.some((i) => i.email === 'email-only@example.com' && i.invitation_source === 'scim'));
    assert.ok(!pending.some((i) => i.login === priorMember.user.login), 'a member is not invited');
    const actions = await actionsSince(mark);
    assert.ok(!actions.includes('org.add_member') && actions.includes('org.invite_member') && actions.includes('external_group.update'), actions.join(', '));
    await accept(org, linkedAccount.token);
    assert.ok((await memberLogins(org)).includes(linkedAccount.user.login));

    const remove = await scim<ScimGroupBody>('PATCH', `${base}/Groups/${group.id}`, {
      schemas: [PATCH_URN],
      Operations: [
        { op: 'remove', path: `members[value eq "${linked.id}"]` },
        { op: 'remove', path: 'members', value: [{ value: prior.id }, { value: unlinked.id }] },
      ],
    });
    assert.equal(remove.status, 200, remove.text);
    assert.deepEqual(remove.body.members, []);
    const members = await memberLogins(org);
    assert.ok(!members.includes(linkedAccount.user.login), 'SCIM took back the membership it created');
    assert.ok(members.includes(priorMember.user.login), 'a membership SCIM found in place stays');
    assert.ok(!(await invitations(org)).some((i) => i.email === 'email-only@example.com'));
    // The identities themselves remain.
    assert.equal((await scim('GET', `${base}/Users/${linked.id}`)).status, 200);
  });

  it('PUT replaces a group (members left out leave the org); a rename moves the access to the new org; DELETE takes it back', async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    const group = await createGroup(orgA);
    const one = await userWithToken(t.ctx, ['user']);
    const two = await userWithToken(t.ctx, ['user']);
    const u1 = await createUser(one.user.login);
    const u2 = await createUser(two.user.login);

    const put = await scim<ScimGroupBody>('PUT', `${base}/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: orgA.login, externalId: 'ext-a', members: [{ value: u1.id }, { value: u2.id }] });
    assert.equal(put.status, 200, put.text);
    assertSchema('ghec', 'PUT', GROUP, 200, put.body, SCIM);
    assert.equal(put.body.externalId, 'ext-a');
    assert.deepEqual((await invitations(orgA)).map((i) => i.login).sort(), [one.user.login, two.user.login].sort());
    await accept(orgA, one.token);
    await accept(orgA, two.token);
    assert.deepEqual((await memberLogins(orgA)).filter((l) => l !== seed.owner.login).sort(), [one.user.login, two.user.login].sort());

    const shrink = await scim<ScimGroupBody>('PUT', `${base}/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: orgA.login, members: [{ value: u1.id }] });
    assert.equal(shrink.status, 200);
    assert.equal(shrink.body.externalId, 'ext-a', 'a PUT without externalId keeps it');
    assert.ok(!(await memberLogins(orgA)).includes(two.user.login), 'the membership the accepted SCIM invitation became is taken back');

    const badRename = await scim('PATCH', `${base}/Groups/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'no-such-org' }] });
    assert.equal(badRename.status, 400);
    assertSchema('ghec', 'PATCH', GROUP, 400, badRename.body, SCIM);
    assert.equal((await scim<ScimGroupBody>('GET', `${base}/Groups/${group.id}`)).body.displayName, orgA.login);

    const rename = await scim<ScimGroupBody>('PATCH', `${base}/Groups/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { displayName: orgB.login } }] });
    assert.equal(rename.status, 200, rename.text);
    assert.equal(rename.body.displayName, orgB.login);
    assert.ok(!(await memberLogins(orgA)).includes(one.user.login));
    assert.equal(await membershipState(orgB, one.user.login), 'pending', 'the new organization invites the members');
    await accept(orgB, one.token);
    assert.ok((await memberLogins(orgB)).includes(one.user.login));
    // orgA is free for another group now.
    await createGroup(orgA);

    const deleted = await scim('DELETE', `${base}/Groups/${group.id}`);
    assert.equal(deleted.status, 204);
    assert.ok(!(await memberLogins(orgB)).includes(one.user.login));
    const gone = await scim('GET', `${base}/Groups/${group.id}`);
    assert.equal(gone.status, 404);
    assertSchema('ghec', 'GET', GROUP, 404, gone.body);
    assert.equal((await scim('DELETE', `${base}/Groups/${group.id}`)).status, 404);
    const user = await scim<ScimUserBody>('GET', `${base}/Users/${u1.id}`);
    assert.equal(user.body.groups, undefined, 'no group left');
  });

  it("a User's ETag and lastModified follow its groups (POST with groups, Group PATCH, rename, DELETE); other members keep theirs", async () => {
    const [orgA, orgB] = [await newOrg('etag'), await newOrg('etag')];
    const group = await createGroup(orgA);
    const getUser = async (id: string, headers: Record<string, string> = {}) => {
      const res = await scim<ScimUserBody & { meta: { version: string; lastModified: string } }>('GET', `${base}/Users/${id}`, undefined, owner, headers);
      if (res.status === 200) {
        assertSchema('ghec', 'GET', USER, 200, res.body, SCIM);
        assert.equal(res.headers.get('etag'), res.body.meta.version);
      }
      return res;
    };
    const groupPatch = (...operations: unknown[]) => scim<ScimGroupBody>('PATCH', `${base}/Groups/${group.id}`, { schemas: [PATCH_URN], Operations: operations });

    // POST with groups answers the representation a GET of the same version gives (groups with $ref and display).
    const joined = await scim<ScimUserBody>('POST', `${base}/Users`, userBody('etag-joined@example.com', { groups: [{ value: group.id }] }));
    assert.equal(joined.status, 201, joined.text);
    const joinedGot = await getUser(joined.body.id);
    assert.equal(joinedGot.headers.get('etag'), joined.headers.get('etag'));
    assert.deepEqual(joined.body.groups, joinedGot.body.groups);
    assert.deepEqual(joined.body.groups, [{ value: group.id, $ref: `${t.url}${base}/Groups/${group.id}`, display: orgA.login }]);
    const otherEtag = joinedGot.headers.get('etag')!;

    const user = await createUser('etag-user@example.com');
    const a = await getUser(user.id);
    const etagA = a.headers.get('etag')!;
    t.clock.advance(60_000);
    const added = await groupPatch({ op: 'add', path: 'members', value: [{ value: user.id }] });
    assert.equal(added.status, 200, added.text);
    const b = await getUser(user.id);
    const etagB = b.headers.get('etag')!;
    assert.notEqual(etagB, etagA);
    assert.deepEqual(b.body.groups?.map((g) => g.value), [group.id]);
    assert.ok(Date.parse(b.body.meta.lastModified) > Date.parse(a.body.meta.lastModified));
    assert.equal((await getUser(user.id, { 'if-none-match': etagA })).status, 200, 'no stale 304');
    assert.equal((await getUser(user.id, { 'if-none-match': etagB })).status, 304);
    const stale = await scim('PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Stale' }] }, owner, { 'if-match': etagA });
    assert.equal(stale.status, 412);
    assert.deepEqual((await getUser(user.id)).body, b.body, 'the 412 changed nothing');
    assert.equal((await getUser(joined.body.id)).headers.get('etag'), otherEtag, 'adding one member leaves the others alone');

    const removed = await groupPatch({ op: 'remove', path: 'members', value: [{ value: user.id }] });
    assert.equal(removed.status, 200, removed.text);
    const c = await getUser(user.id);
    assert.ok(![etagA, etagB].includes(c.headers.get('etag')!));
    assert.equal(c.body.groups, undefined);
    assert.equal((await scim('PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Stale' }] }, owner, { 'if-match': etagB })).status, 412);
    assert.equal((await getUser(joined.body.id)).headers.get('etag'), otherEtag);

    // A rename (the group is orgB's now) shows in every member's groups[].display; DELETE takes the group away.
    assert.equal((await groupPatch({ op: 'replace', path: 'displayName', value: orgB.login })).status, 200);
    const renamed = await getUser(joined.body.id);
    assert.notEqual(renamed.headers.get('etag'), otherEtag);
    assert.deepEqual(renamed.body.groups?.map((g) => g.display), [orgB.login]);
    assert.equal((await getUser(user.id)).headers.get('etag'), c.headers.get('etag'), 'not a member: untouched');
    assert.equal((await scim('DELETE', `${base}/Groups/${group.id}`)).status, 204);
    const afterDelete = await getUser(joined.body.id);
    assert.notEqual(afterDelete.headers.get('etag'), renamed.headers.get('etag'));
    assert.equal(afterDelete.body.groups, undefined);
  });

  it("a Group's ETag follows its members' display: the userName when there is no displayName, then the displayName", async () => {
    const org = await newOrg('disp');
    const user = await createUser('disp-user@example.com');
    const group = await createGroup(org, [user.id]);
    const getGroup = async (headers: Record<string, string> = {}) => {
      const res = await scim<ScimGroupBody & { meta: { version: string; lastModified: string } }>('GET', `${base}/Groups/${group.id}`, undefined, owner, headers);
      if (res.status === 200) {
        assertSchema('ghec', 'GET', GROUP, 200, res.body, SCIM);
        assert.equal(res.headers.get('etag'), res.body.meta.version);
      }
      return res;
    };
    const a = await getGroup();
    const etagA = a.headers.get('etag')!;
    assert.deepEqual(a.body.members.map((m) => m.display), ['disp-user@example.com']);
    t.clock.advance(60_000);

    // Not the display (name): the group keeps its version.
    const put = (body: Record<string, unknown>) => scim('PUT', `${base}/Users/${user.id}`, body);
    assert.equal((await put(userBody('disp-user@example.com', { name: { givenName: 'Other', familyName: 'Name' } }))).status, 200);
    assert.equal((await getGroup()).headers.get('etag'), etagA);

    // The userName is what the group shows: renaming it moves the group.
    assert.equal((await put(userBody('disp-renamed@example.com'))).status, 200);
    const b = await getGroup();
    const etagB = b.headers.get('etag')!;
    assert.notEqual(etagB, etagA);
    assert.ok(Date.parse(b.body.meta.lastModified) > Date.parse(a.body.meta.lastModified));
    assert.deepEqual(b.body.members.map((m) => m.display), ['disp-renamed@example.com']);
    assert.equal((await getGroup({ 'if-none-match': etagA })).status, 200, 'no stale 304');
    assert.equal((await getGroup({ 'if-none-match': etagB })).status, 304);

    // A displayName takes over the display (moves); then a userName change no longer changes the display (stays).
    const patched = await scim('PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'displayName', value: 'Disp Person' }] });
    assert.equal(patched.status, 200, patched.text);
    const c = await getGroup();
    assert.notEqual(c.headers.get('etag'), etagB);
    assert.deepEqual(c.body.members.map((m) => m.display), ['Disp Person']);
    assert.equal((await put(userBody('disp-again@example.com', { displayName: 'Disp Person' }))).status, 200);
    assert.equal((await getGroup()).headers.get('etag'), c.headers.get('etag'));
  });

  it('PATCH active:false removes the user from the orgs SCIM put them in and deletes the identity and its id', async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    const account = await userWithToken(t.ctx, ['user']);
    const user = await createUser(account.user.login);
    await scim('PATCH', `${base}/Groups/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] });
    assert.equal(await membershipState(org, account.user.login), 'pending');
    await accept(org, account.token);
    assert.equal(await membershipState(org, account.user.login), 'active');
    const mark = await lastAuditId();

    const res = await scim<ScimUserBody>('PATCH', `${base}/Users/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(res.status, 200, res.text);
    assertSchema('ghec', 'PATCH', USER, 200, res.body, SCIM);
    assert.equal(res.body.active, false);
    const gone = await scim('GET', `${base}/Users/${user.id}`);
    assert.equal(gone.status, 404);
    assertSchema('ghec', 'GET', USER, 404, gone.body);
    assert.equal(await membershipState(org, account.user.login), undefined);
    assert.deepEqual((await scim<ScimGroupBody>('GET', `${base}/Groups/${group.id}`)).body.members, []);
    assert.equal(await t.ctx.db.selectFrom('scim_users').select('id').where('scim_id', '=', user.id).executeTakeFirst(), undefined);
    const actions = await actionsSince(mark);
    for (const action of ['external_identity.update', 'org.remove_member', 'external_identity.deprovision']) assert.ok(actions.includes(action), actions.join(', '));
  });

  it('PUT active:false and DELETE do the same; userName may change', async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    const a = await createUser('put-off@example.com', { groups: [{ value: group.id }] });
    const b = await createUser('delete-me@example.com', { groups: [{ value: group.id }] });
    assert.equal((await invitations(org)).length, 2);

    const renamed = await scim<ScimUserBody>('PUT', `${base}/Users/${a.id}`, userBody('put-renamed@example.com', { externalId: 'ext-put' }));
    assert.equal(renamed.status, 200, renamed.text);
    assertSchema('ghec', 'PUT', USER, 200, renamed.body, SCIM);
    assert.equal(renamed.body.userName, 'put-renamed@example.com');
    assert.deepEqual(renamed.body.groups?.map((g) => g.value), [group.id], 'PUT does not change group membership');
    assert.ok((await invitations(org)).some((i) => i.email === 'put-renamed@example.com'), 'the pending invitation follows the email');

    const off = await scim<ScimUserBody>('PUT', `${base}/Users/${a.id}`, userBody('put-renamed@example.com', { active: false }));
    assert.equal(off.status, 200);
    assert.equal((await scim('GET', `${base}/Users/${a.id}`)).status, 404);
    const del = await scim('DELETE', `${base}/Users/${b.id}`);
    assert.equal(del.status, 204);
    assert.equal((await scim('GET', `${base}/Users/${b.id}`)).status, 404);
    assert.equal((await invitations(org)).length, 0);
    const again = await scim('DELETE', `${base}/Users/${b.id}`);
    assert.equal(again.status, 404);
    assertSchema('ghec', 'DELETE', USER, 404, again.body);
  });

  it('filters Users and Groups (full grammar), excludedAttributes=members, paging, 304, 409 on duplicates', async () => {
    const org = await newOrg('flt');
    const group = await createGroup(org);
    const a = await createUser('flt-a@example.com', { externalId: 'flt-a', groups: [{ value: group.id }] });
    await createUser('flt-b@example.com', { externalId: 'flt-b' });
    const userIds = async (filter: string) => {
      const res = await scim('GET', `${base}/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, res.text);
      assertSchema('ghec', 'GET', USERS, 200, res.body, SCIM);
      return res.body.Resources.map((u: ScimUserBody) => u.userName);
    };
    assert.deepEqual(await userIds('externalId eq "flt-a"'), ['flt-a@example.com']);
    assert.deepEqual(await userIds('userName sw "FLT-" and emails[type eq "work"]'), ['flt-a@example.com', 'flt-b@example.com']);
    assert.deepEqual(await userIds(`groups[value eq "${group.id}"]`), ['flt-a@example.com']);
    const paged = await scim('GET', `${base}/Users?filter=${encodeURIComponent('userName sw "flt-"')}&startIndex=2&count=1`);
    assert.equal(paged.body.totalResults, 2);
    assert.deepEqual(paged.body.Resources.map((u: ScimUserBody) => u.userName), ['flt-b@example.com']);

    const groups = await scim('GET', `${base}/Groups?filter=${encodeURIComponent(`displayName eq "${org.login}"`)}&excludedAttributes=members`);
    assert.equal(groups.status, 200);
    assertSchema('ghec', 'GET', GROUPS, 200, groups.body, SCIM);
    assert.deepEqual(groups.body.Resources.map((g: ScimGroupBody) => g.id), [group.id]);
    assert.equal(groups.body.Resources[0].members, undefined);
    const byMember = await scim('GET', `${base}/Groups?filter=${encodeURIComponent(`members[value eq "${a.id}"]`)}`);
    assert.deepEqual(byMember.body.Resources.map((g: ScimGroupBody) => g.id), [group.id]);
    const badFilter = await scim('GET', `${base}/Groups?filter=${encodeURIComponent('displayName xx "a"')}`);
    assert.equal(badFilter.status, 400);
    assertSchema('ghec', 'GET', GROUPS, 400, badFilter.body, SCIM);

    const got = await scim('GET', `${base}/Groups/${group.id}`);
    const cached = await scim('GET', `${base}/Groups/${group.id}`, undefined, owner, { 'if-none-match': got.headers.get('etag') ?? '' });
    assert.equal(cached.status, 304);

    const dupName = await scim('POST', `${base}/Users`, userBody('FLT-A@example.com'));
    assert.equal(dupName.status, 409);
    assert.equal(dupName.body.scimType, 'uniqueness');
    const dupExternal = await scim('POST', `${base}/Users`, userBody('flt-c@example.com', { externalId: 'flt-b' }));
    assert.equal(dupExternal.status, 409);
    const racers = await Promise.all(Array.from({ length: 5 }, () => scim('POST', `${base}/Users`, userBody('flt-racer@example.com', { groups: [{ value: group.id }] }))));
    assert.deepEqual(racers.map((r) => r.status).sort(), [201, 409, 409, 409, 409], racers.map((r) => r.text).join('\n'));
    assert.equal((await invitations(org)).filter((i) => i.email === 'flt-racer@example.com').length, 1);
  });

  it('bad bodies are 400 and change nothing; strict mode requires the 2020 contract fields', async () => {
    const count = async () => (await scim('GET', `${base}/Users?count=0`)).body.totalResults as number;
    const before = await count();
    const malformed = await t.request('POST', `${base}/Users`, { token: owner, rawBody: '{', headers: { 'content-type': SCIM } });
    assert.equal(malformed.status, 400);
    assertSchema('ghec', 'POST', USERS, 400, malformed.body, SCIM);
    const noUserName = await scim('POST', `${base}/Users`, { schemas: [USER_URN], emails: [{ value: 'x@example.com' }] });
    assert.equal(noUserName.status, 400);
    const noDisplayName = await scim('POST', `${base}/Groups`, { schemas: [GROUP_URN] });
    assert.equal(noDisplayName.status, 400);
    assertSchema('ghec', 'POST', GROUPS, 400, noDisplayName.body, SCIM);
    const badPatch = await scim('PATCH', `${base}/Users/${(await createUser('patch-target@example.com')).id}`, { schemas: [PATCH_URN], Operations: [{ op: 'nope' }] });
    assert.equal(badPatch.status, 400);
    assertSchema('ghec', 'PATCH', USER, 400, badPatch.body, SCIM);
    assert.equal(await count(), before + 1);

    // Lenient: what IdPs omit (no name, no emails); `roles` is not a classic attribute and is dropped.
    const bare = await scim<ScimUserBody>('POST', `${base}/Users`, { userName: 'bare@example.com', roles: [{ value: 'Chief' }] });
    assert.equal(bare.status, 201, bare.text);
    assertSchema('ghec', 'POST', USERS, 201, bare.body, SCIM);

    const strict = await startTestApp({ strictScim: true });
    try {
      const s = await seedEnterprise(strict.ctx, { kind: 'classic' });
      const post = (body: unknown) =>
        strict.request('POST', `/scim/v2/enterprises/${s.enterprise.slug}/Users`, { token: s.ownerToken, headers: { 'content-type': SCIM, 'user-agent': 'test' }, rawBody: JSON.stringify(body) });
      const full = userBody('strict@example.com');
      for (const drop of ['schemas', 'name', 'emails']) {
        const { [drop]: _dropped, ...body } = full;
        const res = await post(body);
        assert.equal(res.status, 400, drop);
        assert.equal(res.body.scimType, 'invalidValue');
      }
      const noType = await post({ ...full, emails: [{ value: 'strict@example.com', primary: true }] });
      assert.equal(noType.status, 400);
      assert.equal((await post(full)).status, 201);
    } finally {
      await strict.close();
    }
  });

  it('access: 401, 403 without the scope, 403 for members who are not owners, 404 for outsiders; another enterprise\'s ids are 404 and unchanged', async () => {
    assert.equal((await scim('GET', `${base}/Users`, undefined, null)).status, 401);
    const readOnlyOwner = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['read:enterprise']);
    const forbidden = await scim('GET', `${base}/Users`, undefined, readOnlyOwner.token);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('x-accepted-oauth-scopes') ?? '', /scim:enterprise/);
    const scimOwner = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['scim:enterprise']);
    assert.equal((await scim('GET', `${base}/Groups`, undefined, scimOwner.token)).status, 200);
    // A member who is not an owner can see the enterprise: 403 with a SCIM body; an outsider: 404.
    const member = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
    const notOwner = await scim('GET', `${base}/Users`, undefined, member.token);
    assert.equal(notOwner.status, 403);
    assert.equal(notOwner.body.status, 403);
    assert.deepEqual(notOwner.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    const outsider = await userWithToken(t.ctx, ['admin:enterprise']);
    const hidden = await scim('GET', `${base}/Users`, undefined, outsider.token);
    assert.equal(hidden.status, 404);
    assertSchema('ghec', 'GET', USER, 404, hidden.body);

    const other = await seedEnterprise(t.ctx, { kind: 'classic' });
    const otherBase = `/scim/v2/enterprises/${other.enterprise.slug}`;
    const theirGroup = await scim<ScimGroupBody>('POST', `${otherBase}/Groups`, { schemas: [GROUP_URN], displayName: other.org.login }, other.ownerToken);
    assert.equal(theirGroup.status, 201);
    const theirUser = await scim<ScimUserBody>('POST', `${otherBase}/Users`, userBody('theirs@example.com', { groups: [{ value: theirGroup.body.id }] }), other.ownerToken);
    assert.equal(theirUser.status, 201);
    for (const [method, path, body] of [
      ['GET', `/Users/${theirUser.body.id}`, undefined],
      ['PUT', `/Users/${theirUser.body.id}`, userBody('hijack@example.com')],
      ['PATCH', `/Users/${theirUser.body.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { active: false } }] }],
      ['DELETE', `/Users/${theirUser.body.id}`, undefined],
      ['GET', `/Groups/${theirGroup.body.id}`, undefined],
      ['PATCH', `/Groups/${theirGroup.body.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'remove', path: 'members' }] }],
      ['DELETE', `/Groups/${theirGroup.body.id}`, undefined],
    ] as const) {
      const res = await scim(method, `${base}${path}`, body);
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    // Their group's id cannot be joined from here either.
    const join = await scim('POST', `${base}/Users`, userBody('joiner@example.com', { groups: [{ value: theirGroup.body.id }] }));
    assert.equal(join.status, 400);
    const theirs = await scim<ScimGroupBody>('GET', `${otherBase}/Groups/${theirGroup.body.id}`, undefined, other.ownerToken);
    assert.deepEqual(theirs.body.members.map((m) => m.value), [theirUser.body.id]);
    assert.equal((await invitations(other.org, other.ownerToken)).length, 1);
    assert.equal((await scim('GET', `${otherBase}/Users`)).status, 404, 'our owner cannot see their enterprise');
  });

  it('discovery lists User (groups set on POST: immutable) and Group; /api/v3 serves the same', async () => {
    const types = await scim('GET', `${base}/ResourceTypes`);
    assert.equal(types.status, 200);
    assert.deepEqual(types.body.Resources.map((r: { name: string }) => r.name), ['User', 'Group']);
    const schema = await scim('GET', `${base}/Schemas/${USER_URN}`);
    assert.equal(schema.status, 200);
    const groups = schema.body.attributes.find((a: { name: string }) => a.name === 'groups');
    assert.equal(groups.mutability, 'immutable');
    const config = await scim('GET', `/api/v3${base}/ServiceProviderConfig`);
    assert.equal(config.status, 200);
    assert.match(config.body.authenticationSchemes[0].description, /scim:enterprise/);
    assert.equal(config.body.meta.location, `${t.url}/api/v3${base}/ServiceProviderConfig`);
  });

  it('works through octokit (enterpriseAdmin.*)', async () => {
    const org = await newOrg('okt');
    const octokit = octokitFor(t.url, owner);
    const enterprise = seed.enterprise.slug;
    const account = await userWithToken(t.ctx, ['user']);
    const user = await octokit.enterpriseAdmin.provisionEnterpriseUser({
      enterprise,
      schemas: [USER_URN],
      externalId: `ext-${account.user.login}`,
      active: true,
      userName: account.user.login,
      displayName: 'Octo Kit',
      emails: [{ value: 'octokit@example.com', type: 'work', primary: true }],
    });
    assert.equal(user.status, 201);
    const group = await octokit.enterpriseAdmin.provisionEnterpriseGroup({
      enterprise,
      schemas: [GROUP_URN],
      externalId: `grp-${org.login}`,
      displayName: org.login,
      members: [{ value: user.data.id, displayName: 'Octo Kit' }],
    });
    assert.equal(group.status, 201);
    assert.equal(await membershipState(org, account.user.login), 'pending');
    await accept(org, account.token);
    assert.ok((await memberLogins(org)).includes(account.user.login));
    const listed = await octokit.enterpriseAdmin.listProvisionedGroupsEnterprise({ enterprise, filter: `externalId eq "grp-${org.login}"`, excludedAttributes: 'members' });
    assert.deepEqual(listed.data.Resources.map((g: { id?: string }) => g.id), [group.data.id]);
    const users = await octokit.enterpriseAdmin.listProvisionedIdentitiesEnterprise({ enterprise, filter: `userName eq "${account.user.login}"` });
    assert.equal(users.data.totalResults, 1);
    const patched = await octokit.enterpriseAdmin.updateAttributeForEnterpriseGroup({
      enterprise,
      scim_group_id: group.data.id,
      schemas: [PATCH_URN],
      Operations: [{ op: 'remove', path: 'members' }],
    });
    assert.equal(patched.status, 200);
    assert.ok(!(await memberLogins(org)).includes(account.user.login));
    await octokit.enterpriseAdmin.deleteUserFromEnterprise({ enterprise, scim_user_id: user.data.id });
    await assert.rejects(octokit.enterpriseAdmin.getProvisioningInformationForEnterpriseUser({ enterprise, scim_user_id: user.data.id }), { status: 404 });
    await octokit.enterpriseAdmin.deleteScimGroupFromEnterprise({ enterprise, scim_group_id: group.data.id });
  });
});
