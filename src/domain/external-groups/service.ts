/**
 * External groups and their connections to teams (docs.github.com/enterprise-cloud@latest/rest/teams/external-groups;
 * github-semantics.md §3.7, §4; decisions in README.md beside this file):
 * - the groups an organization sees are the external groups of its enterprise, which must be an Enterprise Managed
 *   Users enterprise; any other organization answers GitHub's 400 "This organization is not part of externally
 *   managed enterprise.";
 * - a team is linked to at most one group, a group to any number of teams; linking an already linked team re-points
 *   it (the docs' settings page swaps the group in one drop-down, and Terraform's `github_emu_group_mapping` updates
 *   by PATCHing the new id);
 * - a team with manually added members (or pending ones) or a parent or child team cannot be linked (422);
 * - linking makes the team's membership exactly the group's provisioned, active members, adding them to the
 *   organization when needed; unlinking removes them again, and from the organization those who joined it only that
 *   way. Every change is audited.
 * Passing a null actor acts as the system (CLI, provisioning): the caller's standing is not checked.
 */
import { ApiError, notFound, validationFailed } from '../../errors/api-error.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import type { OrganizationRow, TeamRow } from '../../storage/tables.ts';
import { findVisibleTeam } from '../teams/service.ts';
import {
  addToTeamsViaGroup,
  everyone,
  hasManualMembers,
  inGroup,
  lockGroups,
  isNested,
  notInGroup,
  removeFromTeamsViaGroup,
  selectActiveMembers,
  selectEnterpriseKind,
  selectGroup,
  selectGroupById,
  selectGroups,
  selectLinkedTeamsInOrg,
  selectTeamScope,
  deleteLink,
  upsertLink,
  type AuditStamp,
  type ExternalGroupRow,
  type GroupMemberRow,
  type TeamScope,
} from './repository.ts';

export type { ExternalGroupRow, GroupMemberRow, TeamScope } from './repository.ts';

/** GitHub's answer for an organization outside an EMU enterprise (observed: github/gh-gei#649). */
export const NOT_EXTERNALLY_MANAGED = 'This organization is not part of externally managed enterprise.';

/** Largest id a 32-bit integer column holds; larger ids cannot exist. */
export const MAX_GROUP_ID = 2_147_483_647;

export function stampOf(ctx: DomainContext, actor: Actor | null): AuditStamp {
  const now = ctx.clock.now();
  return { actor, atMs: now.getTime(), atIso: now.toISOString() };
}

/**
 * The enterprise whose external groups the organization sees. Only organizations of an Enterprise Managed Users
 * enterprise have external groups; the others get GitHub's 400.
 */
export async function requireExternallyManaged(db: Db, org: OrganizationRow): Promise<number> {
  const kind = org.enterprise_id === null ? undefined : await selectEnterpriseKind(db, org.enterprise_id);
  if (org.enterprise_id === null || kind !== 'managed') {
    throw new ApiError(400, NOT_EXTERNALLY_MANAGED, { code: 'not_externally_managed' });
  }
  return org.enterprise_id;
}

export interface GroupListInput {
  displayName?: string | undefined;
  /** Cursor: continue after this group id. */
  afterId?: number | undefined;
  /** Page index (from 1), for clients that send `page` as a number. */
  page?: number | undefined;
  perPage: number;
}

/** One page of the organization's external groups, and the id to continue after when more follow. */
export async function listExternalGroups(db: Db, org: OrganizationRow, input: GroupListInput): Promise<{ groups: ExternalGroupRow[]; nextAfterId: number | undefined }> {
  const enterpriseId = await requireExternallyManaged(db, org);
  const offset = input.afterId === undefined && input.page !== undefined ? (input.page - 1) * input.perPage : 0;
  const { groups, more } = await selectGroups(db, { enterpriseId, displayName: input.displayName, afterId: input.afterId, offset, limit: input.perPage });
  const last = groups[groups.length - 1];
  return { groups, nextAfterId: more && last !== undefined ? last.id : undefined };
}

