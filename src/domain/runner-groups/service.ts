/**
 * Enterprise self-hosted runner groups: the rules behind the 13 `/enterprises/{enterprise}/actions/runner-groups`
 * operations (openapi-contract.md §4; github-semantics.md §1.1–1.3).
 *
 * - Group ids count per enterprise: the Default group (created with the enterprise) is 1 and every created group takes
 *   the next `enterprises.runner_group_seq`, so ids never leak across enterprises and are never reused.
 * - A runner is in exactly one group; runners leaving a group (removed, left out of a set, or their group deleted) go
 *   back to the Default group ("The runner is then returned to the default group", OA-GHEC).
 * - The Default group can be renamed and re-scoped but never deleted, and `default` never flips (semantics §1.1).
 * - The selected-organization list is kept whatever the visibility; it grants access only while visibility is
 *   `selected` (`visible_to_organization`, GET …/organizations), so switching `selected` → `all` → `selected` restores it.
 *
 * Decisions where the contract is silent (each also noted at its function):
 * - Duplicate name (case-insensitive, within the enterprise) → 422 Validation Failed, `code: already_exists`, GitHub's
 *   usual answer for a taken name and the only error class the REST surface here documents for bad bodies (no 409 is
 *   documented on any runner-group operation).
 * - PATCH: an omitted field keeps its current value. The update schema's `default: "all"` (visibility) and `false`
 *   (booleans) describe a fresh value, not "reset when omitted": PATCH bodies are optional, and resetting a `selected`
 *   group to `all` because a client renamed it would silently widen access.
 * - Removing a runner from a group it is not in, or from the Default group (where it already is), is a no-op 204:
 *   the documented end state ("returned to the default group") already holds, and DELETE stays idempotent.
 * - Writes that change nothing write no audit event.
 */
import { findRunner, listRunners, type WireRunner } from '../runners/read-model.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import { notFound, validationFailed, type ApiError } from '../../errors/api-error.ts';
import { isUniqueViolation } from '../../storage/db.ts';
import type { EnterpriseRow, OrganizationRow, RunnerGroupRow, RunnerGroupUpdate } from '../../storage/tables.ts';
import * as repo from './repository.ts';

export type RunnerGroupVisibility = 'all' | 'selected';

const RESOURCE = 'RunnerGroup';

/** `owner/repo/path/to/workflow.yml@ref`: the ref (branch, tag or long SHA) is required (OA-GHEC `selected_workflows`). */
const WORKFLOW_REF = /^[^\s/@]+\/[^\s/@]+\/[^\s@]+@[^\s@]+$/;

export interface CreateRunnerGroupInput {
  name: string;
  /** Defaults to `all`. */
  visibility?: RunnerGroupVisibility | undefined;
  selectedOrganizationIds?: readonly number[] | undefined;
  /** Runner ids moved into the new group. */
  runners?: readonly number[] | undefined;
  allowsPublicRepositories?: boolean | undefined;
  restrictedToWorkflows?: boolean | undefined;
  selectedWorkflows?: readonly string[] | undefined;
  networkConfigurationId?: string | undefined;
}

/** Every field optional; an omitted field keeps its current value. */
export interface UpdateRunnerGroupInput {
  name?: string | undefined;
  visibility?: RunnerGroupVisibility | undefined;
  allowsPublicRepositories?: boolean | undefined;
  restrictedToWorkflows?: boolean | undefined;
  selectedWorkflows?: readonly string[] | undefined;
  /** `null` clears it. */
  networkConfigurationId?: string | null | undefined;
}

export interface PageRequest {
  offset: number;
  perPage: number;
}

function nowIso(ctx: DomainContext): string {
  return ctx.clock.now().toISOString();
}

function distinct(ids: readonly number[]): number[] {
  return [...new Set(ids)];
}

function checkName(name: string): void {
  if (name.trim() === '') {
    throw validationFailed([{ resource: RESOURCE, field: 'name', code: 'invalid', message: 'name cannot be blank' }]);
  }
}

function checkWorkflows(workflows: readonly string[]): string[] {
  const bad = workflows.filter((w) => !WORKFLOW_REF.test(w));
  if (bad.length > 0) {
    throw validationFailed(
      bad.map((w) => ({
        resource: RESOURCE,
        field: 'selected_workflows',
        code: 'invalid' as const,
        message: `"${w}" is not a workflow path with a ref (owner/repo/path/to/workflow.yml@ref)`,
      })),
    );
  }
  return [...new Set(workflows)];
}

