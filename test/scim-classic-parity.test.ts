/**
 * Classic enterprise SCIM parity with GitHub's reference (issue 8, second section) over HTTP, each checked by the
 * state that results (GET after the write, `meta.version`, `/orgs/{org}/members` and `/invitations`, nothing changed
 * after a refused request):
 * 1. PATCH with GitHub's path-less value keys (`active`, `userName`, `externalId`, `givenName`, `familyName`);
 * 2. seed 000's provisioning example with `"emails": ["octocat@github.com"]` (default mode; strict mode rejects it);
 * 3. an identity provisioned with `active: false` survives unrelated PATCH and PUT; only a request setting
 *    `active` to false deprovisions;
 * 4. groups invite everyone not yet in the organization and nobody who is (by linked account or by email);
 * 5. a member of the enterprise who is not an owner gets 403 (SCIM error body) on the classic and managed dialects,
 *    an outsider 404;
 * 6. `documentation_url`: Enterprise Cloud pages at the root, GitHub Enterprise Server 3.19 pages under `/api/v3`,
 *    for SCIM errors and REST errors alike.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createOrganization, createUser } from '../src/domain/accounts/accounts.ts';
import type { OrganizationRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';
import { ERROR_URN, PATCH_URN, SCIM, USER_URN, scimUsersClient, userBody, type ScimUserBody } from './helpers/scim-users.ts';

const USERS = '/scim/v2/enterprises/{enterprise}/Users';
const USER = '/scim/v2/enterprises/{enterprise}/Users/{scim_user_id}';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const CLOUD_SCIM_DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim';
const SERVER_SCIM_DOCS = 'https://docs.github.com/enterprise-server@3.19/rest/enterprise-admin/scim';

describe(`classic enterprise SCIM parity (${storageKind})`, () => {
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

  const { scim, patch, provision, get } = scimUsersClient(() => ({ t, base, owner }), { users: USERS, user: USER });

  async function newOrg(): Promise<OrganizationRow> {
    counter += 1;
    return createOrganization(t.ctx, { login: `parity-${counter}-${seed.enterprise.id}`, enterpriseSlug: seed.enterprise.slug, adminLogin: seed.owner.login }, null);
  }

  async function createGroup(org: OrganizationRow, members: string[] = []): Promise<{ id: string }> {
    const res = await scim('POST', `${base}/Groups`, { schemas: [GROUP_URN], displayName: org.login, members: members.map((value) => ({ value })) });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function invitations(org: OrganizationRow) {
    const res = await t.request('GET', `/orgs/${org.login}/invitations?per_page=100`, { token: owner });
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
    return res.body.state as string;
  }

  it("PATCH applies GitHub's path-less keys (givenName, familyName, userName, externalId, active) and moves meta.version", async () => {
    const user = await provision('classic-keys@example.com', { externalId: 'ext-classic' });
    assert.equal(user.meta.version, 'W/"1"');
    const names = await patch(user.id, { op: 'replace', value: { givenName: 'New', familyName: 'Surname' } });
    assert.equal(names.status, 200, names.text);
    assertSchema('ghec', 'PATCH', USER, 200, names.body, SCIM);
    assertSchema('api-2021', 'PATCH', USER, 200, names.body);
    assert.equal(names.body.meta.version, 'W/"2"');
    assert.deepEqual((await get(user.id)).body.name, { givenName: 'New', familyName: 'Surname' });

    const rest = await patch(user.id, { op: 'replace', value: { userName: 'classic-renamed@example.com', externalId: 'ext-renamed', active: true } });
    assert.equal(rest.status, 200, rest.text);
    const after = await get(user.id);
    assert.equal(after.body.userName, 'classic-renamed@example.com');
    assert.equal(after.body.externalId, 'ext-renamed');
    assert.equal(after.body.active, true);
    assert.equal(after.body.meta.version, 'W/"3"');

    // A refused request changes nothing.
    const refused = await patch(user.id, { op: 'replace', value: { familyName: 'Never', active: 'perhaps' } });
    assert.equal(refused.status, 400);
    assertSchema('ghec', 'PATCH', USER, 400, refused.body, SCIM);
    const unchanged = await get(user.id);
    assert.deepEqual(unchanged.body.name, { givenName: 'New', familyName: 'Surname' });
    assert.equal(unchanged.body.meta.version, 'W/"3"');
  });

  it("seed 000's provisioning example with plain-string emails is accepted and stored as {value, primary: true}; the groups' organizations invite it", async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    // The reference's curl body, with a real group.
    const res = await scim<ScimUserBody>('POST', `${base}/Users`, {
      schemas: [USER_URN],
      userName: 'userName',
      name: { givenName: 'givenName', familyName: 'familyName' },
      emails: ['octocat@github.com'],
      groups: [{ value: group.id }],
    });
    assert.equal(res.status, 201, res.text);
    assertSchema('ghec', 'POST', USERS, 201, res.body, SCIM);
    assertSchema('api-2021', 'POST', USERS, 201, res.body);
    assert.deepEqual(res.body.emails, [{ value: 'octocat@github.com', primary: true }]);
    assert.deepEqual((await get(res.body.id)).body.emails, [{ value: 'octocat@github.com', primary: true }]);
    assert.ok((await invitations(org)).some((i) => i.email === 'octocat@github.com' && i.invitation_source === 'scim'));

    const strict = await startTestApp({ strictScim: true });
    try {
      const s = await seedEnterprise(strict.ctx, { kind: 'classic' });
      const path = `/scim/v2/enterprises/${s.enterprise.slug}/Users`;
      const refused = await strict.request('POST', path, {
        token: s.ownerToken,
        headers: { 'content-type': SCIM, 'user-agent': 'test' },
        rawBody: JSON.stringify({ schemas: [USER_URN], userName: 'userName', name: { givenName: 'givenName', familyName: 'familyName' }, emails: ['octocat@github.com'] }),
      });
      assert.equal(refused.status, 400, refused.text);
      assertSchema('ghec', 'POST', USERS, 400, refused.body, SCIM);
      const list = await strict.request('GET', path, { token: s.ownerToken, headers: { 'user-agent': 'test' } });
      assert.equal(list.body.totalResults, 0);
    } finally {
      await strict.close();
    }
  });

  it('an identity provisioned with active:false survives unrelated PATCH and PUT; only a request setting active:false deprovisions', async () => {
    const org = await newOrg();
    const group = await createGroup(org);
    const inactive = await provision('classic-dormant@example.com', { active: false, groups: [{ value: group.id }] });
    assert.equal(inactive.active, false);
    assert.deepEqual(await invitations(org), [], 'no invitation while inactive');

    const renamed = await patch(inactive.id, { op: 'replace', value: { displayName: 'Dormant' } });
    assert.equal(renamed.status, 200, renamed.text);
    const afterPatch = await get(inactive.id);
    assert.equal(afterPatch.status, 200);
    assert.equal(afterPatch.body.displayName, 'Dormant');
    assert.equal(afterPatch.body.active, false);
    assert.deepEqual(afterPatch.body.groups?.map((g) => g.value), [group.id], 'still in its group');

    const put = await scim<ScimUserBody>('PUT', `${base}/Users/${inactive.id}`, userBody('classic-dormant@example.com', { displayName: 'Put' }));
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.active, false);
    assert.equal((await get(inactive.id)).status, 200);

    // Activation gives what its group gives: an invitation.
    const on = await patch(inactive.id, { op: 'replace', value: { active: true } });
    assert.equal(on.status, 200);
    assert.ok((await invitations(org)).some((i) => i.email === 'classic-dormant@example.com'));

    const off = await patch(inactive.id, { op: 'replace', value: { active: false } });
    assert.equal(off.status, 200);
    assert.equal((await get(inactive.id)).status, 404);
    assert.deepEqual(await invitations(org), [], 'deprovisioning took the invitation back');

    const putOff = await provision('classic-put-off@example.com', { active: false });
    assert.equal((await scim('PUT', `${base}/Users/${putOff.id}`, userBody('classic-put-off@example.com', { active: false }))).status, 200);
    assert.equal((await get(putOff.id)).status, 404);
  });

  it('groups invite everyone not yet in the organization, and nobody who is (by linked account or by email)', async () => {
    const org = await newOrg();
    const memberByLogin = await userWithToken(t.ctx, ['user']);
    await addOrgMember(t.ctx, t.ctx.db, org, memberByLogin.user, 'member', null);
    const memberByEmail = await createUser(t.ctx, t.ctx.db, { login: `by-email-${org.id}`, email: 'by-email@example.com' }, null);
    await addOrgMember(t.ctx, t.ctx.db, org, memberByEmail, 'member', null);
    const outsiderAccount = await userWithToken(t.ctx, ['user']);

    const linkedMember = await provision(memberByLogin.user.login);
    const emailMember = await provision('idp-name@example.com', { emails: [{ value: 'BY-EMAIL@example.com', type: 'work', primary: true }] });
    const linkedOutsider = await provision(outsiderAccount.user.login);
    const emailOnly = await provision('newcomer@example.com');

    const group = await createGroup(org, [linkedMember.id, emailMember.id, linkedOutsider.id, emailOnly.id]);
    const invited = await invitations(org);
    assert.deepEqual(
      invited.map((i) => i.login ?? i.email).sort(),
      [outsiderAccount.user.login, 'newcomer@example.com'].sort(),
      'only those not yet in the organization are invited',
    );
    assert.ok(invited.every((i) => i.invitation_source === 'scim'));
    assert.equal(await membershipState(org, outsiderAccount.user.login), 'pending', 'invited, not added');
    const members = await memberLogins(org);
    assert.ok(members.includes(memberByLogin.user.login) && members.includes(memberByEmail.login));
    assert.ok(!members.includes(outsiderAccount.user.login));

    // POST Users with groups for a member invites nobody either.
    const other = await newOrg();
    await addOrgMember(t.ctx, t.ctx.db, other, outsiderAccount.user, 'member', null);
    const otherGroup = await createGroup(other);
    const second = await scim('POST', `${base}/Users`, userBody('second-identity@example.com', { emails: [{ value: 'x@example.com', type: 'work', primary: true }], groups: [{ value: otherGroup.id }] }));
    assert.equal(second.status, 201);
    assert.ok((await invitations(other)).some((i) => i.email === 'x@example.com'));
    const joiner = await userWithToken(t.ctx, ['user']);
    await addOrgMember(t.ctx, t.ctx.db, other, joiner.user, 'member', null);
    const joined = await scim('POST', `${base}/Users`, userBody(joiner.user.login, { groups: [{ value: otherGroup.id }] }));
    assert.equal(joined.status, 201);
    assert.ok(!(await invitations(other)).some((i) => i.login === joiner.user.login), 'a member is not invited');

    // Removing the members takes back only what SCIM gave: the invitations; the members stay.
    const removed = await scim('PATCH', `${base}/Groups/${group.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'remove', path: 'members' }] });
    assert.equal(removed.status, 200);
    assert.deepEqual(await invitations(org), []);
    const still = await memberLogins(org);
    assert.ok(still.includes(memberByLogin.user.login) && still.includes(memberByEmail.login));
  });

  it('a member of the enterprise who is not an owner gets 403 (SCIM body) and changes nothing; an outsider gets 404', async () => {
    const target = await provision('classic-guarded@example.com');
    const roleMember = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
    const billing = await enterpriseMemberToken(t.ctx, seed.enterprise, 'billing_manager', ['admin:enterprise']);
    // A member of one of the enterprise's organizations is a member of the enterprise.
    const orgMember = await userWithToken(t.ctx, ['admin:enterprise']);
    await addOrgMember(t.ctx, t.ctx.db, seed.org, orgMember.user, 'member', null);
    const outsider = await userWithToken(t.ctx, ['admin:enterprise']);
    const before = await get(target.id);

    for (const token of [roleMember.token, billing.token, orgMember.token]) {
      for (const [method, path, body] of [
        ['GET', `${base}/Users`, undefined],
        ['POST', `${base}/Users`, userBody('classic-intruder@example.com')],
        ['PATCH', `${base}/Users/${target.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { givenName: 'Hijacked' } }] }],
        ['DELETE', `${base}/Users/${target.id}`, undefined],
        ['GET', `${base}/Groups`, undefined],
      ] as const) {
        const refused = await scim(method, path, body, token);
        assert.equal(refused.status, 403, `${method} ${path}`);
        assert.match(refused.headers.get('content-type') ?? '', /^application\/scim\+json/);
        assert.deepEqual(refused.body.schemas, [ERROR_URN]);
        assert.equal(refused.body.status, 403);
        assert.equal(refused.body.documentation_url, CLOUD_SCIM_DOCS);
        assert.equal((await scim(method, path, body, outsider.token)).status, 404, `${method} ${path}`);
      }
    }
    const after = await get(target.id);
    assert.deepEqual(after.body, before.body, 'nothing changed');
    const search = await scim('GET', `${base}/Users?filter=${encodeURIComponent('userName eq "classic-intruder@example.com"')}`);
    assert.equal(search.body.totalResults, 0);
  });

  it('managed dialect: a member of the enterprise who is not an owner gets 403 (SCIM body), at the enterprise and instance paths; an outsider 404', async () => {
    const managed = await seedEnterprise(t.ctx, { kind: 'managed' });
    const member = await enterpriseMemberToken(t.ctx, managed.enterprise, 'member', ['scim:enterprise']);
    const outsider = await userWithToken(t.ctx, ['scim:enterprise']);
    const created = await t.request('POST', `/scim/v2/enterprises/${managed.enterprise.slug}/Users`, {
      token: managed.ownerToken,
      body: { schemas: [USER_URN], externalId: 'm-1', userName: 'guarded', displayName: 'Guarded', active: true, emails: [{ value: 'guarded@example.com', type: 'work', primary: true }] },
    });
    assert.equal(created.status, 201, created.text);
    // The instance enterprise is the first managed one created in this store: this one.
    for (const path of [`/scim/v2/enterprises/${managed.enterprise.slug}/Users`, '/scim/v2/Users', '/api/v3/scim/v2/Users']) {
      const refused = await t.request('POST', path, { token: member.token, body: { schemas: [USER_URN], externalId: 'm-2', userName: 'intruder', displayName: 'I', active: true, emails: [] } });
      assert.equal(refused.status, 403, path);
      assert.deepEqual(refused.body.schemas, [ERROR_URN]);
      assert.equal(refused.body.status, 403);
      assert.equal((await t.request('GET', path, { token: outsider.token })).status, 404, path);
    }
    const list = await t.request('GET', `/scim/v2/enterprises/${managed.enterprise.slug}/Users`, { token: managed.ownerToken });
    assert.deepEqual(list.body.Resources.map((r: ScimUserBody) => r.userName), ['guarded']);
  });

  it('documentation_url: Enterprise Cloud pages at the root, GitHub Enterprise Server 3.19 pages under /api/v3 (SCIM and REST errors)', async () => {
    // SCIM errors.
    const root = await scim('GET', `${base}/Users/no-such-id`);
    assert.equal(root.status, 404);
    assert.equal(root.body.documentation_url, CLOUD_SCIM_DOCS);
    const v3 = await scim('GET', `/api/v3${base}/Users/no-such-id`);
    assert.equal(v3.status, 404);
    assert.equal(v3.body.documentation_url, SERVER_SCIM_DOCS);
    const badV3 = await scim('POST', `/api/v3${base}/Users`, { emails: [] });
    assert.equal(badV3.status, 400);
    assert.equal(badV3.body.documentation_url, SERVER_SCIM_DOCS);
    const member = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
    const forbiddenV3 = await scim('GET', `/api/v3${base}/Users`, undefined, member.token);
    assert.equal(forbiddenV3.status, 403);
    assert.equal(forbiddenV3.body.documentation_url, SERVER_SCIM_DOCS);
    const anonymousV3 = await t.request('GET', `/api/v3${base}/Users`);
    assert.equal(anonymousV3.status, 401);
    assert.equal(anonymousV3.body.documentation_url, SERVER_SCIM_DOCS);

    // REST errors: the route's page, on the surface answered.
    const noTeam = await t.request('GET', `/orgs/${seed.org.login}/teams/no-such-team`, { token: owner });
    assert.equal(noTeam.status, 404);
    assert.equal(noTeam.body.documentation_url, 'https://docs.github.com/enterprise-cloud@latest/rest/teams/teams#get-a-team-by-name');
    const noTeamV3 = await t.request('GET', `/api/v3/orgs/${seed.org.login}/teams/no-such-team`, { token: owner });
    assert.equal(noTeamV3.status, 404);
    assert.equal(noTeamV3.body.documentation_url, 'https://docs.github.com/enterprise-server@3.19/rest/teams/teams#get-a-team-by-name');
    const runnerV3 = await t.request('GET', `/api/v3/enterprises/${seed.enterprise.slug}/actions/runners/999999`, { token: owner });
    assert.equal(runnerV3.status, 404);
    assert.match(runnerV3.body.documentation_url, /^https:\/\/docs\.github\.com\/enterprise-server@3\.19\/rest\/actions\/self-hosted-runners#/);
    // No route: docs.github.com/rest at the root, the GHES reference under /api/v3.
    assert.equal((await t.request('GET', '/no/such/route', { token: owner })).body.documentation_url, 'https://docs.github.com/rest');
    assert.equal((await t.request('GET', '/api/v3/no/such/route', { token: owner })).body.documentation_url, 'https://docs.github.com/enterprise-server@3.19/rest');
    // A page only Enterprise Cloud has stays there (the enhanced billing usage report).
    const usageV3 = await t.request('GET', `/api/v3/enterprises/${seed.enterprise.slug}/settings/billing/usage?year=x`, { token: owner });
    assert.ok(usageV3.status >= 400, usageV3.text);
    assert.match(usageV3.body.documentation_url, /^https:\/\/docs\.github\.com\/enterprise-cloud@latest\/rest\/billing\/usage/);
  });
});