/** What the `external-group` shape shows: the group, its linked teams in the organization, a page of its members. */
export interface ExternalGroupView {
  group: ExternalGroupRow;
  teams: TeamScope[];
  members: GroupMemberRow[];
}

export interface MembersPage {
  limit: number;
  offset: number;
}

async function describeGroup(db: Db, org: OrganizationRow, group: ExternalGroupRow, page: MembersPage): Promise<ExternalGroupView> {
  const [teams, members] = await Promise.all([
    selectLinkedTeamsInOrg(db, group.id, org.id),
    selectActiveMembers(db, group.id, page.limit, page.offset),
  ]);
  return { group, teams, members };
}

/** `GET /orgs/{org}/external-group/{group_id}`: a group of the organization's enterprise, or 404. */
export async function getExternalGroup(db: Db, org: OrganizationRow, groupId: number, page: MembersPage): Promise<ExternalGroupView> {
  const enterpriseId = await requireExternallyManaged(db, org);
  const group = Number.isInteger(groupId) && groupId >= 1 && groupId <= MAX_GROUP_ID ? await selectGroup(db, enterpriseId, groupId) : undefined;
  if (group === undefined) throw notFound();
  return describeGroup(db, org, group, page);
}

/**
 * Resolves `{org}/{team_slug}` for the connection endpoints: organization owners (enterprise owners and site
 * administrators have owner standing) and the team's maintainers; anyone else gets 404, as the docs require "a team
 * maintainer or an owner of the organization associated with the team".
 */
export async function findLinkableTeam(db: Db, orgLogin: string, slug: string, actor: Actor | null): Promise<{ org: OrganizationRow; team: TeamRow }> {
  const { org, team, access } = await findVisibleTeam(db, orgLogin, slug, actor);
  if (!access.admin) throw notFound();
  return { org, team };
}

/** `GET /orgs/{org}/teams/{team_slug}/external-groups`: the team's group, if linked (0 or 1). */
export async function listTeamExternalGroups(db: Db, org: OrganizationRow, team: TeamRow): Promise<ExternalGroupRow[]> {
  await requireExternallyManaged(db, org);
  const scope = await selectTeamScope(db, team.id);
  if (scope?.groupId === null || scope === undefined) return [];
  const group = await selectGroupById(db, scope.groupId);
  return group === undefined ? [] : [group];
}

function auditData(scope: TeamScope, group: ExternalGroupRow): Record<string, unknown> {
  return { org: scope.orgLogin, team: `${scope.orgLogin}/${scope.teamSlug}`, group_id: group.id, group_name: group.display_name };
}

/**
 * Unlinks a team inside the caller's transaction: its group-managed members leave it, and leave the organization when
 * they joined it only through a linked team and keep no other team there. Also used when a group is deleted.
 */
export async function unlinkTeamInTransaction(db: Db, ctx: DomainContext, scope: TeamScope, actor: Actor | null, reason?: string): Promise<void> {
  if (scope.groupId === null) return;
  const group = await selectGroupById(db, scope.groupId);
  const stamp = stampOf(ctx, actor);
  await removeFromTeamsViaGroup(db, ctx.dialect, [scope], everyone, stamp);
  await deleteLink(db, scope.teamId);
  await recordAudit(db, ctx.clock, {
    action: 'external_group.unlink',
    enterpriseId: scope.enterpriseId,
    orgId: scope.orgId,
    actor,
    data: {
      ...(group === undefined ? { org: scope.orgLogin, team: `${scope.orgLogin}/${scope.teamSlug}`, group_id: scope.groupId } : auditData(scope, group)),
      ...(reason === undefined ? {} : { reason }),
    },
  });
}

