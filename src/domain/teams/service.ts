/**
 * Teams of an organization and their members, with GitHub's rules (docs.github.com/rest/teams/teams,
 * docs.github.com/rest/teams/members):
 * - the slug is derived from the name (see slug.ts) and unique in the organization; renaming re-derives it;
 * - privacy is `secret` (owners and the team's members see it) or `closed` (every member sees it); a nested team and
 *   its parent are always `closed`; a parent is a team of the same organization and never the team itself or one of
 *   its descendants;
 * - the creator becomes a maintainer when they are a member of the organization; `maintainers` must be members;
 * - organization owners (and enterprise owners, site administrators) administer every team, team maintainers their
 *   own; anyone may leave a team;
 * - adding someone who is not a member invites them to the organization (owners only) and the team membership stays
 *   `pending` until they accept; Enterprise Managed User organizations take no invitations;
 * - members of child teams are members of the parent (`inherited`); owners are reported as maintainers;
 * - deleting a team as an owner deletes its child teams too; a maintainer who is not an owner leaves the children in
 *   place, moved up to the deleted team's parent;
 * - a team whose membership comes from an external group rejects manual membership changes.
 * Passing a null actor acts as the system (CLI, provisioning): every check of the caller's standing is skipped.
 */
import { ApiError, notFound, validationFailed, type ValidationErrorItem } from '../../errors/api-error.ts';
import { findOrganization, findUserByLogin } from '../accounts/accounts.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import { isUniqueViolation } from '../../storage/db.ts';
import type { OrganizationRow, TeamRow, UserRow } from '../../storage/tables.ts';
import { isLinked } from '../external-groups/repository.ts';
import { syncTeamDeleting } from '../external-groups/sync.ts';
import { inviteUserToOrg, isOrgMember, orgStandingOf, requireOrganization, type OrgStanding } from '../orgs/service.ts';
import {
  countChildren,
  countDistinctMembers,
  deletePendingTeamRole,
  deleteTeamMember,
  deleteTeamRows,
  hasExternalGroupMembers,
  insertTeam,
  isMemberOfAny,
  reparentChildren,
  selectDescendantIds,
  selectPendingTeamRole,
  selectTeamById,
  selectTeamBySlug,
  selectTeamMember,
  selectTeamMembers,
  selectTeams,
  selectTeamsByIds,
  updateTeamRow,
  upsertTeamMember,
  type TeamMemberView,
} from './repository.ts';
import { teamSlug } from './slug.ts';
import type { NotificationSetting, TeamRole } from './tables.ts';

export type { TeamMemberView } from './repository.ts';
export type { NotificationSetting, TeamRole } from './tables.ts';
export type TeamPrivacy = TeamRow['privacy'];

export const TEAM_PRIVACIES: readonly TeamPrivacy[] = ['secret', 'closed'];
export const TEAM_ROLES: readonly TeamRole[] = ['member', 'maintainer'];
export const NOTIFICATION_SETTINGS: readonly NotificationSetting[] = ['notifications_enabled', 'notifications_disabled'];
/** `permission` values: create takes pull|push, update also admin (both "closing down", kept for old clients). */
export const CREATE_PERMISSIONS: readonly string[] = ['pull', 'push'];
export const UPDATE_PERMISSIONS: readonly string[] = ['pull', 'push', 'admin'];

/** Largest id a 32-bit integer column holds; larger ids cannot exist. */
export const MAX_ID = 2_147_483_647;

const forbidden = (message: string): ApiError => new ApiError(403, message, { code: 'forbidden' });

function invalid(field: string, message: string): ApiError {
  return validationFailed([{ resource: 'Team', field, code: 'invalid', message }]);
}

function nowIso(ctx: DomainContext): string {
  return ctx.clock.now().toISOString();
}

/** What the caller may do with one team. */
export interface TeamAccess {
  standing: OrgStanding;
  visible: boolean;
  /** Owner standing, or a maintainer of this team. */
  admin: boolean;
}

export async function teamAccessFor(db: Db, org: OrganizationRow, team: TeamRow, actor: Actor | null): Promise<TeamAccess> {
  const standing = await orgStandingOf(db, org, actor);
  if (standing.owner || actor === null) return { standing, visible: true, admin: true };
  const own = await selectTeamMember(db, team.id, actor.id);
  const visible = own !== undefined || (standing.member && team.privacy === 'closed');
  return { standing, visible, admin: own?.role === 'maintainer' };
}