const duplicateName = (name: string): ApiError =>
  validationFailed([{ resource: RESOURCE, field: 'name', code: 'already_exists', message: `A runner group named "${name}" already exists in this enterprise` }]);

/** Runs a write that may hit the `(enterprise_id, name_lower)` unique constraint (a concurrent create or rename). */
async function withUniqueName<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name);
    throw error;
  }
}

async function requireGroup(db: Db, enterprise: EnterpriseRow, number: number): Promise<RunnerGroupRow> {
  const group = await repo.findGroup(db, enterprise.id, number);
  if (group === undefined) throw notFound();
  return group;
}

/** Looks the group up and holds its row lock until the transaction ends (see `repo.lockGroup`). */
async function lockGroup(db: Db, enterprise: EnterpriseRow, number: number): Promise<RunnerGroupRow> {
  const group = await repo.lockGroup(db, enterprise.id, number);
  if (group === undefined) throw notFound();
  return group;
}

/** Every id must name an organization of this enterprise; a body naming any other is 422 and changes nothing. */
async function requireOrgs(db: Db, enterprise: EnterpriseRow, ids: readonly number[]): Promise<void> {
  const found = new Set((await repo.orgsOfEnterprise(db, enterprise.id, ids)).map((o) => o.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw validationFailed([
      { resource: RESOURCE, field: 'selected_organization_ids', code: 'invalid', message: `Organizations not found in this enterprise: ${missing.join(', ')}` },
    ]);
  }
}

/** Every id must name a runner of this enterprise; a body naming any other is 422 and changes nothing. */
async function requireRunners(db: Db, enterprise: EnterpriseRow, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  // One query for the whole list, not one per id.
  const rows = await db.selectFrom('runners').select('id').where('enterprise_id', '=', enterprise.id).where('id', 'in', ids).execute();
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw validationFailed([{ resource: RESOURCE, field: 'runners', code: 'invalid', message: `Runners not found in this enterprise: ${missing.join(', ')}` }]);
  }
}

async function audit(
  ctx: DomainContext,
  db: Db,
  enterprise: EnterpriseRow,
  actor: Actor | null,
  action: string,
  group: RunnerGroupRow,
  data: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(db, ctx.clock, {
    action: `enterprise.${action}`,
    enterpriseId: enterprise.id,
    actor,
    data: { business: enterprise.slug, runner_group: group.name, runner_group_id: group.number, ...data },
  });
}

/** The stored `selected_workflows` JSON array. */
export function workflowsOf(group: RunnerGroupRow): string[] {
  const parsed: unknown = JSON.parse(group.selected_workflows);
  return Array.isArray(parsed) ? parsed.filter((w): w is string => typeof w === 'string') : [];
}

/**
 * A page of the enterprise's groups by id. `visibleToOrganization` (an org login) keeps the groups that organization may
 * use: visibility `all`, or `selected` with the org selected. An organization outside this enterprise can use none
 * of its groups, so it yields an empty list rather than an error.
 */
export async function listRunnerGroups(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  filter: { visibleToOrganization?: string | undefined },
  page: PageRequest,
): Promise<{ total: number; groups: RunnerGroupRow[] }> {
  let visibleToOrgId: number | undefined;
  if (filter.visibleToOrganization !== undefined) {
    const org = await repo.findOrgOfEnterpriseByLogin(ctx.db, enterprise.id, filter.visibleToOrganization);
    if (org === undefined) return { total: 0, groups: [] };
    visibleToOrgId = org.id;
  }
  const { total, rows } = await repo.listGroups(ctx.db, { enterpriseId: enterprise.id, visibleToOrgId }, page);
  return { total, groups: rows };
}

/** One group by its public id; 404 when this enterprise has no such group (another enterprise's group included). */
export async function getRunnerGroup(ctx: DomainContext, enterprise: EnterpriseRow, number: number): Promise<RunnerGroupRow> {
  return requireGroup(ctx.db, enterprise, number);
}

/**
 * Creates a group with the enterprise's next id, selects its organizations and moves the listed runners into it, all
 * in one transaction: an unknown organization or runner, a taken name or a workflow without a ref changes nothing
 * (not even the id sequence).
 */