/**
 * `PATCH /orgs/{org}/teams/{team_slug}/external-groups`: links (or re-points) the team to a group of the
 * organization's enterprise, and makes the team's membership the group's active members, set-based. Refuses (422)
 * a nested team and a team with members that did not come from a group; an unknown group (or another enterprise's)
 * is 404. Linking the group the team already has re-synchronizes it and changes nothing else.
 */
export async function linkExternalGroup(ctx: DomainContext, orgLogin: string, slug: string, groupId: number, actor: Actor | null, page: MembersPage): Promise<ExternalGroupView> {
  return ctx.db.transaction().execute(async (trx) => {
    const { org, team } = await findLinkableTeam(trx, orgLogin, slug, actor);
    const enterpriseId = await requireExternallyManaged(trx, org);
    const group = Number.isInteger(groupId) && groupId >= 1 && groupId <= MAX_GROUP_ID ? await selectGroup(trx, enterpriseId, groupId) : undefined;
    if (group === undefined) throw notFound();
    if (await isNested(trx, team.id, team.parent_id)) {
      throw validationFailed([
        { resource: 'Team', field: 'parent_team_id', code: 'custom', message: 'Teams connected to an external group cannot be parents of other teams nor a child of another team.' },
      ]);
    }
    if (await hasManualMembers(trx, team.id)) {
      throw validationFailed([
        { resource: 'Team', field: 'members', code: 'custom', message: 'Remove the members that were added to this team manually before connecting it to an external group.' },
      ]);
    }
    const current = await selectTeamScope(trx, team.id);
    if (current === undefined) throw notFound();
    // Serialize with SCIM changes to the old and the new group (see `lockGroups`), then read the link again.
    await lockGroups(trx, current.groupId === null ? [group.id] : [group.id, current.groupId]);
    const scope = (await selectTeamScope(trx, team.id)) ?? current;
    const stamp = stampOf(ctx, actor);
    const previous = scope.groupId;
    if (previous !== group.id) {
      if (previous !== null) {
        const old = await selectGroupById(trx, previous);
        await recordAudit(trx, ctx.clock, {
          action: 'external_group.unlink',
          enterpriseId: scope.enterpriseId,
          orgId: scope.orgId,
          actor,
          data: old === undefined ? { org: scope.orgLogin, team: `${scope.orgLogin}/${scope.teamSlug}`, group_id: previous } : { ...auditData(scope, old), replaced_by_group_id: group.id },
        });
      }
      await upsertLink(trx, team.id, group.id, stamp.atIso);
      await recordAudit(trx, ctx.clock, {
        action: 'external_group.link',
        enterpriseId: scope.enterpriseId,
        orgId: scope.orgId,
        actor,
        data: { ...auditData(scope, group), ...(previous === null ? {} : { previous_group_id: previous }) },
      });
    }
    const linked: TeamScope = { ...scope, groupId: group.id };
    // Members of the previous group who are not in this one leave; the group's members who are missing join.
    await removeFromTeamsViaGroup(trx, ctx.dialect, [linked], notInGroup(group.id), stamp);
    await addToTeamsViaGroup(trx, ctx.dialect, [linked], inGroup(group.id), stamp);
    return describeGroup(trx, org, group, page);
  });
}

/**
 * `DELETE /orgs/{org}/teams/{team_slug}/external-groups`: unlinks the team (see `unlinkTeamInTransaction`). A team
 * that is not linked is already in the requested state, so this answers 204 and changes nothing.
 */
export async function unlinkExternalGroup(ctx: DomainContext, orgLogin: string, slug: string, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { org, team } = await findLinkableTeam(trx, orgLogin, slug, actor);
    await requireExternallyManaged(trx, org);
    const current = await selectTeamScope(trx, team.id);
    if (current === undefined || current.groupId === null) return;
    await lockGroups(trx, [current.groupId]);
    const scope = await selectTeamScope(trx, team.id);
    if (scope === undefined || scope.groupId === null) return;
    await unlinkTeamInTransaction(trx, ctx, scope, actor);
  });
}