/** Resolves `{org}/{team_slug}` for the caller: 404 when either does not exist or the team is secret to them. */
export async function findVisibleTeam(db: Db, orgLogin: string, slug: string, actor: Actor | null): Promise<{ org: OrganizationRow; team: TeamRow; access: TeamAccess }> {
  const org = await requireOrganization(db, orgLogin);
  const team = await selectTeamBySlug(db, org.id, slug);
  if (team === undefined) throw notFound();
  const access = await teamAccessFor(db, org, team, actor);
  if (!access.visible) throw notFound();
  return { org, team, access };
}

/** The slug of a team by id, within an organization id (GitHub's `/organizations/{org_id}/team/{team_id}` routes). */
export async function findTeamPath(db: Db, orgId: number, teamId: number): Promise<{ orgLogin: string; slug: string } | undefined> {
  const row = await db
    .selectFrom('teams as t')
    .innerJoin('organizations as o', 'o.id', 't.org_id')
    .select(['o.login', 't.slug'])
    .where('t.id', '=', teamId)
    .where('o.id', '=', orgId)
    .executeTakeFirst();
  return row === undefined ? undefined : { orgLogin: row.login, slug: row.slug };
}

/**
 * Guards every manual membership change. A team linked to an external group (EMU team sync, `team_external_groups`),
 * or holding memberships marked `via_external_group`, answers 403, as GitHub documents for "add or update" and
 * "remove team membership" ("Forbidden if team synchronization is set up"): once connected, "your IdP administrator
 * must make team membership changes through the identity provider" (docs: managing-team-memberships-with-identity-
 * provider-groups). A linked team whose group is empty is still managed by it.
 */
export async function assertTeamMembershipManual(db: Db, teamId: number): Promise<void> {
  const linked = await db.selectFrom('team_external_groups').select('team_id').where('team_id', '=', teamId).executeTakeFirst();
  if (linked !== undefined || (await hasExternalGroupMembers(db, teamId))) {
    throw new ApiError(403, 'This team is managed by an external group: change its membership through your identity provider.', {
      code: 'team_externally_managed',
    });
  }
}

/** The parent, member count and organization a team's wire shapes need. */
export interface TeamDetails {
  team: TeamRow;
  org: OrganizationRow;
  parent: TeamRow | undefined;
  membersCount: number;
}

export async function describeTeam(db: Db, org: OrganizationRow, team: TeamRow): Promise<TeamDetails> {
  const parent = team.parent_id === null ? undefined : await selectTeamById(db, team.parent_id);
  const membersCount = await countDistinctMembers(db, [team.id, ...(await selectDescendantIds(db, team.id))]);
  return { team, org, parent, membersCount };
}

/** One page of the teams the caller can see, with each team's parent. */
export async function listVisibleTeams(
  db: Db,
  org: OrganizationRow,
  actor: Actor | null,
  limit: number,
  offset: number,
): Promise<{ teams: TeamRow[]; parents: Map<number, TeamRow>; total: number }> {
  const standing = await orgStandingOf(db, org, actor);
  const visibility = standing.owner || actor === null ? ({ kind: 'all' } as const) : ({ kind: 'member', userId: actor.id } as const);
  const { teams, total } = await selectTeams(db, org.id, visibility, limit, offset);
  const parents = await selectTeamsByIds(db, teams.flatMap((t) => (t.parent_id === null ? [] : [t.parent_id])));
  return { teams, parents, total };
}

async function requireUniqueSlug(db: Db, orgId: number, slug: string, exceptTeamId: number | null): Promise<void> {
  const clash = await selectTeamBySlug(db, orgId, slug);
  if (clash !== undefined && clash.id !== exceptTeamId) {
    throw validationFailed([{ resource: 'Team', field: 'name', code: 'already_exists', message: 'Name must be unique for this org' }]);
  }
}

function checkName(name: string): string {
  const slug = teamSlug(name);
  if (name.trim() === '' || slug === '') throw invalid('name', 'Name must contain at least one letter or digit');
  if (name.length > 255) throw invalid('name', 'Name is too long (maximum is 255 characters)');
  return slug;
}

