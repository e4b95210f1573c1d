/**
 * External groups and team sync (docs.github.com/enterprise-cloud@latest/rest/teams/external-groups;
 * openapi-contract.md §8; github-semantics.md §3.7, §4): the five endpoints, linking and unlinking with team and
 * organization membership, every SCIM-side change reflected through the sync hooks, access rules, pagination,
 * the set-based paths (one member, 10,000 members), and a real octokit client.
 *
 * One test drives everything through the managed SCIM endpoints (`/scim/v2/enterprises/{enterprise}/Users|Groups`).
 * The others use `Idp` below, which writes the SCIM rows (`users`, `scim_users`, `scim_groups`, `scim_group_members`)
 * and calls the sync hooks in one transaction as the SCIM layer does, to reach states cheaply and exactly.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createAccessToken, createOrganization, createUser } from '../src/domain/accounts/accounts.ts';
import type { Actor } from '../src/domain/context.ts';
import { syncGroupDeleted, syncGroupMembers, syncGroupUpdated, syncUserActiveChanged } from '../src/domain/external-groups/sync.ts';
import { createTeam } from '../src/domain/teams/service.ts';
import type { EnterpriseRow, OrganizationRow, TeamRow, UserRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const LIST = '/orgs/{org}/external-groups';
const ONE = '/orgs/{org}/external-group/{group_id}';
const TEAM_GROUPS = '/orgs/{org}/teams/{team_slug}/external-groups';

/** Writes SCIM rows the way the managed SCIM dialect does, and calls the sync hooks inside the same transaction. */
class Idp {
  private seq = 0;
  constructor(
    private readonly t: TestApp,
    readonly enterprise: EnterpriseRow,
    readonly setup: Actor,
  ) {}

  private now(): string {
    return this.t.clock.now().toISOString();
  }

  /** A managed account with its SCIM identity. */
  async user(name: string, options: { email?: string | null } = {}): Promise<UserRow> {
    this.seq += 1;
    const login = `${name}${this.seq}_${this.enterprise.shortcode}`;
    const user = await createUser(
      this.t.ctx,
      this.t.ctx.db,
      { login, name: `${name} Person`, email: options.email === undefined ? `${login}@example.com` : options.email, managedByEnterpriseId: this.enterprise.id },
      null,
    );
    await this.t.ctx.db
      .insertInto('scim_users')
      .values({
        scim_id: crypto.randomUUID(),
        scope: `enterprise:${this.enterprise.id}`,
        dialect: 'managed',
        enterprise_id: this.enterprise.id,
        org_id: null,
        user_id: user.id,
        user_name: login,
        user_name_lower: login.toLowerCase(),
        external_id: crypto.randomUUID(),
        display_name: `${name} (IdP)`,
        active: 1,
        resource: '{}',
        version: 1,
        created_at: this.now(),
        updated_at: this.now(),
      })
      .execute();
    return user;
  }

  async group(name: string, members: readonly UserRow[] = []): Promise<number> {
    return this.t.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('scim_groups')
        .values({
          scim_id: crypto.randomUUID(),
          scope: `enterprise:${this.enterprise.id}`,
          dialect: 'managed',
          enterprise_id: this.enterprise.id,
          display_name: name,
          display_name_lower: name.toLowerCase(),
          external_id: crypto.randomUUID(),
          resource: '{}',
          version: 1,
          created_at: this.now(),
          updated_at: this.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.insertMembers(trx, row.id, members);
      await syncGroupMembers(trx, this.t.ctx, row.id, { addedUserIds: members.map((m) => m.id), removedUserIds: [] }, this.setup);
      return row.id;
    });
  }

  private async scimIds(db: TestApp['ctx']['db'], users: readonly UserRow[]): Promise<number[]> {
    if (users.length === 0) return [];
    const rows = await db.selectFrom('scim_users').select('id').where('user_id', 'in', users.map((u) => u.id)).execute();
    return rows.map((r) => r.id);
  }

  private async insertMembers(db: TestApp['ctx']['db'], groupId: number, users: readonly UserRow[]): Promise<void> {
    const ids = await this.scimIds(db, users);
    if (ids.length > 0) await db.insertInto('scim_group_members').values(ids.map((id) => ({ group_id: groupId, scim_user_id: id }))).execute();
  }

  /** Entra-style PATCH: add and remove some members. */
  async patchMembers(groupId: number, add: readonly UserRow[], remove: readonly UserRow[] = []): Promise<void> {
    await this.t.ctx.db.transaction().execute(async (trx) => {
      const removeIds = await this.scimIds(trx, remove);
      if (removeIds.length > 0) await trx.deleteFrom('scim_group_members').where('group_id', '=', groupId).where('scim_user_id', 'in', removeIds).execute();
      await this.insertMembers(trx, groupId, add);
      await trx.updateTable('scim_groups').set({ version: (eb) => eb('version', '+', 1) }).where('id', '=', groupId).execute();
      await syncGroupMembers(trx, this.t.ctx, groupId, { addedUserIds: add.map((u) => u.id), removedUserIds: remove.map((u) => u.id) }, this.setup);
    });
  }

  /** Okta-style PUT: the member list is replaced; the hooks get the difference. */
  async replaceMembers(groupId: number, members: readonly UserRow[]): Promise<void> {
    const current = await this.t.ctx.db
      .selectFrom('scim_group_members as gm')
      .innerJoin('scim_users as su', 'su.id', 'gm.scim_user_id')
      .select('su.user_id')
      .where('gm.group_id', '=', groupId)
      .execute();
    const before = new Set(current.map((r) => r.user_id));
    const wanted = new Set(members.map((m) => m.id));
    await this.t.ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('scim_group_members').where('group_id', '=', groupId).execute();
      await this.insertMembers(trx, groupId, members);
      await syncGroupMembers(
        trx,
        this.t.ctx,
        groupId,
        { addedUserIds: [...wanted].filter((id) => !before.has(id)), removedUserIds: [...before].filter((id): id is number => id !== null && !wanted.has(id)) },
        this.setup,
      );
    });
  }

  async rename(groupId: number, name: string): Promise<void> {
    await this.t.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('scim_groups').set({ display_name: name, display_name_lower: name.toLowerCase() }).where('id', '=', groupId).execute();
      await syncGroupUpdated(trx, this.t.ctx, groupId, this.setup);
    });
  }

  async remove(groupId: number): Promise<void> {
    await this.t.ctx.db.transaction().execute(async (trx) => {
      await syncGroupDeleted(trx, this.t.ctx, groupId, this.setup);
      await trx.deleteFrom('scim_groups').where('id', '=', groupId).execute();
    });
  }

  /** `active: false` (suspend) or `active: true` (restore). */
  async setActive(user: UserRow, active: boolean): Promise<void> {
    await this.t.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('scim_users').set({ active: active ? 1 : 0 }).where('user_id', '=', user.id).execute();
      await trx.updateTable('users').set({ suspended_at: active ? null : this.now() }).where('id', '=', user.id).execute();
      await syncUserActiveChanged(trx, this.t.ctx, user.id, active, this.setup);
    });
  }
}