export async function createRunnerGroup(ctx: DomainContext, enterprise: EnterpriseRow, input: CreateRunnerGroupInput, actor: Actor | null): Promise<RunnerGroupRow> {
  checkName(input.name);
  const workflows = checkWorkflows(input.selectedWorkflows ?? []);
  const orgIds = distinct(input.selectedOrganizationIds ?? []);
  const runnerIds = distinct(input.runners ?? []);
  const visibility = input.visibility ?? 'all';
  return ctx.db.transaction().execute(async (trx) => {
    if ((await repo.findGroupByName(trx, enterprise.id, input.name.toLowerCase())) !== undefined) throw duplicateName(input.name);
    await requireOrgs(trx, enterprise, orgIds);
    await requireRunners(trx, enterprise, runnerIds);
    const number = await repo.nextGroupNumber(trx, enterprise.id);
    const now = nowIso(ctx);
    const group = await withUniqueName(input.name, () =>
      repo.insertGroup(trx, {
        enterprise_id: enterprise.id,
        number,
        name: input.name,
        name_lower: input.name.toLowerCase(),
        visibility,
        is_default: 0,
        allows_public_repositories: input.allowsPublicRepositories === true ? 1 : 0,
        restricted_to_workflows: input.restrictedToWorkflows === true ? 1 : 0,
        selected_workflows: JSON.stringify(workflows),
        workflow_restrictions_read_only: 0,
        network_configuration_id: input.networkConfigurationId ?? null,
        created_at: now,
        updated_at: now,
      }),
    );
    await repo.addSelectedOrgs(trx, group.id, orgIds);
    const moved = await repo.moveRunnersInto(trx, enterprise.id, runnerIds, group.id, now);
    await audit(ctx, trx, enterprise, actor, 'runner_group_created', group, {
      visibility,
      organizations: [...orgIds].sort((a, b) => a - b),
      allows_public_repositories: group.allows_public_repositories === 1,
      restricted_to_workflows: group.restricted_to_workflows === 1,
      selected_workflows: workflows,
    });
    if (moved.length > 0) await audit(ctx, trx, enterprise, actor, 'runner_group_runners_added', group, { runners: moved });
    return group;
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Updates the fields present in `input`; omitted fields keep their values (see the module note on the spec's
 * `default: "all"`). A group with `workflow_restrictions_read_only` rejects any change to `restricted_to_workflows` or
 * `selected_workflows` with 422 (OA-GHEC: "cannot be modified"); resending the current values is not a change.
 * Writes `enterprise.runner_group_updated`, plus `…_renamed` / `…_visiblity_updated` (GitHub's spelling) when those change.
 */
export async function updateRunnerGroup(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  number: number,
  input: UpdateRunnerGroupInput,
  actor: Actor | null,
): Promise<RunnerGroupRow> {
  if (input.name !== undefined) checkName(input.name);
  const workflows = input.selectedWorkflows === undefined ? undefined : checkWorkflows(input.selectedWorkflows);
  return ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    const changes: RunnerGroupUpdate = {};
    const changed: Record<string, unknown> = {};

    if (input.name !== undefined && input.name !== group.name) {
      const holder = await repo.findGroupByName(trx, enterprise.id, input.name.toLowerCase());
      if (holder !== undefined && holder.id !== group.id) throw duplicateName(input.name);
      changes.name = input.name;
      changes.name_lower = input.name.toLowerCase();
      changed.name = input.name;
    }
    if (input.visibility !== undefined && input.visibility !== group.visibility) {
      changes.visibility = input.visibility;
      changed.visibility = input.visibility;
    }
    if (input.allowsPublicRepositories !== undefined && (input.allowsPublicRepositories ? 1 : 0) !== group.allows_public_repositories) {
      changes.allows_public_repositories = input.allowsPublicRepositories ? 1 : 0;
      changed.allows_public_repositories = input.allowsPublicRepositories;
    }
    const workflowErrors: Array<{ resource: string; field: string; code: 'custom'; message: string }> = [];
    if (input.restrictedToWorkflows !== undefined && (input.restrictedToWorkflows ? 1 : 0) !== group.restricted_to_workflows) {
      if (group.workflow_restrictions_read_only === 1) {
        workflowErrors.push({ resource: RESOURCE, field: 'restricted_to_workflows', code: 'custom', message: 'The workflow restrictions of this runner group are read-only' });
      }
      changes.restricted_to_workflows = input.restrictedToWorkflows ? 1 : 0;
      changed.restricted_to_workflows = input.restrictedToWorkflows;
    }
    if (workflows !== undefined && !sameList(workflows, workflowsOf(group))) {
      if (group.workflow_restrictions_read_only === 1) {
        workflowErrors.push({ resource: RESOURCE, field: 'selected_workflows', code: 'custom', message: 'The workflow restrictions of this runner group are read-only' });
      }
      changes.selected_workflows = JSON.stringify(workflows);
      changed.selected_workflows = workflows;
    }
    if (workflowErrors.length > 0) throw validationFailed(workflowErrors);
    if (input.networkConfigurationId !== undefined && input.networkConfigurationId !== group.network_configuration_id) {
      changes.network_configuration_id = input.networkConfigurationId;
      changed.network_configuration_id = input.networkConfigurationId;
    }

    if (Object.keys(changes).length === 0) return group;
    changes.updated_at = nowIso(ctx);
    const updated = await withUniqueName(input.name ?? group.name, () => repo.updateGroup(trx, group.id, changes));
    await audit(ctx, trx, enterprise, actor, 'runner_group_updated', updated, changed);
    if (changes.name !== undefined) await audit(ctx, trx, enterprise, actor, 'runner_group_renamed', updated, { old_name: group.name });
    if (changes.visibility !== undefined) {
      await audit(ctx, trx, enterprise, actor, 'runner_group_visiblity_updated', updated, { visibility: updated.visibility, old_visibility: group.visibility });
    }
    return updated;
  });
}

/**
 * Deletes a group; its runners go back to the Default group (DOCS `removing-a-runner-group.md`). The Default group
 * cannot be deleted: 422 (semantics §1.1, inferred; the UI offers no delete for it).
 */
export async function deleteRunnerGroup(ctx: DomainContext, enterprise: EnterpriseRow, number: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    if (group.is_default === 1) {
      throw validationFailed([{ resource: RESOURCE, field: 'id', code: 'custom', message: 'The default runner group cannot be deleted' }]);
    }
    const fallback = await repo.findDefaultGroup(trx, enterprise.id);
    const moved = await repo.moveGroupRunners(trx, group.id, fallback.id, nowIso(ctx));
    await repo.deleteGroup(trx, group.id);
    await audit(ctx, trx, enterprise, actor, 'runner_group_removed', group, { runners_moved_to_default: moved });
  });
}