function checkEnum<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `${field} must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Parent references as the REST body gives them: `parent_team_id` wins over `parent_team_slug`; null removes. */
export interface ParentRef {
  id?: number | null | undefined;
  slug?: string | null | undefined;
}

/** Resolves a parent reference: a team of the same organization, visible and closed. `null` means no parent. */
async function resolveParent(db: Db, org: OrganizationRow, ref: ParentRef): Promise<TeamRow | null | undefined> {
  let parent: TeamRow | undefined;
  let field: string;
  if (ref.id !== undefined) {
    if (ref.id === null) return null;
    field = 'parent_team_id';
    const byId = Number.isInteger(ref.id) && ref.id >= 1 && ref.id <= MAX_ID ? await selectTeamById(db, ref.id) : undefined;
    parent = byId?.org_id === org.id ? byId : undefined;
  } else if (ref.slug !== undefined) {
    if (ref.slug === null) return null;
    field = 'parent_team_slug';
    parent = await selectTeamBySlug(db, org.id, ref.slug);
  } else {
    return undefined;
  }
  if (parent === undefined) throw invalid(field, 'Parent team must be a team of this organization');
  if (parent.privacy === 'secret') throw invalid(field, 'A parent team must be visible (closed), not secret');
  // Teams connected to an identity-provider group cannot be parent or child teams (github-semantics.md §4).
  if (await isLinked(db, parent.id)) throw invalid(field, 'A team connected to an identity provider group cannot have child teams');
  return parent;
}

/** Non-owners may nest a team only under a team they maintain. */
async function requireParentAdmin(db: Db, org: OrganizationRow, parent: TeamRow, actor: Actor | null): Promise<void> {
  const access = await teamAccessFor(db, org, parent, actor);
  if (!access.admin) throw forbidden('You must be an organization owner or a maintainer of the parent team to nest a team under it.');
}

async function requireOrgMembers(db: Db, org: OrganizationRow, logins: readonly string[], field: string): Promise<UserRow[]> {
  const users: UserRow[] = [];
  const errors: ValidationErrorItem[] = [];
  for (const login of new Set(logins.map((l) => l.toLowerCase()))) {
    const user = await findUserByLogin(db, login);
    if (user === undefined || !(await isOrgMember(db, org, user.id))) {
      errors.push({ resource: 'Team', field, code: 'invalid', message: `${login} is not a member of ${org.login}` });
    } else {
      users.push(user);
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
  return users;
}

async function insertUnique(work: () => Promise<TeamRow>): Promise<TeamRow> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw validationFailed([{ resource: 'Team', field: 'name', code: 'already_exists', message: 'Name must be unique for this org' }]);
    }
    throw error;
  }
}

function auditBase(org: OrganizationRow, team: TeamRow): { enterpriseId: number | null; orgId: number; data: Record<string, unknown> } {
  return { enterpriseId: org.enterprise_id, orgId: org.id, data: { org: org.login, team: `${org.login}/${team.slug}` } };
}

export interface CreateTeamInput {
  name: string;
  description?: string | null | undefined;
  privacy?: TeamPrivacy | undefined;
  permission?: string | undefined;
  notificationSetting?: NotificationSetting | undefined;
  /** Parent by slug (the CLI's way); `parentId` wins when both are given, as in the REST body. */
  parentSlug?: string | undefined;
  parentId?: number | undefined;
  /** Logins of organization members who become maintainers. */
  maintainers?: readonly string[] | undefined;
  /** Repositories to add the team to; Gatehouse has no repositories, so any name is refused. */
  repoNames?: readonly string[] | undefined;
}

/** Creates a team (`POST /orgs/{org}/teams`); the creator, when an organization member, becomes a maintainer. */
export async function createTeam(ctx: DomainContext, orgLogin: string, input: CreateTeamInput, actor: Actor | null): Promise<TeamRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const org = await requireOrganization(trx, orgLogin);
    const standing = await orgStandingOf(trx, org, actor);
    if (!standing.owner && !standing.member) throw notFound();
    const slug = checkName(input.name);
    const parent = await resolveParent(trx, org, { id: input.parentId, slug: input.parentSlug });
    if (parent) await requireParentAdmin(trx, org, parent, actor);
    let privacy: TeamPrivacy = parent ? 'closed' : 'secret';
    if (input.privacy !== undefined) privacy = checkEnum('privacy', input.privacy, TEAM_PRIVACIES);
    if (parent && privacy === 'secret') throw invalid('privacy', 'A nested team must be closed');
    const permission = input.permission === undefined ? 'pull' : checkEnum('permission', input.permission, CREATE_PERMISSIONS);
    const notification =
      input.notificationSetting === undefined ? 'notifications_enabled' : checkEnum('notification_setting', input.notificationSetting, NOTIFICATION_SETTINGS);
    if (input.repoNames !== undefined && input.repoNames.length > 0) {
      throw invalid('repo_names', `Repository ${input.repoNames[0] ?? ''} not found: Gatehouse does not host repositories`);
    }
    const maintainers = await requireOrgMembers(trx, org, input.maintainers ?? [], 'maintainers');
    await requireUniqueSlug(trx, org.id, slug, null);

    const now = nowIso(ctx);
    const team = await insertUnique(() =>
      insertTeam(trx, {
        org_id: org.id,
        name: input.name,
        slug,
        description: input.description ?? null,
        privacy,
        permission,
        notification_setting: notification,
        parent_id: parent ? parent.id : null,
        created_at: now,
        updated_at: now,
      }),
    );
    const base = auditBase(org, team);
    await recordAudit(trx, ctx.clock, {
      action: 'team.create',
      enterpriseId: base.enterpriseId,
      orgId: base.orgId,
      actor,
      data: { ...base.data, privacy, ...(parent ? { parent_team: `${org.login}/${parent.slug}` } : {}) },
    });
    const creator = actor !== null && standing.member ? [{ id: actor.id, login: actor.login }] : [];
    const added = new Set<number>();
    for (const user of [...creator, ...maintainers]) {
      if (added.has(user.id)) continue;
      added.add(user.id);
      await upsertTeamMember(trx, team.id, user.id, 'maintainer', now);
      await recordAudit(trx, ctx.clock, { action: 'team.add_member', ...base, actor, user, data: { ...base.data, role: 'maintainer' } });
    }
    return team;
  });
}

export interface UpdateTeamInput {
  name?: string | undefined;
  description?: string | null | undefined;
  privacy?: TeamPrivacy | undefined;
  permission?: string | undefined;
  notificationSetting?: NotificationSetting | undefined;
  parent?: ParentRef | undefined;
}

/** Edits a team (`PATCH /orgs/{org}/teams/{team_slug}`): owners and the team's maintainers. */
export async function updateTeam(ctx: DomainContext, orgLogin: string, slug: string, input: UpdateTeamInput, actor: Actor | null): Promise<TeamRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const { org, team, access } = await findVisibleTeam(trx, orgLogin, slug, actor);
    if (!access.admin) throw forbidden('You must be an organization owner or team maintainer to edit this team.');
    const changes: Record<string, unknown> = {};
    const set: { name?: string; slug?: string; description?: string | null; privacy?: TeamPrivacy; permission?: string; notification_setting?: NotificationSetting; parent_id?: number | null } = {};

    if (input.name !== undefined && input.name !== team.name) {
      const newSlug = checkName(input.name);
      await requireUniqueSlug(trx, org.id, newSlug, team.id);
      set.name = input.name;
      set.slug = newSlug;
      changes.name = input.name;
    }
    if (input.description !== undefined && input.description !== team.description) {
      set.description = input.description;
      changes.description = input.description;
    }
    if (input.permission !== undefined) {
      set.permission = checkEnum('permission', input.permission, UPDATE_PERMISSIONS);
      if (set.permission !== team.permission) changes.permission = set.permission;
    }
    if (input.notificationSetting !== undefined) {
      set.notification_setting = checkEnum('notification_setting', input.notificationSetting, NOTIFICATION_SETTINGS);
    }
    let parentId = team.parent_id;
    if (input.parent !== undefined) {
      const parent = await resolveParent(trx, org, input.parent);
      if (parent !== undefined) {
        if (parent !== null) {
          const field = input.parent.id !== undefined ? 'parent_team_id' : 'parent_team_slug';
          if (parent.id === team.id || (await selectDescendantIds(trx, team.id)).includes(parent.id)) {
            throw invalid(field, 'A team cannot be nested under itself or one of its child teams');
          }
          if (parent.id !== team.parent_id) await requireParentAdmin(trx, org, parent, actor);
          if (parent.id !== team.parent_id && (await isLinked(trx, team.id))) {
            throw invalid(field, 'A team connected to an identity provider group cannot be a child team');
          }
        }
        parentId = parent === null ? null : parent.id;
        if (parentId !== team.parent_id) {
          set.parent_id = parentId;
          changes.parent_team = parent === null ? null : `${org.login}/${parent.slug}`;
        }
      }
    }
    const privacy = input.privacy === undefined ? team.privacy : checkEnum('privacy', input.privacy, TEAM_PRIVACIES);
    if (privacy === 'secret' && (parentId !== null || (await countChildren(trx, team.id)) > 0)) {
      throw invalid('privacy', 'A parent or child team must be closed');
    }
    if (privacy !== team.privacy) {
      set.privacy = privacy;
      changes.privacy = privacy;
    }

    if (Object.keys(set).length === 0) return team;
    const updated = await insertUnique(() => updateTeamRow(trx, team.id, { ...set, updated_at: nowIso(ctx) }));
    const base = auditBase(org, updated);
    await recordAudit(trx, ctx.clock, {
      action: 'team.update',
      enterpriseId: base.enterpriseId,
      orgId: base.orgId,
      actor,
      data: { ...base.data, ...(set.slug !== undefined ? { old_team: `${org.login}/${team.slug}` } : {}), changes },
    });
    return updated;
  });
}

/**
 * Deletes a team (`DELETE /orgs/{org}/teams/{team_slug}`). As GitHub documents, an organization owner deleting a
 * parent team deletes its child teams too; for a maintainer who is not an owner the children stay, moved up a level.
 */
export async function deleteTeam(ctx: DomainContext, orgLogin: string, slug: string, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { org, team, access } = await findVisibleTeam(trx, orgLogin, slug, actor);
    if (!access.admin) throw forbidden('You must be an organization owner or team maintainer to delete this team.');
    let doomed = [team.id];
    if (access.standing.owner || actor === null) {
      doomed = [team.id, ...(await selectDescendantIds(trx, team.id))];
    } else {
      await reparentChildren(trx, team.id, team.parent_id, nowIso(ctx));
    }
    const rows = await selectTeamsByIds(trx, doomed);
    for (const id of doomed) await syncTeamDeleting(trx, ctx, id, actor);
    await deleteTeamRows(trx, doomed);
    for (const id of doomed) {
      const row = rows.get(id);
      if (row === undefined) continue;
      const base = auditBase(org, row);
      await recordAudit(trx, ctx.clock, {
        action: 'team.destroy',
        enterpriseId: base.enterpriseId,
        orgId: base.orgId,
        actor,
        data: { ...base.data, ...(id !== team.id ? { deleted_with_parent: `${org.login}/${team.slug}` } : {}) },
      });
    }
  });
}

/** A team membership as GitHub reports it (`team-membership`). */
export interface TeamMembership {
  state: 'active' | 'pending';
  role: TeamRole;
}

async function effectiveRole(db: Db, org: OrganizationRow, userId: number, role: TeamRole): Promise<TeamRole> {
  if (role === 'maintainer') return role;
  const standing = await db.selectFrom('org_members').select('role').where('org_id', '=', org.id).where('user_id', '=', userId).executeTakeFirst();
  return standing?.role === 'admin' ? 'maintainer' : role;
}

async function membershipOf(db: Db, org: OrganizationRow, team: TeamRow, user: UserRow): Promise<TeamMembership | undefined> {
  const direct = await selectTeamMember(db, team.id, user.id);
  if (direct !== undefined) return { state: 'active', role: await effectiveRole(db, org, user.id, direct.role) };
  if (await isMemberOfAny(db, await selectDescendantIds(db, team.id), user.id)) {
    return { state: 'active', role: await effectiveRole(db, org, user.id, 'member') };
  }
  const pending = await selectPendingTeamRole(db, org.id, team.id, user.id);
  if (pending !== undefined) return { state: 'pending', role: pending };
  return undefined;
}

/** `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`: direct, inherited (child team) or pending. */
export async function getTeamMembership(db: Db, orgLogin: string, slug: string, userLogin: string, actor: Actor | null): Promise<{ team: TeamRow; user: UserRow; membership: TeamMembership }> {
  const { org, team } = await findVisibleTeam(db, orgLogin, slug, actor);
  const user = await findUserByLogin(db, userLogin);
  if (user === undefined) throw notFound();
  const membership = await membershipOf(db, org, team, user);
  if (membership === undefined) throw notFound();
  return { team, user, membership };
}

/** `GET /orgs/{org}/teams/{team_slug}/members`: the team's and its child teams' members. */
export async function listTeamMembers(
  db: Db,
  orgLogin: string,
  slug: string,
  role: TeamRole | undefined,
  limit: number,
  offset: number,
  actor: Actor | null,
): Promise<{ members: TeamMemberView[]; total: number }> {
  const { org, team } = await findVisibleTeam(db, orgLogin, slug, actor);
  const ids = [team.id, ...(await selectDescendantIds(db, team.id))];
  return selectTeamMembers(db, org.id, ids, role, limit, offset);
}

/**
 * Adds someone to a team or changes their role (`PUT …/memberships/{username}`). An organization member joins at once
 * (`active`); anyone else is invited to the organization by an owner and the membership is `pending`.
 */
export async function addTeamMember(
  ctx: DomainContext,
  orgLogin: string,
  slug: string,
  userLogin: string,
  role: TeamRole,
  actor: Actor | null,
): Promise<{ team: TeamRow; user: UserRow; membership: TeamMembership }> {
  return ctx.db.transaction().execute(async (trx) => {
    const { org, team, access } = await findVisibleTeam(trx, orgLogin, slug, actor);
    if (!access.admin) throw forbidden('You must be an organization owner or team maintainer to add a team membership.');
    checkEnum('role', role, TEAM_ROLES);
    await assertTeamMembershipManual(trx, team.id);
    if ((await findOrganization(trx, userLogin)) !== undefined) {
      throw new ApiError(422, 'Organizations cannot be team members.', { code: 'unprocessable' });
    }
    const user = await findUserByLogin(trx, userLogin);
    if (user === undefined) throw notFound();
    const base = auditBase(org, team);
    const now = nowIso(ctx);

    if (await isOrgMember(trx, org, user.id)) {
      const existing = await selectTeamMember(trx, team.id, user.id);
      if (existing?.role !== role) {
        await upsertTeamMember(trx, team.id, user.id, role, now);
        const action = existing === undefined ? 'team.add_member' : role === 'maintainer' ? 'team.promote_maintainer' : 'team.demote_maintainer';
        await recordAudit(trx, ctx.clock, { action, ...base, actor, user, data: { ...base.data, role } });
      }
      return { team, user, membership: { state: 'active', role: await effectiveRole(trx, org, user.id, role) } };
    }

    if (!access.standing.owner && actor !== null) {
      throw forbidden('You must be an organization owner to add someone who is not a member of the organization to a team.');
    }
    if (user.managed_by_enterprise_id !== null && user.managed_by_enterprise_id !== org.enterprise_id) {
      throw validationFailed([{ resource: 'TeamMember', field: 'user', code: 'invalid', message: 'Managed users can only join organizations of their own enterprise.' }]);
    }
    await inviteUserToOrg(ctx, trx, org, user, actor, { role: 'direct_member', source: 'member', team: { team, role } });
    return { team, user, membership: { state: 'pending', role } };
  });
}

/**
 * Removes someone from a team (`DELETE …/memberships/{username}`): their direct membership, or the team their open
 * invitation carries. Owners and maintainers remove anyone; members may remove themselves.
 */
export async function removeTeamMember(ctx: DomainContext, orgLogin: string, slug: string, userLogin: string, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { org, team, access } = await findVisibleTeam(trx, orgLogin, slug, actor);
    const user = await findUserByLogin(trx, userLogin);
    if (!access.admin && (user === undefined || actor === null || actor.id !== user.id)) {
      throw forbidden('You must be an organization owner or team maintainer to remove a team membership.');
    }
    await assertTeamMembershipManual(trx, team.id);
    if (user === undefined) throw notFound();
    const base = auditBase(org, team);
    if ((await deleteTeamMember(trx, team.id, user.id)) > 0) {
      await recordAudit(trx, ctx.clock, { action: 'team.remove_member', ...base, actor, user, data: base.data });
      return;
    }
    if ((await deletePendingTeamRole(trx, org.id, team.id, user.id)) > 0) {
      await recordAudit(trx, ctx.clock, { action: 'team.remove_member', ...base, actor, user, data: { ...base.data, pending: true } });
      return;
    }
    throw notFound();
  });
}
