/**
 * Organization reads (docs.github.com/rest/orgs/orgs, …/rest/orgs/members): the organization profile, member lists and
 * checks, memberships (active and pending), pending invitations and their teams, accepting one's own invitation,
 * access rules, pagination, and a real octokit client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember } from '../src/domain/accounts/accounts.ts';
import { inviteUserToOrg } from '../src/domain/orgs/service.ts';
import { addTeamMember, createTeam } from '../src/domain/teams/service.ts';
import type { OrganizationRow, UserRow } from '../src/storage/tables.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

describe(`organizations (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let org: OrganizationRow;
  let owner: string;
  let member: { user: UserRow; token: string };
  let secondOwner: { user: UserRow; token: string };
  let noScope: { user: UserRow; token: string };
  let invitee: { user: UserRow; token: string };
  let scimInvitee: { user: UserRow; token: string };
  let outsider: { user: UserRow; token: string };
  let other: SeededEnterprise;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
    org = seed.org;
    owner = seed.ownerToken;
    member = await userWithToken(t.ctx, ['read:org']);
    secondOwner = await userWithToken(t.ctx, ['admin:org']);
    noScope = await userWithToken(t.ctx, ['user']);
    invitee = await userWithToken(t.ctx, ['user']);
    scimInvitee = await userWithToken(t.ctx, ['user']);
    outsider = await userWithToken(t.ctx, ['admin:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, member.user, 'member', null);
    await addOrgMember(t.ctx, t.ctx.db, org, secondOwner.user, 'admin', null);
    await addOrgMember(t.ctx, t.ctx.db, org, noScope.user, 'member', null);
    for (let i = 0; i < 3; i += 1) {
      const extra = await userWithToken(t.ctx, []);
      await addOrgMember(t.ctx, t.ctx.db, org, extra.user, 'member', null);
    }
    await createTeam(t.ctx, org.login, { name: 'Alpha', privacy: 'closed' }, null);
    await createTeam(t.ctx, org.login, { name: 'Beta', privacy: 'closed' }, null);
    await addTeamMember(t.ctx, org.login, 'alpha', invitee.user.login, 'member', { id: seed.owner.id, login: seed.owner.login, siteAdmin: false });
    await addTeamMember(t.ctx, org.login, 'beta', invitee.user.login, 'maintainer', { id: seed.owner.id, login: seed.owner.login, siteAdmin: false });
    await t.ctx.db.transaction().execute((trx) => inviteUserToOrg(t.ctx, trx, org, scimInvitee.user, null, { role: 'direct_member', source: 'scim' }));
    other = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  it('GET /orgs/{org}: public profile for anyone, owner-only fields for owners with admin:org', async () => {
    const publicView = await t.request('GET', `/orgs/${org.login}`, { token: outsider.token });
    assert.equal(publicView.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}', 200, publicView.body);
    assert.equal(publicView.body.login, org.login);
    assert.equal(publicView.body.type, 'Organization');
    assert.equal(publicView.body.plan, undefined);
    const ownerView = await t.request('GET', `/orgs/${org.login.toUpperCase()}`, { token: owner });
    assertSchema('ghec', 'GET', '/orgs/{org}', 200, ownerView.body);
    assert.equal(ownerView.body.plan.name, 'enterprise');
    assert.equal(ownerView.body.plan.filled_seats, 7);
    const memberView = await t.request('GET', `/orgs/${org.login}`, { token: member.token });
    assert.equal(memberView.body.plan, undefined);
    const missing = await t.request('GET', '/orgs/no-such-org', { token: owner });
    assert.equal(missing.status, 404);
    assertSchema('ghec', 'GET', '/orgs/{org}', 404, missing.body);
    assert.equal((await t.request('GET', `/orgs/${org.login}`)).status, 401);
  });

  it('lists members with role filters and Link pagination', async () => {
    const all = await t.request('GET', `/orgs/${org.login}/members`, { token: member.token });
    assert.equal(all.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/members', 200, all.body);
    assert.equal(all.body.length, 7);
    assert.ok(!all.body.some((u: { login: string }) => u.login === invitee.user.login), 'pending invitees are not members');
    const admins = await t.request('GET', `/orgs/${org.login}/members?role=admin`, { token: member.token });
    assert.deepEqual(admins.body.map((u: { login: string }) => u.login).sort(), [seed.owner.login, secondOwner.user.login].sort());
    const plain = await t.request('GET', `/orgs/${org.login}/members?role=member`, { token: member.token });
    assert.equal(plain.body.length, 5);

    const page = await t.request('GET', `/orgs/${org.login}/members?per_page=3&page=2`, { token: member.token });
    assert.equal(page.body.length, 3);
    const link = page.headers.get('link') ?? '';
    assert.match(link, /per_page=3&page=1>; rel="prev"/);
    assert.match(link, /page=3>; rel="next"/);
    assert.match(link, /page=3>; rel="last"/);
    const last = await t.request('GET', `/orgs/${org.login}/members?per_page=3&page=3`, { token: member.token });
    assert.equal(last.body.length, 1);
    assert.equal(new Set([...page.body, ...last.body].map((u: { id: number }) => u.id)).size, 4);

    const badRole = await t.request('GET', `/orgs/${org.login}/members?role=owner`, { token: member.token });
    assert.equal(badRole.status, 422);
    assertSchema('ghec', 'GET', '/orgs/{org}/members', 422, badRole.body);
    const twoFactorAsMember = await t.request('GET', `/orgs/${org.login}/members?filter=2fa_disabled`, { token: member.token });
    assert.equal(twoFactorAsMember.status, 422);
    const twoFactorAsOwner = await t.request('GET', `/orgs/${org.login}/members?filter=2fa_disabled`, { token: owner });
    assert.deepEqual(twoFactorAsOwner.body, []);
  });

  it('hides members from outsiders (404), demands read:org (403) and a token (401)', async () => {
    assert.equal((await t.request('GET', `/orgs/${org.login}/members`)).status, 401);
    const unscoped = await t.request('GET', `/orgs/${org.login}/members`, { token: noScope.token });
    assert.equal(unscoped.status, 403);
    assert.equal(unscoped.headers.get('x-accepted-oauth-scopes'), 'admin:org, read:org, write:org');
    const foreign = await t.request('GET', `/orgs/${org.login}/members`, { token: outsider.token });
    assert.equal(foreign.status, 404);
    const otherOwner = await t.request('GET', `/orgs/${other.org.login}/memberships/${other.owner.login}`, { token: owner });
    assert.equal(otherOwner.status, 404);
    const invitations = await t.request('GET', `/orgs/${other.org.login}/invitations`, { token: owner });
    assert.equal(invitations.status, 404);
  });

  it('checks membership: 204 member, 404 not, 302 for callers who are not members', async () => {
    const yes = await t.request('GET', `/orgs/${org.login}/members/${member.user.login}`, { token: owner });
    assert.equal(yes.status, 204);
    assert.equal(yes.text, '');
    const pending = await t.request('GET', `/orgs/${org.login}/members/${invitee.user.login}`, { token: owner });
    assert.equal(pending.status, 404);
    assert.equal((await t.request('GET', `/orgs/${org.login}/members/nobody-at-all`, { token: member.token })).status, 404);
    const res = await fetch(`${t.url}/orgs/${org.login}/members/${member.user.login}`, { headers: { authorization: `Bearer ${outsider.token}` }, redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${t.url}/orgs/${org.login}/public_members/${member.user.login}`);
  });

  it('gets memberships: active with role, pending (owners only), 404 otherwise', async () => {
    const admin = await t.request('GET', `/orgs/${org.login}/memberships/${seed.owner.login}`, { token: member.token });
    assert.equal(admin.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/memberships/{username}', 200, admin.body);
    assert.deepEqual([admin.body.state, admin.body.role, admin.body.user.login], ['active', 'admin', seed.owner.login]);
    assert.equal(admin.body.url, `${t.url}/orgs/${org.login}/memberships/${seed.owner.login}`);
    const plain = await t.request('GET', `/orgs/${org.login}/memberships/${member.user.login}`, { token: owner });
    assert.deepEqual([plain.body.state, plain.body.role], ['active', 'member']);

    const pending = await t.request('GET', `/orgs/${org.login}/memberships/${invitee.user.login}`, { token: owner });
    assert.equal(pending.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/memberships/{username}', 200, pending.body);
    assert.deepEqual([pending.body.state, pending.body.role], ['pending', 'member']);
    const hidden = await t.request('GET', `/orgs/${org.login}/memberships/${invitee.user.login}`, { token: member.token });
    assert.equal(hidden.status, 404);
    const none = await t.request('GET', `/orgs/${org.login}/memberships/${outsider.user.login}`, { token: owner });
    assert.equal(none.status, 404);
    assertSchema('ghec', 'GET', '/orgs/{org}/memberships/{username}', 404, none.body);
  });

  it('lists pending invitations (owners), with team counts, filters and their teams', async () => {
    const res = await t.request('GET', `/orgs/${org.login}/invitations`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/invitations', 200, res.body);
    assert.equal(res.body.length, 2);
    const [teamInvite, scimInvite] = res.body;
    assert.deepEqual([teamInvite.login, teamInvite.role, teamInvite.team_count, teamInvite.invitation_source], [invitee.user.login, 'direct_member', 2, 'member']);
    assert.equal(teamInvite.inviter.login, seed.owner.login);
    assert.deepEqual([scimInvite.login, scimInvite.team_count, scimInvite.invitation_source, scimInvite.inviter.login], [scimInvitee.user.login, 0, 'scim', 'ghost']);

    const scimOnly = await t.request('GET', `/orgs/${org.login}/invitations?invitation_source=scim`, { token: owner });
    assert.deepEqual(scimOnly.body.map((i: { login: string }) => i.login), [scimInvitee.user.login]);
    const admins = await t.request('GET', `/orgs/${org.login}/invitations?role=admin`, { token: owner });
    assert.deepEqual(admins.body, []);
    const paged = await t.request('GET', `/orgs/${org.login}/invitations?per_page=1`, { token: owner });
    assert.equal(paged.body.length, 1);
    assert.match(paged.headers.get('link') ?? '', /rel="next"/);
    const badSource = await t.request('GET', `/orgs/${org.login}/invitations?invitation_source=web`, { token: owner });
    assert.equal(badSource.status, 422);

    const teamsUrl = new URL(teamInvite.invitation_teams_url);
    const teams = await t.request('GET', teamsUrl.pathname.replace(`/organizations/${org.id}/`, `/orgs/${org.login}/`), { token: owner });
    assert.equal(teams.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/invitations/{invitation_id}/teams', 200, teams.body);
    assert.deepEqual(teams.body.map((team: { slug: string }) => team.slug), ['alpha', 'beta']);
    assert.equal((await t.request('GET', `/orgs/${org.login}/invitations/999999/teams`, { token: owner })).status, 404);

    const asMember = await t.request('GET', `/orgs/${org.login}/invitations`, { token: member.token });
    assert.equal(asMember.status, 404);
  });

  it('lets an invitee see and accept their own membership, joining the invitation\'s teams', async () => {
    const mine = await t.request('GET', `/user/memberships/orgs/${org.login}`, { token: invitee.token });
    assert.equal(mine.status, 200);
    assertSchema('ghec', 'GET', '/user/memberships/orgs/{org}', 200, mine.body);
    assert.equal(mine.body.state, 'pending');
    const bad = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: invitee.token, body: { state: 'inactive' } });
    assert.equal(bad.status, 422);
    assert.equal((await t.request('GET', `/orgs/${org.login}/memberships/${invitee.user.login}`, { token: owner })).body.state, 'pending');

    const accepted = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: invitee.token, body: { state: 'active' } });
    assert.equal(accepted.status, 200);
    assertSchema('ghec', 'PATCH', '/user/memberships/orgs/{org}', 200, accepted.body);
    assert.deepEqual([accepted.body.state, accepted.body.role], ['active', 'member']);
    const beta = await t.request('GET', `/orgs/${org.login}/teams/beta/memberships/${invitee.user.login}`, { token: owner });
    assert.deepEqual([beta.body.state, beta.body.role], ['active', 'maintainer']);
    const remaining = await t.request('GET', `/orgs/${org.login}/invitations`, { token: owner });
    assert.deepEqual(remaining.body.map((i: { login: string }) => i.login), [scimInvitee.user.login]);
    const audit = await t.ctx.db.selectFrom('audit_events').select('action').where('org_id', '=', org.id).where('user', '=', invitee.user.login).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['org.add_member', 'org.invite_member', 'org.invite_member', 'team.add_member', 'team.add_member']);

    const notMine = await t.request('GET', `/user/memberships/orgs/${org.login}`, { token: outsider.token });
    assert.equal(notMine.status, 404);
    const nothingToAccept = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: outsider.token, body: { state: 'active' } });
    assert.equal(nothingToAccept.status, 404);
  });

  it('works with octokit (rest.orgs.*)', async () => {
    const octokit = octokitFor(t.url, owner);
    const got = await octokit.rest.orgs.get({ org: org.login });
    assert.equal(got.data.id, org.id);
    const members = await octokit.paginate(octokit.rest.orgs.listMembers, { org: org.login, per_page: 2 });
    assert.equal(members.length, 8);
    const check = await octokit.rest.orgs.checkMembershipForUser({ org: org.login, username: member.user.login });
    assert.equal(check.status, 204);
    const membership = await octokit.rest.orgs.getMembershipForUser({ org: org.login, username: member.user.login });
    assert.equal(membership.data.role, 'member');
    const invitations = await octokit.paginate(octokit.rest.orgs.listPendingInvitations, { org: org.login });
    assert.deepEqual(invitations.map((i) => i.login), [scimInvitee.user.login]);
    await assert.rejects(octokitFor(t.url, outsider.token).rest.orgs.getMembershipForUser({ org: org.login, username: member.user.login }), { status: 404 });
  });
});