/** A page of the organizations selected for the group, by id. */
export async function listGroupOrganizations(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  number: number,
  page: PageRequest,
): Promise<{ total: number; organizations: OrganizationRow[] }> {
  const group = await requireGroup(ctx.db, enterprise, number);
  const { total, rows } = await repo.listSelectedOrgs(ctx.db, group.id, page);
  return { total, organizations: rows };
}

/** Touches the group's `updated_at` after a change to its organizations or runners. */
async function touch(ctx: DomainContext, db: Db, group: RunnerGroupRow): Promise<void> {
  await repo.updateGroup(db, group.id, { updated_at: nowIso(ctx) });
}

/**
 * Replaces the selected organizations. Every id must be an organization of this enterprise (else 422, nothing
 * changed). Allowed whatever the visibility (the contract states the `selected` precondition only for adding or
 * removing one organization); the list takes effect while visibility is `selected`.
 */
export async function setGroupOrganizations(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  number: number,
  organizationIds: readonly number[],
  actor: Actor | null,
): Promise<void> {
  const wanted = distinct(organizationIds);
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    await requireOrgs(trx, enterprise, wanted);
    const current = await repo.selectedOrgIds(trx, group.id);
    const removed = current.filter((id) => !wanted.includes(id));
    const added = wanted.filter((id) => !current.includes(id)).sort((a, b) => a - b);
    if (removed.length === 0 && added.length === 0) return;
    await repo.removeSelectedOrgs(trx, group.id, removed);
    await repo.addSelectedOrgs(trx, group.id, added);
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_visiblity_updated', group, {
      organizations: [...wanted].sort((a, b) => a - b),
      organizations_added: added,
      organizations_removed: removed,
    });
  });
}

/** The single-organization operations require visibility `selected` (OA-GHEC); the status is undocumented: 422. */
function requireSelectedVisibility(group: RunnerGroupRow): void {
  if (group.visibility !== 'selected') {
    throw validationFailed([
      { resource: RESOURCE, field: 'visibility', code: 'custom', message: 'The runner group must have visibility set to selected to change its organizations' },
    ]);
  }
}