describe(`external groups (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let enterprise: EnterpriseRow;
  let org: OrganizationRow;
  /** A second organization of the same enterprise. */
  let org2: OrganizationRow;
  let owner: string;
  let idp: Idp;
  /** Another managed enterprise, with its own group. */
  let other: SeededEnterprise;
  let otherGroup: number;
  /** An organization of a classic (non-EMU) enterprise. */
  let classic: SeededEnterprise;

  const teamOf = async (o: OrganizationRow, name: string): Promise<TeamRow> => createTeam(t.ctx, o.login, { name, privacy: 'closed' }, null);
  const teamLogins = async (o: OrganizationRow, slug: string): Promise<string[]> => {
    const res = await t.request('GET', `/orgs/${o.login}/teams/${slug}/members?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/teams/{team_slug}/members', 200, res.body);
    return (res.body as { login: string }[]).map((m) => m.login).sort();
  };
  const orgLogins = async (o: OrganizationRow): Promise<string[]> => {
    const res = await t.request('GET', `/orgs/${o.login}/members?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/members', 200, res.body);
    return (res.body as { login: string }[]).map((m) => m.login).sort();
  };
  const logins = (...users: UserRow[]): string[] => users.map((u) => u.login).sort();
  const link = (o: OrganizationRow, slug: string, groupId: unknown, token = owner) =>
    t.request('PATCH', `/orgs/${o.login}/teams/${slug}/external-groups`, { token, body: { group_id: groupId } });
  const unlink = (o: OrganizationRow, slug: string, token = owner) => t.request('DELETE', `/orgs/${o.login}/teams/${slug}/external-groups`, { token });
  const audits = async (action: string, userId?: number) => {
    let q = t.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.orderBy('id').execute();
  };
  /** Statements of one membership step for all the teams concerned (`addToTeamsViaGroup`, `removeFromTeamsViaGroup`). */
  const stepStatements = storageKind === 'postgres' ? 1 : 3;
  const snapshot = async () => ({
    teamMembers: await t.ctx.db.selectFrom('team_members').selectAll().orderBy('team_id').orderBy('user_id').execute(),
    orgMembers: await t.ctx.db.selectFrom('org_members').selectAll().orderBy('org_id').orderBy('user_id').execute(),
    links: await t.ctx.db.selectFrom('team_external_groups').selectAll().orderBy('team_id').execute(),
  });

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'managed' });
    enterprise = seed.enterprise;
    org = seed.org;
    owner = seed.ownerToken;
    org2 = await createOrganization(t.ctx, { login: `second-${enterprise.slug}`, enterpriseSlug: enterprise.slug, adminLogin: seed.owner.login }, null);
    idp = new Idp(t, enterprise, { id: seed.owner.id, login: seed.owner.login, siteAdmin: false });
    other = await seedEnterprise(t.ctx, { kind: 'managed' });
    const otherIdp = new Idp(t, other.enterprise, { id: other.owner.id, login: other.owner.login, siteAdmin: false });
    otherGroup = await otherIdp.group('Elsewhere admins', [await otherIdp.user('faraway')]);
    classic = await seedEnterprise(t.ctx, { kind: 'classic' });
  });
  after(() => t.close());

  it('links a team: membership becomes the group’s active members, who join the organization; audited', async () => {
    const [ann, ben, cat] = [await idp.user('ann'), await idp.user('ben'), await idp.user('cat')];
    const suspended = await idp.user('sus');
    const groupId = await idp.group('Octocat admins', [ann, ben, cat, suspended]);
    await idp.setActive(suspended, false);
    const team = await teamOf(org, 'Admins');

    const res = await link(org, team.slug, groupId);
    assert.equal(res.status, 200);
    assertSchema('ghec', 'PATCH', TEAM_GROUPS, 200, res.body);
    assert.equal(res.body.group_id, groupId);
    assert.equal(typeof res.body.group_id, 'number');
    assert.equal(res.body.group_name, 'Octocat admins');
    assert.deepEqual(res.body.teams, [{ team_id: team.id, team_name: 'Admins' }]);
    assert.deepEqual(
      res.body.members.map((m: { member_login: string }) => m.member_login).sort(),
      logins(ann, ben, cat),
    );
    assert.deepEqual(res.body.members.find((m: { member_id: number }) => m.member_id === ann.id), {
      member_id: ann.id,
      member_login: ann.login,
      member_name: 'ann Person',
      member_email: `${ann.login}@example.com`,
    });

    assert.deepEqual(await teamLogins(org, team.slug), logins(ann, ben, cat));
    assert.deepEqual(await orgLogins(org), logins(seed.owner, ann, ben, cat));
    const rows = await t.ctx.db.selectFrom('team_members').selectAll().where('team_id', '=', team.id).execute();
    assert.ok(rows.every((r) => r.via_external_group === 1 && r.role === 'member'));
    const orgRows = await t.ctx.db.selectFrom('org_members').selectAll().where('org_id', '=', org.id).where('user_id', 'in', [ann.id, ben.id, cat.id]).execute();
    assert.deepEqual(orgRows.map((r) => r.via_external_group), [1, 1, 1]);

    const linked = await audits('external_group.link');
    assert.equal(linked.length, 1);
    assert.equal(linked[0]?.actor, seed.owner.login);
    assert.deepEqual(JSON.parse(linked[0]?.data ?? '{}'), { org: org.login, team: `${org.login}/admins`, group_id: groupId, group_name: 'Octocat admins' });
    for (const u of [ann, ben, cat]) {
      assert.equal((await audits('team.add_member', u.id)).length, 1, u.login);
      const joined = await audits('org.add_member', u.id);
      assert.equal(joined.length, 1);
      assert.equal(joined[0]?.org_id, org.id);
      assert.equal(joined[0]?.enterprise_id, enterprise.id);
    }
    assert.equal((await audits('team.add_member', suspended.id)).length, 0);

    // The team's connection, and the manual-membership guard of the teams API.
    const listed = await t.request('GET', `/orgs/${org.login}/teams/${team.slug}/external-groups`, { token: owner });
    assert.equal(listed.status, 200);
    assertSchema('ghec', 'GET', TEAM_GROUPS, 200, listed.body);
    assert.deepEqual(listed.body, { groups: [{ group_id: groupId, group_name: 'Octocat admins', updated_at: res.body.updated_at }] });
    const manual = await t.request('PUT', `/orgs/${org.login}/teams/${team.slug}/memberships/${seed.owner.login}`, { token: owner });
    assert.equal(manual.status, 403);
    const manualRemove = await t.request('DELETE', `/orgs/${org.login}/teams/${team.slug}/memberships/${ann.login}`, { token: owner });
    assert.equal(manualRemove.status, 403);
    assert.deepEqual(await teamLogins(org, team.slug), logins(ann, ben, cat));

    // Linking the same group again changes nothing.
    const before = await snapshot();
    const again = await link(org, team.slug, String(groupId));
    assert.equal(again.status, 200);
    assert.deepEqual(await snapshot(), before);
    assert.equal((await audits('external_group.link')).length, 1);
  });

  it('end to end through managed SCIM: provision, link, Entra PATCH, Okta PUT, rename, suspend, unlink, delete', async () => {
    const scim = `/scim/v2/enterprises/${enterprise.slug}`;
    const SCIM_JSON = { 'content-type': 'application/scim+json', accept: 'application/scim+json' };
    const scimCall = (method: string, path: string, body?: unknown) => t.request(method, `${scim}${path}`, { token: owner, body, headers: SCIM_JSON });
    const provision = async (local: string, given: string): Promise<{ scimId: string; login: string }> => {
      const res = await scimCall('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        externalId: crypto.randomUUID(),
        userName: `${local}@contoso.com`,
        active: true,
        displayName: `${given} E2E`,
        name: { givenName: given, familyName: 'E2E' },
        emails: [{ value: `${local}@contoso.com`, type: 'work', primary: true }],
      });
      assert.equal(res.status, 201, res.text);
      assertSchema('ghec', 'POST', '/scim/v2/enterprises/{enterprise}/Users', 201, res.body, 'application/scim+json');
      const row = await t.ctx.db
        .selectFrom('scim_users as su')
        .innerJoin('users as u', 'u.id', 'su.user_id')
        .select('u.login')
        .where('su.scim_id', '=', res.body.id)
        .executeTakeFirstOrThrow();
      return { scimId: res.body.id as string, login: row.login };
    };
    const [ada, bo, cy, di] = [await provision('ada.e2e', 'Ada'), await provision('bo.e2e', 'Bo'), await provision('cy.e2e', 'Cy'), await provision('di.e2e', 'Di')];
    const sorted = (...people: { login: string }[]) => people.map((p) => p.login).sort();
    const orgHas = async (person: { login: string }) => (await orgLogins(org)).includes(person.login);

    // A group provisioned through SCIM is an external group of the organization, found by name.
    const created = await scimCall('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      externalId: crypto.randomUUID(),
      displayName: 'E2E Engineers',
      members: [{ value: ada.scimId, displayName: 'Ada' }, { value: bo.scimId, displayName: 'Bo' }],
    });
    assert.equal(created.status, 201, created.text);
    const scimGroupId = created.body.id as string;
    const found = await t.request('GET', `/orgs/${org.login}/external-groups?display_name=e2e%20eng`, { token: owner });
    assertSchema('ghec', 'GET', LIST, 200, found.body);
    assert.equal(found.body.groups.length, 1);
    const groupId = found.body.groups[0].group_id as number;
    const info = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner });
    assertSchema('ghec', 'GET', ONE, 200, info.body);
    assert.deepEqual(info.body.members.map((m: { member_login: string }) => m.member_login).sort(), sorted(ada, bo));

    // A team created through the REST API has its creator as a manual member: linking is refused until removed.
    const team = await t.request('POST', `/orgs/${org.login}/teams`, { token: owner, body: { name: 'E2E Team', privacy: 'closed' } });
    assert.equal(team.status, 201);
    const slug = team.body.slug as string;
    assert.equal((await link(org, slug, groupId)).status, 422);
    assert.equal((await t.request('DELETE', `/orgs/${org.login}/teams/${slug}/memberships/${seed.owner.login}`, { token: owner })).status, 204);
    const linked = await link(org, slug, groupId);
    assert.equal(linked.status, 200);
    assertSchema('ghec', 'PATCH', TEAM_GROUPS, 200, linked.body);
    assert.deepEqual(await teamLogins(org, slug), sorted(ada, bo));
    assert.ok((await orgHas(ada)) && (await orgHas(bo)));
    assert.ok(!(await orgHas(cy)));

    // Entra-style PATCH: add a member (PascalCase op), then remove one through a filtered path.
    const add = await scimCall('PATCH', `/Groups/${scimGroupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: cy.scimId }] }],
    });
    assert.ok(add.status === 204 || add.status === 200, add.text);
    assert.deepEqual(await teamLogins(org, slug), sorted(ada, bo, cy));
    assert.ok(await orgHas(cy));
    const remove = await scimCall('PATCH', `/Groups/${scimGroupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: `members[value eq "${ada.scimId}"]` }],
    });
    assert.ok(remove.status === 204 || remove.status === 200, remove.text);
    assert.deepEqual(await teamLogins(org, slug), sorted(bo, cy));
    assert.ok(!(await orgHas(ada)), 'joined through the group only, so she leaves the organization');

    // Okta-style PUT: the whole member list is replaced (and the group renamed).
    const before = (await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner })).body.updated_at as string;
    t.clock.advance(5 * 60_000);
    const put = await scimCall('PUT', `/Groups/${scimGroupId}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      externalId: created.body.externalId,
      displayName: 'E2E Platform',
      members: [{ value: cy.scimId }, { value: di.scimId }],
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await teamLogins(org, slug), sorted(cy, di));
    assert.ok(!(await orgHas(bo)));
    assert.ok(await orgHas(di));
    const renamed = await t.request('GET', `/orgs/${org.login}/teams/${slug}/external-groups`, { token: owner });
    assertSchema('ghec', 'GET', TEAM_GROUPS, 200, renamed.body);
    assert.equal(renamed.body.groups[0].group_name, 'E2E Platform');
    assert.notEqual(renamed.body.groups[0].updated_at, before);

    // Suspension (active: false) takes the user out of the team and the organization; restoring puts them back.
    const suspend = await scimCall('PATCH', `/Users/${di.scimId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    assert.equal(suspend.status, 200, suspend.text);
    assert.deepEqual(await teamLogins(org, slug), sorted(cy));
    assert.ok(!(await orgHas(di)));
    const restore = await scimCall('PATCH', `/Users/${di.scimId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    assert.equal(restore.status, 200, restore.text);
    assert.deepEqual(await teamLogins(org, slug), sorted(cy, di));
    assert.ok(await orgHas(di));

    // Unlink: the team empties, and those who joined through it leave the organization.
    assert.equal((await unlink(org, slug)).status, 204);
    assert.deepEqual(await teamLogins(org, slug), []);
    assert.ok(!(await orgHas(cy)) && !(await orgHas(di)));

    // Linked again, then the group is deleted through SCIM: the team is unlinked and emptied.
    assert.equal((await link(org, slug, groupId)).status, 200);
    assert.deepEqual(await teamLogins(org, slug), sorted(cy, di));
    assert.equal((await scimCall('DELETE', `/Groups/${scimGroupId}`)).status, 204);
    assert.deepEqual(await teamLogins(org, slug), []);
    assert.deepEqual((await t.request('GET', `/orgs/${org.login}/teams/${slug}/external-groups`, { token: owner })).body, { groups: [] });
    assert.ok(!(await orgHas(cy)) && !(await orgHas(di)));
    assert.equal((await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner })).status, 404);
  });

  it('an empty linked team is still managed by its group', async () => {
    const groupId = await idp.group('Nobody yet');
    const team = await teamOf(org, 'Empty Synced');
    assert.equal((await link(org, team.slug, groupId)).status, 200);
    const put = await t.request('PUT', `/orgs/${org.login}/teams/${team.slug}/memberships/${seed.owner.login}`, { token: owner });
    assert.equal(put.status, 403);
    assert.deepEqual(await teamLogins(org, team.slug), []);
  });

  it('reflects every SCIM change in every linked team, across organizations, in the same transaction', async () => {
    const [dan, eve, fay] = [await idp.user('dan'), await idp.user('eve'), await idp.user('fay')];
    // `manual` is an organization member in her own right; she stays when the group lets her go.
    const manual = await idp.user('manual');
    await addOrgMember(t.ctx, t.ctx.db, org, manual, 'member', null);
    const groupId = await idp.group('Octocat docs members', [dan]);
    const t1 = await teamOf(org, 'Docs One');
    const t2 = await teamOf(org, 'Docs Two');
    const t3 = await teamOf(org2, 'Docs Three');
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.equal((await link(o, team.slug, groupId)).status, 200);
    assert.deepEqual(await teamLogins(org, t1.slug), logins(dan));
    assert.deepEqual(await teamLogins(org2, t3.slug), logins(dan));
    const updatedAt = async () => (await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner })).body.updated_at as string;
    const initial = await updatedAt();

    // Entra-style PATCH add.
    t.clock.advance(60_000);
    await idp.patchMembers(groupId, [eve, manual]);
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), logins(dan, eve, manual), team.slug);
    assert.ok((await orgLogins(org)).includes(eve.login));
    assert.ok((await orgLogins(org2)).includes(manual.login));
    assert.equal((await audits('org.add_member', eve.id)).length, 2, 'one per organization');
    assert.equal((await audits('team.add_member', eve.id)).length, 3, 'one per linked team');
    const afterAdd = await updatedAt();
    assert.notEqual(afterAdd, initial);

    // Entra-style PATCH remove: out of every linked team, out of the organizations joined that way only.
    t.clock.advance(60_000);
    await idp.patchMembers(groupId, [], [eve, manual]);
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), logins(dan), team.slug);
    assert.ok(!(await orgLogins(org)).includes(eve.login));
    assert.ok(!(await orgLogins(org2)).includes(eve.login));
    assert.ok((await orgLogins(org)).includes(manual.login), 'a manual organization member stays');
    assert.ok(!(await orgLogins(org2)).includes(manual.login), 'but leaves the organization the group brought her into');
    assert.equal((await audits('team.remove_member', eve.id)).length, 3);
    assert.equal((await audits('org.remove_member', eve.id)).length, 2);
    assert.notEqual(await updatedAt(), afterAdd);

    // Okta-style PUT: full replacement.
    await idp.replaceMembers(groupId, [eve, fay]);
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), logins(eve, fay), team.slug);
    assert.ok(!(await orgLogins(org)).includes(dan.login));
    assert.ok(!(await orgLogins(org2)).includes(dan.login));

    // Renamed: the list shows the new name and a new updated_at.
    t.clock.advance(60_000);
    const beforeRename = await updatedAt();
    await idp.rename(groupId, 'Octocat writers');
    const renamed = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner });
    assert.equal(renamed.body.group_name, 'Octocat writers');
    assert.notEqual(renamed.body.updated_at, beforeRename);
    assert.deepEqual(
      renamed.body.teams.map((x: { team_id: number }) => x.team_id),
      [t1.id, t2.id],
      'only the teams of this organization',
    );

    // Suspended: out of the teams and the organizations joined that way; restored: back.
    await idp.setActive(fay, false);
    for (const [o, team] of [[org, t1], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), logins(eve), team.slug);
    assert.ok(!(await orgLogins(org)).includes(fay.login));
    const hidden = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner });
    assert.ok(!hidden.body.members.some((m: { member_id: number }) => m.member_id === fay.id), 'suspended members are hidden');
    await idp.setActive(fay, true);
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), logins(eve, fay), team.slug);
    assert.ok((await orgLogins(org2)).includes(fay.login));

    // A suspended manual member stays in the organization (GitHub's "suspended members").
    await idp.patchMembers(groupId, [manual]);
    await idp.setActive(manual, false);
    assert.ok((await orgLogins(org)).includes(manual.login));
    assert.ok(!(await teamLogins(org, t1.slug)).includes(manual.login));
    await idp.setActive(manual, true);

    // Deleted: every linked team unlinked and emptied; organization memberships it brought go.
    await idp.remove(groupId);
    for (const [o, team] of [[org, t1], [org, t2], [org2, t3]] as const) assert.deepEqual(await teamLogins(o, team.slug), [], team.slug);
    assert.equal((await t.ctx.db.selectFrom('team_external_groups').select('team_id').where('team_id', 'in', [t1.id, t2.id, t3.id]).execute()).length, 0);
    for (const u of [eve, fay]) {
      assert.ok(!(await orgLogins(org)).includes(u.login));
      assert.ok(!(await orgLogins(org2)).includes(u.login));
    }
    assert.ok((await orgLogins(org)).includes(manual.login));
    const unlinked = (await audits('external_group.unlink')).filter((e) => {
      const data = JSON.parse(e.data) as { reason?: string; group_id?: number };
      return data.reason === 'group_deleted' && data.group_id === groupId;
    });
    assert.equal(unlinked.length, 3);
    const gone = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}`, { token: owner });
    assert.equal(gone.status, 404);
  });

  it('unlinks a team (204): its members leave it, and the organization when nothing else keeps them there', async () => {
    const [gil, hal, ivy] = [await idp.user('gil'), await idp.user('hal'), await idp.user('ivy')];
    const g1 = await idp.group('Unlink one', [gil, hal, ivy]);
    const g2 = await idp.group('Unlink two', [hal]);
    const keep = await teamOf(org, 'Keeps Hal');
    const drop = await teamOf(org, 'Dropped');
    assert.equal((await link(org, keep.slug, g2)).status, 200);
    assert.equal((await link(org, drop.slug, g1)).status, 200);
    // Ivy is also made an owner by hand: owners stay.
    await addOrgMember(t.ctx, t.ctx.db, org, ivy, 'admin', null);

    const res = await unlink(org, drop.slug);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.deepEqual(await teamLogins(org, drop.slug), []);
    const members = await orgLogins(org);
    assert.ok(!members.includes(gil.login), 'joined only through the unlinked team');
    assert.ok(members.includes(hal.login), 'still in another linked team');
    assert.ok(members.includes(ivy.login), 'an owner');
    assert.deepEqual(await teamLogins(org, keep.slug), logins(hal));
    const listed = await t.request('GET', `/orgs/${org.login}/teams/${drop.slug}/external-groups`, { token: owner });
    assert.deepEqual(listed.body, { groups: [] });
    const events = await audits('external_group.unlink');
    assert.deepEqual(JSON.parse(events[events.length - 1]?.data ?? '{}'), { org: org.login, team: `${org.login}/dropped`, group_id: g1, group_name: 'Unlink one' });

    // Manual membership works again; unlinking a team that is not linked changes nothing.
    assert.equal((await t.request('PUT', `/orgs/${org.login}/teams/${drop.slug}/memberships/${hal.login}`, { token: owner })).status, 200);
    const before = await snapshot();
    assert.equal((await unlink(org, drop.slug)).status, 204);
    assert.deepEqual(await snapshot(), before);
  });

  it('keeps linked teams out of nesting, and deleting a linked team unlinks it first', async () => {
    const [jo, kai] = [await idp.user('jo'), await idp.user('kai')];
    const group = await idp.group('Nesting rules', [jo, kai]);
    const linked = await teamOf(org, 'Linked parent');
    const loose = await teamOf(org, 'Loose team');
    assert.equal((await link(org, linked.slug, group)).status, 200);

    // A linked team can be neither a parent (create or re-parent under it) nor a child.
    const child = await t.request('POST', `/orgs/${org.login}/teams`, { token: owner, body: { name: 'Child of linked', parent_team_id: linked.id, privacy: 'closed' } });
    assert.equal(child.status, 422);
    assert.equal(child.body.message, 'Validation Failed');
    const reparent = await t.request('PATCH', `/orgs/${org.login}/teams/${loose.slug}`, { token: owner, body: { parent_team_id: linked.id } });
    assert.equal(reparent.status, 422);
    const nestLinked = await t.request('PATCH', `/orgs/${org.login}/teams/${linked.slug}`, { token: owner, body: { parent_team_id: loose.id } });
    assert.equal(nestLinked.status, 422);
    const rows = await t.ctx.db.selectFrom('teams').select(['slug', 'parent_id']).where('id', 'in', [linked.id, loose.id]).execute();
    assert.ok(rows.every((r) => r.parent_id === null), 'nothing was nested');

    // Deleting the linked team takes those who joined the organization only through it out of the organization.
    assert.ok((await orgLogins(org)).includes(jo.login));
    const deleted = await t.request('DELETE', `/orgs/${org.login}/teams/${linked.slug}`, { token: owner });
    assert.equal(deleted.status, 204);
    const members = await orgLogins(org);
    assert.ok(!members.includes(jo.login) && !members.includes(kai.login));
    const events = await audits('external_group.unlink');
    assert.equal(JSON.parse(events[events.length - 1]?.data ?? '{}').reason, 'team_deleted');
  });

  it('re-points a linked team to another group (one group per team): members follow the new group', async () => {
    const [jo, kim, lee] = [await idp.user('jo'), await idp.user('kim'), await idp.user('lee')];
    const first = await idp.group('Repoint first', [jo, kim]);
    const second = await idp.group('Repoint second', [kim, lee]);
    const team = await teamOf(org, 'Repointed');
    assert.equal((await link(org, team.slug, first)).status, 200);
    const kimJoined = await t.ctx.db.selectFrom('org_members').selectAll().where('org_id', '=', org.id).where('user_id', '=', kim.id).executeTakeFirstOrThrow();
    t.clock.advance(1000);

    const res = await link(org, team.slug, second);
    assert.equal(res.status, 200);
    assertSchema('ghec', 'PATCH', TEAM_GROUPS, 200, res.body);
    assert.equal(res.body.group_id, second);
    assert.deepEqual(await teamLogins(org, team.slug), logins(kim, lee));
    const listed = await t.request('GET', `/orgs/${org.login}/teams/${team.slug}/external-groups`, { token: owner });
    assert.deepEqual(listed.body.groups.map((g: { group_id: number }) => g.group_id), [second]);
    assert.ok(!(await orgLogins(org)).includes(jo.login));
    const kimNow = await t.ctx.db.selectFrom('org_members').selectAll().where('org_id', '=', org.id).where('user_id', '=', kim.id).executeTakeFirstOrThrow();
    assert.deepEqual(kimNow, kimJoined, 'a member of both groups is not churned');
    const first1 = await t.request('GET', `/orgs/${org.login}/external-group/${first}`, { token: owner });
    assert.deepEqual(first1.body.teams, []);
  });

  it('refuses a team with manual members, a parent or a child team (422, nothing changed)', async () => {
    const mo = await idp.user('mo');
    const groupId = await idp.group('Refusals', [mo]);
    const withMember = await teamOf(org, 'Hand Picked');
    await t.request('PUT', `/orgs/${org.login}/teams/${withMember.slug}/memberships/${seed.owner.login}`, { token: owner });
    const parent = await teamOf(org, 'Parent Team');
    const child = await createTeam(t.ctx, org.login, { name: 'Child Team', parentId: parent.id }, null);
    for (const [slug, field] of [[withMember.slug, 'members'], [parent.slug, 'parent_team_id'], [child.slug, 'parent_team_id']] as const) {
      const before = await snapshot();
      const res = await link(org, slug, groupId);
      assert.equal(res.status, 422, slug);
      // GitHub's validation-error body (the spec documents no body for this 422; the teams API's 422 schema fits it).
      assertSchema('ghec', 'POST', '/orgs/{org}/teams', 422, res.body);
      assert.equal(res.body.message, 'Validation Failed');
      assert.equal(res.body.errors[0].field, field);
      assert.equal(res.body.errors[0].code, 'custom');
      assert.deepEqual(await snapshot(), before);
    }
  });

  it('rejects bad input: unknown or foreign group ids (404), malformed group_id (422), non-EMU organizations (400)', async () => {
    const team = await teamOf(org, 'Bad Input');
    const before = await snapshot();
    for (const id of [otherGroup, 999_999, 2_147_483_648]) {
      const res = await link(org, team.slug, id);
      assert.equal(res.status, 404, String(id));
      assert.equal(res.body.message, 'Not Found');
      assertSchema('ghec', 'GET', '/orgs/{org}', 404, res.body);
    }
    for (const body of [{}, { group_id: 'abc' }, { group_id: 1.5 }, { group_id: null }, { group_id: [1] }]) {
      const res = await t.request('PATCH', `/orgs/${org.login}/teams/${team.slug}/external-groups`, { token: owner, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(res.body.message, /^Invalid request/);
    }
    const notJson = await t.request('PATCH', `/orgs/${org.login}/teams/${team.slug}/external-groups`, { token: owner, rawBody: '{"group_id":' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await snapshot(), before);

    for (const path of [`/orgs/${org.login}/external-group/${otherGroup}`, `/orgs/${org.login}/external-group/abc`, `/orgs/${org.login}/external-group/0`, `/orgs/${org.login}/external-group/99999999999`]) {
      const res = await t.request('GET', path, { token: owner });
      assert.equal(res.status, 404, path);
    }
    const unknownTeam = await link(org, 'no-such-team', otherGroup);
    assert.equal(unknownTeam.status, 404);

    // An organization outside an EMU enterprise has no external groups: GitHub's 400.
    const classicTeam = await teamOf(classic.org, 'Classic');
    const classicCalls = [
      t.request('GET', `/orgs/${classic.org.login}/external-groups`, { token: classic.ownerToken }),
      t.request('GET', `/orgs/${classic.org.login}/external-group/1`, { token: classic.ownerToken }),
      t.request('GET', `/orgs/${classic.org.login}/teams/${classicTeam.slug}/external-groups`, { token: classic.ownerToken }),
      link(classic.org, classicTeam.slug, 1, classic.ownerToken),
      unlink(classic.org, classicTeam.slug, classic.ownerToken),
    ];
    for (const res of await Promise.all(classicCalls)) {
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'This organization is not part of externally managed enterprise.');
      assert.equal(res.body.status, '400');
      assert.match(res.body.documentation_url, /rest\/teams\/external-groups#/);
    }
  });

  it('authorizes: 401 without a token, 404 for outsiders and plain members, 403 without the scope', async () => {
    const groupId = await idp.group('Access checks');
    const team = await teamOf(org, 'Access');
    const paths = [
      ['GET', `/orgs/${org.login}/external-groups`],
      ['GET', `/orgs/${org.login}/external-group/${groupId}`],
      ['GET', `/orgs/${org.login}/teams/${team.slug}/external-groups`],
      ['PATCH', `/orgs/${org.login}/teams/${team.slug}/external-groups`],
      ['DELETE', `/orgs/${org.login}/teams/${team.slug}/external-groups`],
    ] as const;
    const member = await userWithToken(t.ctx, ['admin:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, member.user, 'member', null);
    const outsider = await userWithToken(t.ctx, ['admin:org']);
    const ownerNoScope = await createAccessToken(t.ctx, seed.owner, ['user'], null, null);
    const ownerRead = await createAccessToken(t.ctx, seed.owner, ['read:org'], null, null);
    const before = await snapshot();
    for (const [method, path] of paths) {
      const body = method === 'PATCH' ? { group_id: groupId } : undefined;
      const anon = await t.request(method, path, { body });
      assert.equal(anon.status, 401, `${method} ${path}`);
      for (const token of [member.token, outsider.token, other.ownerToken]) {
        const res = await t.request(method, path, { token, body });
        assert.equal(res.status, 404, `${method} ${path}`);
        assertSchema('ghec', 'GET', '/orgs/{org}', 404, res.body);
      }
      const noScope = await t.request(method, path, { token: ownerNoScope.token, body });
      assert.equal(noScope.status, 403, `${method} ${path}`);
      assert.match(noScope.headers.get('x-accepted-oauth-scopes') ?? '', method === 'GET' ? /read:org/ : /admin:org/);
      const read = await t.request(method, path, { token: ownerRead.token, body });
      assert.equal(read.status, method === 'GET' ? 200 : 403, `${method} ${path}`);
    }
    assert.deepEqual(await snapshot(), before);
  });

  it('lets enterprise owners and the team’s maintainers in; maintainers only to their own team', async () => {
    const nia = await idp.user('nia');
    const groupId = await idp.group('Delegated', [nia]);
    // An enterprise owner who is not an organization member manages everything.
    const entOwner = await enterpriseMemberToken(t.ctx, enterprise, 'owner', ['admin:org']);
    const team = await teamOf(org, 'Delegated');
    const listed = await t.request('GET', `/orgs/${org.login}/external-groups`, { token: entOwner.token });
    assert.equal(listed.status, 200);
    assert.equal((await link(org, team.slug, groupId, entOwner.token)).status, 200);
    assert.equal((await unlink(org, team.slug, entOwner.token)).status, 204);

    // A maintainer (an organization member) sees their team's connection; linking is refused while they are a member.
    const maint = await userWithToken(t.ctx, ['admin:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, maint.user, 'member', null);
    const own = await createTeam(t.ctx, org.login, { name: 'Maintained', privacy: 'closed', maintainers: [maint.user.login] }, null);
    const get = await t.request('GET', `/orgs/${org.login}/teams/${own.slug}/external-groups`, { token: maint.token });
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, { groups: [] });
    const refused = await link(org, own.slug, groupId, maint.token);
    assert.equal(refused.status, 422);
    assert.equal((await t.request('GET', `/orgs/${org.login}/teams/${team.slug}/external-groups`, { token: maint.token })).status, 404);
    assert.equal((await t.request('GET', `/orgs/${org.login}/external-groups`, { token: maint.token })).status, 404);
  });

  it('lists groups: display_name substring (any case), cursor pages with only rel="next", page numbers too', async () => {
    const names = ['Paging Alpha', 'paging beta', 'PAGING gamma', 'Paging_delta', 'Unrelated'];
    const ids: number[] = [];
    for (const name of names) ids.push(await idp.group(name));
    const res = await t.request('GET', `/orgs/${org.login}/external-groups?display_name=aGiNg&per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', LIST, 200, res.body);
    assert.deepEqual(res.body.groups.map((g: { group_name: string }) => g.group_name), names.slice(0, 4));
    assert.equal(res.headers.get('link'), null);
    assert.ok(res.body.groups.every((g: { group_id: unknown; updated_at: unknown }) => typeof g.group_id === 'number' && typeof g.updated_at === 'string'));
    // `_` is a literal, not a wildcard.
    const literal = await t.request('GET', `/orgs/${org.login}/external-groups?display_name=g_d`, { token: owner });
    assert.deepEqual(literal.body.groups.map((g: { group_name: string }) => g.group_name), ['Paging_delta']);
    // Other enterprises' groups are never listed.
    const all = await t.request('GET', `/orgs/${org.login}/external-groups?per_page=100`, { token: owner });
    assert.ok(!all.body.groups.some((g: { group_id: number }) => g.group_id === otherGroup));

    // Cursor pages, followed through the Link header (which keeps the filter and per_page).
    const seen: string[] = [];
    let next: string | undefined = `/orgs/${org.login}/external-groups?display_name=paging&per_page=3`;
    let pages = 0;
    while (next !== undefined) {
      const page: ApiResponse<{ groups: { group_name: string }[] }> = await t.request('GET', next, { token: owner });
      assert.equal(page.status, 200);
      assertSchema('ghec', 'GET', LIST, 200, page.body);
      seen.push(...page.body.groups.map((g) => g.group_name));
      const header = page.headers.get('link');
      pages += 1;
      if (header === null) {
        next = undefined;
      } else {
        const match = /^<([^>]+)>; rel="next"$/.exec(header);
        assert.ok(match?.[1] !== undefined, header);
        const url = new URL(match[1]);
        assert.equal(url.searchParams.get('per_page'), '3');
        assert.equal(url.searchParams.get('display_name'), 'paging');
        assert.ok(!/^\d+$/.test(url.searchParams.get('page') ?? ''), 'an opaque token');
        next = `${url.pathname}${url.search}`;
      }
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen, names.slice(0, 4));

    // A numeric page is a page index.
    const second = await t.request('GET', `/orgs/${org.login}/external-groups?display_name=paging&per_page=3&page=2`, { token: owner });
    assert.deepEqual(second.body.groups.map((g: { group_name: string }) => g.group_name), ['Paging_delta']);
    const beyond = await t.request('GET', `/orgs/${org.login}/external-groups?display_name=paging&per_page=3&page=9`, { token: owner });
    assert.deepEqual(beyond.body, { groups: [] });
    // The per_page cap is 100; a garbled token is a 422.
    const capped = await t.request('GET', `/orgs/${org.login}/external-groups?per_page=1000`, { token: owner });
    assert.equal(capped.status, 200);
    const garbled = await t.request('GET', `/orgs/${org.login}/external-groups?page=not-a-token`, { token: owner });
    assert.equal(garbled.status, 422);
    // Served under /api/v3 too, with Link URLs there.
    const v3 = await t.request('GET', `/api/v3/orgs/${org.login}/external-groups?display_name=paging&per_page=2`, { token: owner });
    assert.match(v3.headers.get('link') ?? '', new RegExp(`^<${t.url}/api/v3/orgs/`));
  });

  it('pages the members of one group with per_page and page', async () => {
    const people: UserRow[] = [];
    for (let i = 0; i < 5; i += 1) people.push(await idp.user(`pm${i}`, i === 0 ? { email: null } : {}));
    const groupId = await idp.group('Paged members', people);
    const first = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}?per_page=2`, { token: owner });
    assert.equal(first.status, 200);
    assertSchema('ghec', 'GET', ONE, 200, first.body);
    assert.deepEqual(first.body.members.map((m: { member_id: number }) => m.member_id), [people[0]!.id, people[1]!.id]);
    assert.equal(first.body.members[0].member_email, '', 'a missing email is an empty string');
    const third = await t.request('GET', `/orgs/${org.login}/external-group/${groupId}?per_page=2&page=3`, { token: owner });
    assert.deepEqual(third.body.members.map((m: { member_id: number }) => m.member_id), [people[4]!.id]);
    assertSchema('ghec', 'GET', ONE, 200, third.body);
  });

  it('drives the five endpoints through octokit', async () => {
    const [oli, pat] = [await idp.user('oli'), await idp.user('pat')];
    const groupId = await idp.group('Octokit group', [oli, pat]);
    const team = await teamOf(org, 'Octokit Team');
    // @octokit/plugin-enterprise-cloud mounts these at `octokit.teams` (@octokit/rest's `rest.teams` lacks them);
    // they are untyped, so results are read loosely.
    const api = octokitFor(t.url, owner).teams as unknown as Record<string, (params: Record<string, unknown>) => Promise<{ status: number; data: any }>>;
    const list = await api.listExternalIdpGroupsForOrg!({ org: org.login, per_page: 100, display_name: 'octokit' });
    assertSchema('ghec', 'GET', LIST, 200, list.data);
    assert.deepEqual(list.data.groups.map((g: { group_id: number }) => g.group_id), [groupId]);
    const linked = await api.linkExternalIdpGroupToTeamForOrg!({ org: org.login, team_slug: team.slug, group_id: groupId });
    assert.equal(linked.status, 200);
    assertSchema('ghec', 'PATCH', TEAM_GROUPS, 200, linked.data);
    assert.deepEqual(linked.data.members.map((m: { member_login: string }) => m.member_login).sort(), logins(oli, pat));
    const info = await api.externalIdpGroupInfoForOrg!({ org: org.login, group_id: groupId, per_page: 1 });
    assertSchema('ghec', 'GET', ONE, 200, info.data);
    assert.deepEqual(info.data.teams, [{ team_id: team.id, team_name: 'Octokit Team' }]);
    assert.equal(info.data.members.length, 1);
    const teamGroups = await api.listLinkedExternalIdpGroupsToTeamForOrg!({ org: org.login, team_slug: team.slug });
    assertSchema('ghec', 'GET', TEAM_GROUPS, 200, teamGroups.data);
    assert.deepEqual(teamGroups.data.groups.map((g: { group_name: string }) => g.group_name), ['Octokit group']);
    const removed = await api.unlinkExternalIdpGroupFromTeamForOrg!({ org: org.login, team_slug: team.slug });
    assert.equal(removed.status, 204);
    assert.deepEqual(await teamLogins(org, team.slug), []);
    await assert.rejects(api.externalIdpGroupInfoForOrg!({ org: org.login, group_id: otherGroup }), (e: { status?: number }) => e.status === 404);
  });

  it('adds one member to a group with three linked teams touching only that member’s rows (bounded statements, fast)', async (tc) => {
    const base: UserRow[] = [];
    for (let i = 0; i < 8; i += 1) base.push(await idp.user(`base${i}`));
    const groupId = await idp.group('Hot path', base);
    for (const [o, name] of [[org, 'Hot One'], [org, 'Hot Two'], [org2, 'Hot Three']] as const) {
      const team = await teamOf(o, name);
      assert.equal((await link(o, team.slug, groupId)).status, 200);
    }
    const newcomers: UserRow[] = [];
    for (let i = 0; i < 30; i += 1) newcomers.push(await idp.user(`hot${i}`));
    const scimIds = new Map(
      (await t.ctx.db.selectFrom('scim_users').select(['id', 'user_id']).where('user_id', 'in', newcomers.map((u) => u.id)).execute()).map((r) => [r.user_id, r.id]),
    );
    const othersBefore = await t.ctx.db.selectFrom('team_members').selectAll().where('user_id', 'in', base.map((u) => u.id)).orderBy('team_id').orderBy('user_id').execute();
    const auditsBefore = Number((await t.ctx.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // Count the statements one addition costs (a plugin sees every query of the transaction).
    let statements = 0;
    const counted = t.ctx.db.withPlugin({
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const timings: number[] = [];
    for (const user of newcomers) {
      statements = 0;
      const started = performance.now();
      await counted.transaction().execute(async (trx) => {
        await trx.insertInto('scim_group_members').values({ group_id: groupId, scim_user_id: scimIds.get(user.id)! }).execute();
        await syncGroupMembers(trx, t.ctx, groupId, { addedUserIds: [user.id], removedUserIds: [] }, idp.setup);
      });
      timings.push(performance.now() - started);
      // The membership row, the group's updated_at, the linked-teams lookup, then for all the linked teams at once the
      // audit events, the organization rows and the team rows: three statements, one on PostgreSQL.
      assert.equal(statements, 1 + 1 + 1 + stepStatements);
    }
    timings.sort((a, b) => a - b);
    const at = (q: number) => timings[Math.min(timings.length - 1, Math.ceil(timings.length * q) - 1)]!;
    // The target is p99 < 20 ms (about 1 ms median on SQLite, see src/domain/external-groups/README.md). Timings are
    // reported; only SQLite's median is asserted, since a loaded machine slows every PostgreSQL round trip.
    tc.diagnostic(`${storageKind}: p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms`);
    // Latency is reported, not asserted: targets are measured by `npm run bench`, never by timed tests.
    // Each newcomer: three team rows, two organization rows, and five audit events; nobody else changed.
    const rows = await t.ctx.db.selectFrom('team_members').select('user_id').where('user_id', 'in', newcomers.map((u) => u.id)).execute();
    assert.equal(rows.length, newcomers.length * 3);
    const othersAfter = await t.ctx.db.selectFrom('team_members').selectAll().where('user_id', 'in', base.map((u) => u.id)).orderBy('team_id').orderBy('user_id').execute();
    assert.deepEqual(othersAfter, othersBefore);
    const auditsAfter = Number((await t.ctx.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(auditsAfter - auditsBefore, newcomers.length * 5);
  });

  it('removes members from several linked teams at once: each organization left once, naming its last team; other teams and owners keep people in', async () => {
    const [ada, bea, cid] = [await idp.user('ada'), await idp.user('bea'), await idp.user('cid')];
    const groupId = await idp.group('Set-based removal', [ada, bea, cid]);
    const teamA = await teamOf(org, 'Removal A');
    const teamB = await teamOf(org, 'Removal B');
    const teamC = await teamOf(org2, 'Removal C');
    for (const [o, team] of [[org, teamA], [org, teamB], [org2, teamC]] as const) assert.equal((await link(o, team.slug, groupId)).status, 200);
    // bea also belongs to an ordinary team of the first organization; cid is promoted to owner there.
    const plain = await teamOf(org, 'Removal plain');
    assert.equal((await t.request('PUT', `/orgs/${org.login}/teams/${plain.slug}/memberships/${bea.login}`, { token: owner })).status, 200);
    // (Gatehouse has no REST route that changes an organization role.)
    await t.ctx.db.updateTable('org_members').set({ role: 'admin' }).where('org_id', '=', org.id).where('user_id', '=', cid.id).execute();
    const firstAudit = Number((await t.ctx.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);

    let statements = 0;
    const counted = t.ctx.db.withPlugin({
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    await counted.transaction().execute(async (trx) => {
      await trx.deleteFrom('scim_group_members').where('group_id', '=', groupId).execute();
      statements = 0;
      await syncGroupMembers(trx, t.ctx, groupId, { addedUserIds: [], removedUserIds: [ada.id, bea.id, cid.id] }, idp.setup);
    });
    // The group's updated_at, the linked-teams lookup, then the audit events, the organization rows and the team
    // rows for the three teams: three statements, one on PostgreSQL.
    assert.equal(statements, 2 + stepStatements);

    for (const [o, team] of [[org, teamA], [org, teamB], [org2, teamC]] as const) assert.deepEqual(await teamLogins(o, team.slug), [], team.slug);
    assert.deepEqual(await teamLogins(org, plain.slug), logins(bea));
    const inOrg = await orgLogins(org);
    assert.ok(!inOrg.includes(ada.login), 'ada joined through the group only');
    assert.ok(inOrg.includes(bea.login) && inOrg.includes(cid.login), 'another team, or ownership, keeps the others');
    assert.ok(!(await orgLogins(org2)).some((l) => [ada.login, bea.login, cid.login].includes(l)));

    // The events, in the order the teams were left: each team's removals, then who left its organization with it.
    const events = await t.ctx.db.selectFrom('audit_events').selectAll().where('id', '>', firstAudit).orderBy('id').execute();
    const label = (o: OrganizationRow, team: TeamRow) => `${o.login}/${team.slug}`;
    const byUser = new Map([ada, bea, cid].map((u) => [u.id, u.login]));
    assert.deepEqual(
      events.map((e) => [e.action, JSON.parse(e.data).team, byUser.get(e.user_id ?? -1)]),
      [
        ...[ada, bea, cid].map((u) => ['team.remove_member', label(org, teamA), u.login]),
        ...[ada, bea, cid].map((u) => ['team.remove_member', label(org, teamB), u.login]),
        ['org.remove_member', label(org, teamB), ada.login],
        ...[ada, bea, cid].map((u) => ['team.remove_member', label(org2, teamC), u.login]),
        ...[ada, bea, cid].map((u) => ['org.remove_member', label(org2, teamC), u.login]),
      ],
    );
    const orgEvent = events.find((e) => e.action === 'org.remove_member' && e.user_id === ada.id && e.org_id === org.id);
    assert.deepEqual(JSON.parse(orgEvent?.data ?? '{}'), { org: org.login, team: label(org, teamB), reason: 'external_group', external_group_id: groupId });
    assert.equal(orgEvent?.actor, seed.owner.login);
    assert.equal(orgEvent?.enterprise_id, enterprise.id);
    assert.equal(new Set(events.map((e) => e.document_id)).size, events.length);
  });

  it('links and unlinks a group of 10,000 members set-based', async (tc) => {
    const n = 10_000;
    const now = t.clock.now().toISOString();
    const stamp = crypto.randomBytes(3).toString('hex');
    const groupId = await idp.group('Ten thousand');
    for (let start = 0; start < n; start += 500) {
      const batch = Array.from({ length: Math.min(500, n - start) }, (_, i) => `bulk${stamp}${start + i}_${enterprise.shortcode}`);
      const users = await t.ctx.db
        .insertInto('users')
        .values(batch.map((login) => ({ login, login_lower: login.toLowerCase(), name: login, email: `${login}@example.com`, site_admin: 0 as const, managed_by_enterprise_id: enterprise.id, suspended_at: null, created_at: now, updated_at: now })))
        .returning('id')
        .execute();
      const scim = await t.ctx.db
        .insertInto('scim_users')
        .values(users.map((u, i) => ({ scim_id: crypto.randomUUID(), scope: `enterprise:${enterprise.id}`, dialect: 'managed' as const, enterprise_id: enterprise.id, org_id: null, user_id: u.id, user_name: batch[i]!, user_name_lower: batch[i]!.toLowerCase(), external_id: null, display_name: null, active: 1 as const, resource: '{}', version: 1, created_at: now, updated_at: now })))
        .returning('id')
        .execute();
      await t.ctx.db.insertInto('scim_group_members').values(scim.map((s) => ({ group_id: groupId, scim_user_id: s.id }))).execute();
    }
    const team = await teamOf(org2, 'Ten Thousand');
    const started = performance.now();
    const res = await link(org2, team.slug, groupId);
    const linkMs = performance.now() - started;
    assert.equal(res.status, 200);
    assert.equal(res.body.members.length, 30);
    const count = async (table: 'team_members' | 'org_members', column: 'team_id' | 'org_id', id: number) =>
      Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', id).where('via_external_group', '=', 1).executeTakeFirstOrThrow()).n);
    assert.equal(await count('team_members', 'team_id', team.id), n);
    assert.ok((await count('org_members', 'org_id', org2.id)) >= n);
    tc.diagnostic(`link of 10,000 members took ${linkMs.toFixed(0)} ms`);

    const unlinkStarted = performance.now();
    assert.equal((await unlink(org2, team.slug)).status, 204);
    const unlinkMs = performance.now() - unlinkStarted;
    assert.equal(await count('team_members', 'team_id', team.id), 0);
    const bulkLeft = await t.ctx.db.selectFrom('org_members as om').innerJoin('users as u', 'u.id', 'om.user_id').select('u.id').where('om.org_id', '=', org2.id).where('u.login', 'like', `bulk${stamp}%`).execute();
    assert.equal(bulkLeft.length, 0);
    tc.diagnostic(`unlink took ${unlinkMs.toFixed(0)} ms`);
  });
});
