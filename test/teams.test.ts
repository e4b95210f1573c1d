/**
 * Teams REST API (docs.github.com/rest/teams/teams, …/rest/teams/members): CRUD by slug and by id, slugs, nesting,
 * privacy, members and memberships (active, inherited, pending through an organization invitation), the
 * external-group guard, access rules, pagination, and a real octokit client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createOrganization, createUser } from '../src/domain/accounts/accounts.ts';
import { addTeamMember, createTeam, removeTeamMember } from '../src/domain/teams/service.ts';
import { teamSlug } from '../src/domain/teams/slug.ts';
import type { OrganizationRow, UserRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const TEAM = '/orgs/{org}/teams/{team_slug}';
const MEMBERSHIP = '/orgs/{org}/teams/{team_slug}/memberships/{username}';

describe(`teams (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let org: OrganizationRow;
  let owner: string;
  /** Org members with `write:org`. */
  let alice: { user: UserRow; token: string };
  let bob: { user: UserRow; token: string };
  /** Not a member of the organization. */
  let carol: { user: UserRow; token: string };
  /** A member whose token has only `read:org`. */
  let reader: { user: UserRow; token: string };
  /** A member whose token has no org scope. */
  let noScope: { user: UserRow; token: string };
  /** Owner of another enterprise and its organization. */
  let other: SeededEnterprise;

  const teamRow = (slug: string) => t.ctx.db.selectFrom('teams').selectAll().where('org_id', '=', org.id).where('slug', '=', slug).executeTakeFirst();
  const teamCount = async (orgId = org.id) =>
    (await t.ctx.db.selectFrom('teams').select('id').where('org_id', '=', orgId).execute()).length;
  const auditActions = async (action: string) =>
    t.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('org_id', '=', org.id).execute();
  const post = (body: unknown, token = owner) => t.request('POST', `/orgs/${org.login}/teams`, { token, body });

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
    org = seed.org;
    owner = seed.ownerToken;
    alice = await userWithToken(t.ctx, ['write:org']);
    bob = await userWithToken(t.ctx, ['write:org']);
    carol = await userWithToken(t.ctx, ['write:org']);
    reader = await userWithToken(t.ctx, ['read:org']);
    noScope = await userWithToken(t.ctx, ['user']);
    for (const m of [alice, bob, reader, noScope]) await addOrgMember(t.ctx, t.ctx.db, org, m.user, 'member', null);
    other = await seedEnterprise(t.ctx);
    await createTeam(t.ctx, other.org.login, { name: 'Elsewhere', privacy: 'closed' }, null);
  });
  after(() => t.close());

  it('derives slugs as GitHub does', () => {
    assert.equal(teamSlug('My TEam Näme'), 'my-team-name');
    assert.equal(teamSlug('  Infra_Ops  & Friends!! '), 'infra_ops-friends');
    assert.equal(teamSlug('Straße / Øresund'), 'strasse-oresund');
    assert.equal(teamSlug('a--b'), 'a-b');
    assert.equal(teamSlug('!!!'), '');
  });

  it('creates a team (201 team-full) with the creator as maintainer, and audits it', async () => {
    const res = await post({ name: 'My TEam Näme', description: 'The first team' });
    assert.equal(res.status, 201);
    assertSchema('ghec', 'POST', '/orgs/{org}/teams', 201, res.body);
    assert.equal(res.body.slug, 'my-team-name');
    assert.equal(res.body.name, 'My TEam Näme');
    assert.equal(res.body.privacy, 'secret');
    assert.equal(res.body.permission, 'pull');
    assert.equal(res.body.notification_setting, 'notifications_enabled');
    assert.equal(res.body.parent, null);
    assert.equal(res.body.members_count, 1);
    assert.equal(res.body.organization.login, org.login);
    assert.equal(res.body.url, `${t.url}/organizations/${org.id}/team/${res.body.id}`);
    assert.equal(res.body.html_url, `${t.url}/orgs/${org.login}/teams/my-team-name`);

    const row = await teamRow('my-team-name');
    assert.equal(row?.description, 'The first team');
    const membership = await t.request('GET', `/orgs/${org.login}/teams/my-team-name/memberships/${seed.owner.login}`, { token: owner });
    assert.equal(membership.status, 200);
    assertSchema('ghec', 'GET', MEMBERSHIP, 200, membership.body);
    assert.deepEqual(membership.body, {
      url: `${t.url}/organizations/${org.id}/team/${res.body.id}/memberships/${seed.owner.login}`,
      role: 'maintainer',
      state: 'active',
    });
    const created = await auditActions('team.create');
    assert.ok(created.some((e) => JSON.parse(e.data).team === `${org.login}/my-team-name` && e.actor === seed.owner.login));

    // The id-based url the body names is served too.
    const byUrl = await t.request('GET', new URL(res.body.url).pathname, { token: owner });
    assert.equal(byUrl.status, 200);
    assert.equal(byUrl.body.id, res.body.id);
    assertSchema('ghec', 'GET', TEAM, 200, byUrl.body);
  });

  it('makes listed maintainers maintainers, and refuses non-members as maintainers', async () => {
    const res = await post({ name: 'Reviewers', privacy: 'closed', maintainers: [alice.user.login.toUpperCase()] });
    assert.equal(res.status, 201);
    assert.equal(res.body.members_count, 2);
    const m = await t.request('GET', `/orgs/${org.login}/teams/reviewers/memberships/${alice.user.login}`, { token: owner });
    assert.equal(m.body.role, 'maintainer');

    const before = await teamCount();
    const bad = await post({ name: 'Outsiders', maintainers: [carol.user.login] });
    assert.equal(bad.status, 422);
    assertSchema('ghec', 'POST', '/orgs/{org}/teams', 422, bad.body);
    assert.equal(bad.body.errors[0].field, 'maintainers');
    assert.equal(await teamCount(), before);
  });

  it('refuses duplicate names and slugs with 422 already_exists, changing nothing', async () => {
    const before = await teamCount();
    for (const name of ['my team name', 'MY-TEAM-NAME', 'My Team Name!']) {
      const res = await post({ name });
      assert.equal(res.status, 422, name);
      assertSchema('ghec', 'POST', '/orgs/{org}/teams', 422, res.body);
      assert.equal(res.body.message, 'Validation Failed');
      assert.deepEqual(res.body.errors[0], { resource: 'Team', field: 'name', code: 'already_exists', message: 'Name must be unique for this org' });
    }
    assert.equal(await teamCount(), before);
    // The same name in another organization is fine.
    const elsewhere = await t.request('POST', `/orgs/${other.org.login}/teams`, { token: other.ownerToken, body: { name: 'My Team Name' } });
    assert.equal(elsewhere.status, 201);
  });

  it('answers bad input with the documented errors and creates nothing', async () => {
    const before = await teamCount();
    const otherTeam = await t.ctx.db.selectFrom('teams').select('id').where('org_id', '=', other.org.id).executeTakeFirstOrThrow();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^Invalid request/],
      [{ name: 42 }, /^Invalid request/],
      [{ name: 'x', privacy: 'public' }, /^Invalid request/],
      [{ name: 'x', notification_setting: 'loud' }, /^Invalid request/],
      [{ name: '!!!' }, /^Validation Failed$/],
      [{ name: 'x', permission: 'admin' }, /^Validation Failed$/],
      [{ name: 'x', parent_team_id: otherTeam.id }, /^Validation Failed$/],
      [{ name: 'x', parent_team_id: 99999999999 }, /^Validation Failed$/],
      [{ name: 'x', parent_team_slug: 'nope' }, /^Validation Failed$/],
      [{ name: 'x', parent_team_slug: 'my-team-name' }, /^Validation Failed$/], // a secret team cannot be a parent
      [{ name: 'x', parent_team_slug: 'reviewers', privacy: 'secret' }, /^Validation Failed$/],
      [{ name: 'x', repo_names: ['org/repo'] }, /^Validation Failed$/],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(res.body.message, message, JSON.stringify(body));
      assert.equal(res.body.status, '422');
    }
    const malformed = await t.request('POST', `/orgs/${org.login}/teams`, { token: owner, rawBody: '{"name":' });
    assert.equal(malformed.status, 400);
    assert.equal(await teamCount(), before);
  });

  it('nests teams: children are closed, show their parent, and their members are inherited', async () => {
    const parent = await post({ name: 'Platform', privacy: 'closed' });
    assert.equal(parent.status, 201);
    const child = await post({ name: 'Platform Infra', parent_team_id: parent.body.id });
    assert.equal(child.status, 201);
    assert.equal(child.body.privacy, 'closed');
    assert.equal(child.body.parent.id, parent.body.id);
    assertSchema('ghec', 'POST', '/orgs/{org}/teams', 201, child.body);
    const grandchild = await post({ name: 'Platform Infra DB', parent_team_slug: 'platform-infra' });
    assert.equal(grandchild.body.parent.slug, 'platform-infra');

    const put = await t.request('PUT', `/orgs/${org.login}/teams/platform-infra-db/memberships/${bob.user.login}`, { token: owner, body: { role: 'maintainer' } });
    assert.equal(put.status, 200);
    const members = await t.request('GET', `/orgs/${org.login}/teams/platform/members`, { token: owner });
    assert.equal(members.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/teams/{team_slug}/members', 200, members.body);
    const bobEntry = members.body.find((m: { login: string }) => m.login === bob.user.login);
    assert.deepEqual([bobEntry.role, bobEntry.inherited], ['member', true]);
    const ownerEntry = members.body.find((m: { login: string }) => m.login === seed.owner.login);
    assert.deepEqual([ownerEntry.role, ownerEntry.inherited], ['maintainer', false]);
    const inherited = await t.request('GET', `/orgs/${org.login}/teams/platform/memberships/${bob.user.login}`, { token: owner });
    assert.deepEqual([inherited.body.state, inherited.body.role], ['active', 'member']);
    const full = await t.request('GET', `/orgs/${org.login}/teams/platform`, { token: owner });
    assert.equal(full.body.members_count, 2);

    // A parent cannot turn secret; a team cannot nest under itself or its descendants.
    for (const body of [{ privacy: 'secret' }, { parent_team_id: grandchild.body.id }, { parent_team_slug: 'platform' }]) {
      const res = await t.request('PATCH', `/orgs/${org.login}/teams/platform`, { token: owner, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assertSchema('ghec', 'PATCH', TEAM, 422, res.body);
    }
    assert.equal((await teamRow('platform'))?.parent_id, null);
    assert.equal((await teamRow('platform'))?.privacy, 'closed');
  });

  it('lists the teams the caller can see, paginated with Link', async () => {
    const all = await t.request('GET', `/orgs/${org.login}/teams?per_page=100`, { token: owner });
    assert.equal(all.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/teams', 200, all.body);
    const total = all.body.length;
    assert.equal(total, await teamCount());
    assert.ok(all.body.some((team: { slug: string }) => team.slug === 'my-team-name'));

    const first = await t.request('GET', `/orgs/${org.login}/teams?per_page=2`, { token: owner });
    assert.equal(first.body.length, 2);
    const link = first.headers.get('link') ?? '';
    assert.match(link, /rel="next"/);
    assert.match(link, new RegExp(`page=${Math.ceil(total / 2)}>; rel="last"`));
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    const second = await t.request('GET', new URL(next).pathname + new URL(next).search, { token: owner });
    assert.equal(second.body.length, Math.min(2, total - 2));
    assert.notEqual(second.body[0].id, first.body[0].id);

    // A member sees closed teams and the secret teams they belong to, not other secret teams.
    const asBob = await t.request('GET', `/orgs/${org.login}/teams?per_page=100`, { token: bob.token });
    assert.equal(asBob.status, 200);
    const slugs = asBob.body.map((team: { slug: string }) => team.slug);
    assert.ok(slugs.includes('platform') && slugs.includes('reviewers'));
    assert.ok(!slugs.includes('my-team-name'));
    const secret = await t.request('GET', `/orgs/${org.login}/teams/my-team-name`, { token: bob.token });
    assert.equal(secret.status, 404);
    const enterpriseOnly = await t.request('GET', `/orgs/${org.login}/teams?team_type=enterprise`, { token: owner });
    assert.deepEqual(enterpriseOnly.body, []);
  });

  it('updates a team: renaming re-derives the slug; maintainers may edit, members may not', async () => {
    const created = await post({ name: 'Docs Writers', privacy: 'closed', maintainers: [alice.user.login] });
    const forbidden = await t.request('PATCH', `/orgs/${org.login}/teams/docs-writers`, { token: bob.token, body: { description: 'hijack' } });
    assert.equal(forbidden.status, 403);
    assertSchema('ghec', 'PATCH', TEAM, 403, forbidden.body);
    assert.equal((await teamRow('docs-writers'))?.description, null);

    const res = await t.request('PATCH', `/orgs/${org.login}/teams/docs-writers`, {
      token: alice.token,
      body: { name: 'Technical Writers', description: 'Words', permission: 'push', notification_setting: 'notifications_disabled', parent_team_slug: 'platform' },
    });
    assert.equal(res.status, 403, 'alice does not maintain the new parent');
    const ok = await t.request('PATCH', `/orgs/${org.login}/teams/docs-writers`, {
      token: alice.token,
      body: { name: 'Technical Writers', description: 'Words', permission: 'push', notification_setting: 'notifications_disabled' },
    });
    assert.equal(ok.status, 200);
    assertSchema('ghec', 'PATCH', TEAM, 200, ok.body);
    assert.equal(ok.body.id, created.body.id);
    assert.equal(ok.body.slug, 'technical-writers');
    assert.equal(ok.body.notification_setting, 'notifications_disabled');
    assert.equal((await t.request('GET', `/orgs/${org.login}/teams/docs-writers`, { token: owner })).status, 404);
    assert.equal((await t.request('GET', `/orgs/${org.login}/teams/technical-writers`, { token: owner })).body.description, 'Words');

    const nest = await t.request('PATCH', `/orgs/${org.login}/teams/technical-writers`, { token: owner, body: { parent_team_id: (await teamRow('platform'))?.id } });
    assert.equal(nest.status, 200);
    assert.equal(nest.body.parent.slug, 'platform');
    const unnest = await t.request('PATCH', `/orgs/${org.login}/teams/technical-writers`, { token: owner, body: { parent_team_id: null, privacy: 'secret' } });
    assert.equal(unnest.status, 200);
    assert.deepEqual([unnest.body.parent, unnest.body.privacy], [null, 'secret']);

    const dup = await t.request('PATCH', `/orgs/${org.login}/teams/technical-writers`, { token: owner, body: { name: 'Platform' } });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.errors[0].code, 'already_exists');
    const updates = await auditActions('team.update');
    assert.ok(updates.some((e) => JSON.parse(e.data).old_team === `${org.login}/docs-writers`));
  });

  it('adds, promotes and removes members (200 active, 204), with audit', async () => {
    await post({ name: 'Backend', privacy: 'closed' });
    const path = `/orgs/${org.login}/teams/backend/memberships/${alice.user.login}`;
    const added = await t.request('PUT', path, { token: owner });
    assert.equal(added.status, 200);
    assertSchema('ghec', 'PUT', MEMBERSHIP, 200, added.body);
    assert.deepEqual([added.body.role, added.body.state], ['member', 'active']);
    const promoted = await t.request('PUT', path, { token: owner, body: { role: 'maintainer' } });
    assert.equal(promoted.body.role, 'maintainer');
    await t.request('PUT', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: owner, body: { role: 'member' } });

    const maintainers = await t.request('GET', `/orgs/${org.login}/teams/backend/members?role=maintainer`, { token: reader.token });
    assert.equal(maintainers.status, 200);
    assert.deepEqual(maintainers.body.map((m: { login: string }) => m.login).sort(), [alice.user.login, seed.owner.login].sort());
    const plain = await t.request('GET', `/orgs/${org.login}/teams/backend/members?role=member`, { token: reader.token });
    assert.deepEqual(plain.body.map((m: { login: string }) => m.login), [bob.user.login]);
    const badRole = await t.request('GET', `/orgs/${org.login}/teams/backend/members?role=owner`, { token: reader.token });
    assert.equal(badRole.status, 422);

    const paged = await t.request('GET', `/orgs/${org.login}/teams/backend/members?per_page=1&page=2`, { token: reader.token });
    assert.equal(paged.body.length, 1);
    assert.match(paged.headers.get('link') ?? '', /rel="prev".*rel="next".*rel="last".*rel="first"/);

    // Alice (a maintainer, not an owner) can manage members of her team.
    const removed = await t.request('DELETE', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: alice.token });
    assert.equal(removed.status, 204);
    const gone = await t.request('GET', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: owner });
    assert.equal(gone.status, 404);
    assert.equal((await t.request('DELETE', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: owner })).status, 404);
    const actions = (await auditActions('team.add_member')).concat(await auditActions('team.promote_maintainer'), await auditActions('team.remove_member'));
    assert.ok(actions.some((e) => e.action === 'team.promote_maintainer' && e.user === alice.user.login));
    assert.ok(actions.some((e) => e.action === 'team.remove_member' && e.user === bob.user.login && e.actor === alice.user.login));

    // A member may leave; others need maintainer rights.
    await t.request('PUT', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: owner });
    const notAllowed = await t.request('DELETE', path, { token: bob.token });
    assert.equal(notAllowed.status, 403);
    const leave = await t.request('DELETE', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: bob.token });
    assert.equal(leave.status, 204);
    const addByMember = await t.request('PUT', `/orgs/${org.login}/teams/backend/memberships/${bob.user.login}`, { token: bob.token });
    assert.equal(addByMember.status, 403);
  });

  it('rejects bad membership input: role, unknown user, an organization', async () => {
    const path = `/orgs/${org.login}/teams/backend/memberships`;
    const badRole = await t.request('PUT', `${path}/${bob.user.login}`, { token: owner, body: { role: 'owner' } });
    assert.equal(badRole.status, 422);
    assert.match(badRole.body.message, /^Invalid request/);
    assert.equal((await t.request('PUT', `${path}/nobody-here`, { token: owner })).status, 404);
    const orgAsMember = await t.request('PUT', `${path}/${other.org.login}`, { token: owner });
    assert.equal(orgAsMember.status, 422);
    const rows = await t.ctx.db.selectFrom('team_members').select('user_id').where('team_id', '=', (await teamRow('backend'))!.id).execute();
    assert.ok(!rows.some((r) => r.user_id === bob.user.id));
  });

  it('invites a non-member: the team membership is pending until the invitation is accepted', async () => {
    const path = `/orgs/${org.login}/teams/backend/memberships/${carol.user.login}`;
    const byMaintainer = await t.request('PUT', path, { token: alice.token });
    assert.equal(byMaintainer.status, 403, 'only owners invite to the organization');

    const res = await t.request('PUT', path, { token: owner, body: { role: 'maintainer' } });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'PUT', MEMBERSHIP, 200, res.body);
    assert.deepEqual([res.body.state, res.body.role], ['pending', 'maintainer']);
    const invitation = await t.ctx.db.selectFrom('org_invitations').selectAll().where('org_id', '=', org.id).where('invitee_id', '=', carol.user.id).executeTakeFirst();
    assert.equal(invitation?.role, 'direct_member');
    assert.equal((await auditActions('org.invite_member')).length, 1);
    assert.equal((await t.request('GET', path, { token: owner })).body.state, 'pending');
    const members = await t.request('GET', `/orgs/${org.login}/teams/backend/members`, { token: owner });
    assert.ok(!members.body.some((m: { login: string }) => m.login === carol.user.login));

    const accept = await t.request('PATCH', `/user/memberships/orgs/${org.login}`, { token: carol.token, body: { state: 'active' } });
    assert.equal(accept.status, 200);
    assertSchema('ghec', 'PATCH', '/user/memberships/orgs/{org}', 200, accept.body);
    assert.equal(accept.body.state, 'active');
    const active = await t.request('GET', path, { token: owner });
    assert.deepEqual([active.body.state, active.body.role], ['active', 'maintainer']);
    assert.equal(
      (await t.ctx.db.selectFrom('org_invitations').select('id').where('org_id', '=', org.id).where('invitee_id', '=', carol.user.id).execute()).length,
      0,
    );
  });

  it('refuses manual membership changes on a team managed by an external group (403, nothing changed)', async () => {
    await post({ name: 'Synced', privacy: 'closed' });
    const team = (await teamRow('synced'))!;
    await t.ctx.db
      .insertInto('team_members')
      .values({ team_id: team.id, user_id: bob.user.id, role: 'member', via_external_group: 1, created_at: t.clock.now().toISOString() })
      .execute();
    const put = await t.request('PUT', `/orgs/${org.login}/teams/synced/memberships/${alice.user.login}`, { token: owner });
    assert.equal(put.status, 403);
    assert.match(put.body.message, /managed by an external group/);
    const del = await t.request('DELETE', `/orgs/${org.login}/teams/synced/memberships/${bob.user.login}`, { token: owner });
    assert.equal(del.status, 403);
    const rows = await t.ctx.db.selectFrom('team_members').select(['user_id']).where('team_id', '=', team.id).execute();
    assert.deepEqual(rows.map((r) => r.user_id).sort(), [seed.owner.id, bob.user.id].sort());
  });

  it('deletes a team: an owner deletes its child teams too; a maintainer leaves them one level up', async () => {
    const parent = await post({ name: 'Doomed', privacy: 'closed' });
    await post({ name: 'Doomed Child', parent_team_id: parent.body.id });
    await post({ name: 'Doomed Grandchild', parent_team_slug: 'doomed-child' });
    const res = await t.request('DELETE', `/orgs/${org.login}/teams/doomed`, { token: owner });
    assert.equal(res.status, 204);
    for (const slug of ['doomed', 'doomed-child', 'doomed-grandchild']) assert.equal(await teamRow(slug), undefined, slug);
    assert.equal((await t.ctx.db.selectFrom('team_members').select('user_id').where('team_id', '=', parent.body.id).execute()).length, 0);
    const destroyed = (await auditActions('team.destroy')).map((e) => JSON.parse(e.data).team);
    assert.deepEqual(destroyed.sort(), ['doomed', 'doomed-child', 'doomed-grandchild'].map((s) => `${org.login}/${s}`).sort());

    const kept = await post({ name: 'Kept Parent', privacy: 'closed', maintainers: [alice.user.login] });
    await post({ name: 'Kept Child', parent_team_id: kept.body.id });
    const byMember = await t.request('DELETE', `/orgs/${org.login}/teams/kept-parent`, { token: bob.token });
    assert.equal(byMember.status, 403);
    const byMaintainer = await t.request('DELETE', `/orgs/${org.login}/teams/kept-parent`, { token: alice.token });
    assert.equal(byMaintainer.status, 204);
    assert.equal(await teamRow('kept-parent'), undefined);
    assert.equal((await teamRow('kept-child'))?.parent_id, null);
  });

  it('authenticates (401), scopes (403) and hides other organizations and their teams (404)', async () => {
    const teams = `/orgs/${org.login}/teams`;
    const none = await t.request('GET', teams);
    assert.equal(none.status, 401);
    const unscoped = await t.request('GET', teams, { token: noScope.token });
    assert.equal(unscoped.status, 403);
    assertSchema('ghec', 'GET', '/orgs/{org}/teams', 403, unscoped.body);
    assert.equal(unscoped.headers.get('x-accepted-oauth-scopes'), 'admin:org, read:org, write:org');
    const before = await teamCount();
    const readOnly = await post({ name: 'Nope' }, reader.token);
    assert.equal(readOnly.status, 403);
    assert.equal(readOnly.headers.get('x-accepted-oauth-scopes'), 'admin:org, write:org');
    const outsider = await post({ name: 'Nope' }, other.ownerToken);
    assert.equal(outsider.status, 404);
    assert.equal(await teamCount(), before);

    // Another organization's team is not found through this organization, nor by the other owner through it.
    const elsewhere = await t.request('GET', `${teams}/elsewhere`, { token: owner });
    assert.equal(elsewhere.status, 404);
    assertSchema('ghec', 'GET', TEAM, 404, elsewhere.body);
    const foreign = await t.request('DELETE', `/orgs/${other.org.login}/teams/elsewhere`, { token: owner });
    assert.equal(foreign.status, 404);
    const foreignPut = await t.request('PUT', `/orgs/${other.org.login}/teams/elsewhere/memberships/${alice.user.login}`, { token: owner });
    assert.equal(foreignPut.status, 404);
    const elsewhereRow = await t.ctx.db.selectFrom('teams').select('id').where('org_id', '=', other.org.id).where('slug', '=', 'elsewhere').executeTakeFirst();
    assert.ok(elsewhereRow !== undefined);
    assert.equal((await t.ctx.db.selectFrom('team_members').select('user_id').where('team_id', '=', elsewhereRow.id).execute()).length, 0);
    const mixedAlias = await t.request('GET', `/organizations/${org.id}/team/${elsewhereRow.id}`, { token: owner });
    assert.equal(mixedAlias.status, 404);
    assert.equal((await t.request('GET', `/organizations/${org.id}/team/99999999999`, { token: owner })).status, 404);
  });

  it('lets enterprise owners who are not organization members see and manage every team', async () => {
    const entOwner = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['admin:org']);
    const list = await t.request('GET', `/orgs/${org.login}/teams?per_page=100`, { token: entOwner.token });
    assert.equal(list.status, 200);
    assert.ok(list.body.some((team: { slug: string }) => team.slug === 'my-team-name'), 'secret teams included');
    const created = await post({ name: 'Enterprise Made', privacy: 'closed' }, entOwner.token);
    assert.equal(created.status, 201);
    assert.equal(created.body.members_count, 0, 'a non-member creator does not join the team');
    const add = await t.request('PUT', `/orgs/${org.login}/teams/enterprise-made/memberships/${bob.user.login}`, { token: entOwner.token });
    assert.deepEqual([add.status, add.body.state], [200, 'active']);
    const plainMember = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:org']);
    assert.equal((await t.request('GET', `/orgs/${org.login}/teams`, { token: plainMember.token })).status, 404);
  });

  it('refuses invitations in Enterprise Managed User organizations', async () => {
    const emu = await seedEnterprise(t.ctx, { kind: 'managed' });
    await createTeam(t.ctx, emu.org.login, { name: 'Managed' }, null);
    const outsider = await createUser(t.ctx, t.ctx.db, { login: `mona_${emu.enterprise.shortcode}` }, null);
    const res = await t.request('PUT', `/orgs/${emu.org.login}/teams/managed/memberships/${outsider.login}`, { token: emu.ownerToken });
    assert.equal(res.status, 422);
    assert.equal((await t.ctx.db.selectFrom('org_invitations').select('id').where('org_id', '=', emu.org.id).execute()).length, 0);
  });

  it('exposes the domain functions the CLI uses', async () => {
    const cliOrg = await createOrganization(t.ctx, { login: `cli-org-${storageKind}` }, null);
    await addOrgMember(t.ctx, t.ctx.db, cliOrg, alice.user, 'member', null);
    const parent = await createTeam(t.ctx, cliOrg.login, { name: 'CLI Parent', privacy: 'closed' }, null);
    const child = await createTeam(t.ctx, cliOrg.login, { name: 'CLI Child', parentSlug: 'cli-parent' }, null);
    assert.equal(child.parent_id, parent.id);
    assert.equal(child.privacy, 'closed');
    const added = await addTeamMember(t.ctx, cliOrg.login, 'cli-child', alice.user.login, 'maintainer', null);
    assert.deepEqual(added.membership, { state: 'active', role: 'maintainer' });
    await removeTeamMember(t.ctx, cliOrg.login, 'cli-child', alice.user.login, null);
    assert.equal((await t.ctx.db.selectFrom('team_members').select('user_id').where('team_id', '=', child.id).execute()).length, 0);
  });

  it('serves the same endpoints under /api/v3 with GHES-style urls', async () => {
    const res = await t.request('GET', `/api/v3/orgs/${org.login}/teams/backend`, { token: owner });
    assert.equal(res.status, 200);
    assert.ok(String(res.body.url).startsWith(`${t.url}/api/v3/organizations/`));
  });

  it('works with octokit (rest.teams.*)', async () => {
    const octokit = octokitFor(t.url, owner);
    const created = await octokit.rest.teams.create({ org: org.login, name: 'Octo Team', privacy: 'closed', description: 'via octokit' });
    assert.equal(created.status, 201);
    assert.equal(created.data.slug, 'octo-team');
    const got = await octokit.rest.teams.getByName({ org: org.login, team_slug: 'octo-team' });
    assert.equal(got.data.id, created.data.id);
    const updated = await octokit.rest.teams.updateInOrg({ org: org.login, team_slug: 'octo-team', name: 'Octo Squad' });
    assert.equal(updated.data.slug, 'octo-squad');
    const membership = await octokit.rest.teams.addOrUpdateMembershipForUserInOrg({ org: org.login, team_slug: 'octo-squad', username: alice.user.login, role: 'member' });
    assert.equal(membership.data.state, 'active');
    const fetched = await octokit.rest.teams.getMembershipForUserInOrg({ org: org.login, team_slug: 'octo-squad', username: alice.user.login });
    assert.equal(fetched.data.role, 'member');
    const members = await octokit.paginate(octokit.rest.teams.listMembersInOrg, { org: org.login, team_slug: 'octo-squad', per_page: 1 });
    assert.deepEqual(members.map((m) => m.login).sort(), [alice.user.login, seed.owner.login].sort());
    const all = await octokit.paginate(octokit.rest.teams.list, { org: org.login, per_page: 2 });
    assert.equal(all.length, await teamCount());
    await octokit.rest.teams.removeMembershipForUserInOrg({ org: org.login, team_slug: 'octo-squad', username: alice.user.login });
    await assert.rejects(octokit.rest.teams.getMembershipForUserInOrg({ org: org.login, team_slug: 'octo-squad', username: alice.user.login }), { status: 404 });
    const deleted = await octokit.rest.teams.deleteInOrg({ org: org.login, team_slug: 'octo-squad' });
    assert.equal(deleted.status, 204);
    await assert.rejects(octokit.rest.teams.getByName({ org: org.login, team_slug: 'octo-squad' }), { status: 404 });
  });
});