/**
 * Selects one more organization. 404 for a group or organization not in this enterprise (checked first, so ids of
 * other enterprises never leak through a 422), then 422 unless visibility is `selected`. Already selected: no-op.
 */
export async function addGroupOrganization(ctx: DomainContext, enterprise: EnterpriseRow, number: number, orgId: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    const org = await repo.findOrgOfEnterprise(trx, enterprise.id, orgId);
    if (org === undefined) throw notFound();
    requireSelectedVisibility(group);
    if ((await repo.selectedOrgIds(trx, group.id)).includes(org.id)) return;
    await repo.addSelectedOrgs(trx, group.id, [org.id]);
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_visiblity_updated', group, { organizations_added: [org.id], org: org.login });
  });
}

/** Deselects one organization, with the same 404-then-422 checks as `addGroupOrganization`. Not selected: no-op. */
export async function removeGroupOrganization(ctx: DomainContext, enterprise: EnterpriseRow, number: number, orgId: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    const org = await repo.findOrgOfEnterprise(trx, enterprise.id, orgId);
    if (org === undefined) throw notFound();
    requireSelectedVisibility(group);
    if (!(await repo.selectedOrgIds(trx, group.id)).includes(org.id)) return;
    await repo.removeSelectedOrgs(trx, group.id, [org.id]);
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_visiblity_updated', group, { organizations_removed: [org.id], org: org.login });
  });
}

/** A page of the group's runners by id, in the runners read model's `runner` shape. */
export async function listGroupRunners(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  number: number,
  page: PageRequest,
): Promise<{ total: number; runners: WireRunner[] }> {
  const group = await requireGroup(ctx.db, enterprise, number);
  return listRunners(ctx, { enterpriseId: enterprise.id, runnerGroupId: group.id }, page);
}

/**
 * Replaces the group's runners: the listed runners move in (from whatever group they were in) and the group's other
 * runners go back to Default (inferred from "returned to the default group"). For the Default group itself nothing
 * can go "back", so its unlisted runners stay. Every id must be a runner of this enterprise (else 422, nothing changed).
 */
export async function setGroupRunners(ctx: DomainContext, enterprise: EnterpriseRow, number: number, runnerIds: readonly number[], actor: Actor | null): Promise<void> {
  const wanted = distinct(runnerIds);
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    await requireRunners(trx, enterprise, wanted);
    const now = nowIso(ctx);
    let removed: number[] = [];
    if (group.is_default !== 1) {
      const fallback = await repo.findDefaultGroup(trx, enterprise.id);
      removed = await repo.moveGroupRunners(trx, group.id, fallback.id, now, wanted);
    }
    const added = await repo.moveRunnersInto(trx, enterprise.id, wanted, group.id, now);
    if (removed.length === 0 && added.length === 0) return;
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_runners_updated', group, {
      runners: [...wanted].sort((a, b) => a - b),
      runners_added: added,
      runners_removed: removed,
    });
  });
}

/** Moves one runner into the group. 404 for a group or runner not in this enterprise; already there: no-op. */
export async function addGroupRunner(ctx: DomainContext, enterprise: EnterpriseRow, number: number, runnerId: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    const runner = await findRunner(trx, enterprise.id, runnerId);
    if (runner === undefined) throw notFound();
    const moved = await repo.moveRunnersInto(trx, enterprise.id, [runner.id], group.id, nowIso(ctx));
    if (moved.length === 0) return;
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_runners_added', group, { runners: moved, runner: runner.name, from_runner_group_id: runner.group_number });
  });
}

/**
 * Returns one runner from the group to the Default group. 404 for a group or runner not in this enterprise. A runner
 * not in this group, or any runner of the Default group, is already where removal would put it: no-op 204.
 */
export async function removeGroupRunner(ctx: DomainContext, enterprise: EnterpriseRow, number: number, runnerId: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, enterprise, number);
    const runner = await findRunner(trx, enterprise.id, runnerId);
    if (runner === undefined) throw notFound();
    if (group.is_default === 1 || runner.runner_group_id !== group.id) return;
    const fallback = await repo.findDefaultGroup(trx, enterprise.id);
    await repo.moveRunnersInto(trx, enterprise.id, [runner.id], fallback.id, nowIso(ctx));
    await touch(ctx, trx, group);
    await audit(ctx, trx, enterprise, actor, 'runner_group_runner_removed', group, { runners: [runner.id], runner: runner.name });
  });
}
