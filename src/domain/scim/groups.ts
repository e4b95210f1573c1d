/**
 * SCIM Groups as stored groups with a membership join table, for every dialect that has Groups (RFC 7644 §3.3–§3.6).
 * PATCH goes through the engine's `planGroupPatch`: attribute operations apply to the group row, membership
 * operations become row inserts and deletes, so adding one member to a group of 100,000 touches one membership row
 * (and the group's version, and the version of that one member, whose derived `groups` attribute changed: a User's
 * ETag and `meta.lastModified` follow its `groups`; renaming or deleting a group moves every member's, in one
 * statement). Members reference SCIM user ids of the same tenant: an unknown id is 400
 * `invalidValue` ("the user will need to be created before they are referenced", GitHub's Groups PATCH docs).
 * What a group means on GitHub is the dialect's `GroupHooks`, called with the net membership change.
 */
import crypto from 'node:crypto';
import { cachedRead } from '../../storage/read-cache.ts';
import {
  ScimError,
  applyPatch,
  findAttribute,
  isJsonObject,
  jsonEquals,
  normalizeResource,
  parsePatchRequest,
  planGroupPatch,
  type AttributeDefinition,
  type FilterNode,
  type JsonObject,
  type JsonValue,
  type MemberOperation,
} from '../../scim/engine/index.ts';
import { groupFilterSql, memberFilterSql, withScimTables, type ScimDb } from '../../storage/scim-filter-sql.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, DomainContext } from '../context.ts';
import { listPosition } from './paging.ts';
import * as repo from './repository.ts';
import { checkVersion, ConcurrentChange, scimTransaction } from './transaction.ts';
import type { GroupHooks, HookContext, MemberRef, MembershipChange, ScimRules, ScimTenant, StoredGroup } from './types.ts';
import { withoutUnknownSchemaPaths, type ListQuery, type WriteOptions } from './users.ts';

export interface GroupView {
  readonly group: StoredGroup;
  /** The members; undefined when the caller does not return them (not loaded). */
  readonly members: readonly repo.MemberOfGroup[] | undefined;
}

const RACE_DETAIL = 'externalId is already provisioned';

function nowIso(ctx: DomainContext): string {
  return ctx.clock.now().toISOString();
}

function groupRules(rules: ScimRules): { hooks: GroupHooks; members: AttributeDefinition } {
  const schema = rules.groupSchema;
  const members = schema === undefined ? undefined : findAttribute(schema.core.attributes, 'members');
  if (rules.groups === undefined || members === undefined) throw ScimError.notFound('This SCIM service has no Groups');
  return { hooks: rules.groups, members };
}

function columnsOf(resource: JsonObject): repo.GroupColumns {
  const displayName = resource.displayName;
  if (typeof displayName !== 'string' || displayName === '') throw ScimError.invalidValue('displayName is required');
  return { displayName, externalId: typeof resource.externalId === 'string' ? resource.externalId : null, resource };
}

/** Member ids of a POST/PUT body; entries without `value` are ignored leniently (OneLogin, idp-quirks.md §4). */
function memberIdsOf(resource: JsonObject, strict: boolean): string[] {
  const members = resource.members;
  if (members === undefined || members === null) return [];
  const list: JsonValue[] = Array.isArray(members) ? members : [members];
  const ids: string[] = [];
  list.forEach((member, index) => {
    const value = isJsonObject(member) ? member.value : undefined;
    if (typeof value === 'string' && value !== '') ids.push(value);
    else if (strict) throw ScimError.invalidValue(`members[${index}].value is required`);
  });
  return [...new Set(ids)];
}

function withoutMembers(resource: JsonObject): JsonObject {
  const { members: _members, ...rest } = resource;
  return rest;
}

/** Resolves member ids to identities of the tenant; any unknown id is 400 `invalidValue`, before anything changes. */
async function resolveMembers(db: ScimDb, tenant: ScimTenant, ids: readonly string[]): Promise<MemberRef[]> {
  if (ids.length === 0) return [];
  const refs = await repo.findUsersByScimIds(db, tenant.scope, ids);
  const byId = new Map(refs.map((r) => [r.scimId, r]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw ScimError.invalidValue(`members: no provisioned User has the id ${unknown.slice(0, 5).map((id) => JSON.stringify(id)).join(', ')}; create users before referencing them`);
  }
  return ids.map((id) => byId.get(id) as MemberRef);
}

/** The net effect of a sequence of membership changes (an add undone by a later remove is no change). */
class NetChange {
  private readonly added = new Map<number, MemberRef>();
  private readonly removed = new Map<number, MemberRef>();

  add(ref: MemberRef): void {
    if (this.removed.delete(ref.rowId)) return;
    this.added.set(ref.rowId, ref);
  }

  remove(ref: MemberRef): void {
    if (this.added.delete(ref.rowId)) return;
    this.removed.set(ref.rowId, ref);
  }

  get change(): MembershipChange {
    return { added: [...this.added.values()], removed: [...this.removed.values()] };
  }

  get empty(): boolean {
    return this.added.size === 0 && this.removed.size === 0;
  }
}

async function auditGroup(db: HookContext['db'], ctx: DomainContext, tenant: ScimTenant, action: string, group: StoredGroup, actor: Actor | null, extra: Record<string, unknown> = {}): Promise<void> {
  await recordAudit(db, ctx.clock, {
    action,
    // An organization tenant's events belong to the enterprise that owns the organization (its enterprise audit
    // log lists them, https://docs.github.com/en/enterprise-cloud@latest/admin/monitoring-activity-in-your-enterprise/reviewing-audit-logs-for-your-enterprise/audit-log-events-for-your-enterprise);
    // an organization outside any enterprise records them with no enterprise.
    enterpriseId: tenant.enterprise?.id ?? tenant.org?.enterprise_id ?? null,
    orgId: tenant.org?.id ?? null,
    actor,
    data: { dialect: tenant.dialect, scim_id: group.scimId, group_id: group.rowId, display_name: group.displayName, external_id: group.externalId, ...extra },
  });
}

export async function listGroups(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, query: ListQuery): Promise<{ total: number; groups: GroupView[] }> {
  const schema = rules.groupSchema;
  if (schema === undefined) throw ScimError.notFound('This SCIM service has no Groups');
  const db = withScimTables(ctx.db);
  const where = query.filter === undefined ? undefined : groupFilterSql(query.filter, schema, { dialect: ctx.dialect, scope: tenant.scope, baseUrl: tenant.baseUrl });
  const { total, window } = await listPosition(ctx, 'scim_groups', tenant, query, () => repo.countGroups(db, tenant.scope, where));
  if (window === undefined) return { total, groups: [] };
  const groups = await repo.listGroups(db, tenant.scope, where, window);
  const members = query.withRelations ? await repo.membersOfGroups(db, groups.map((g) => g.rowId)) : undefined;
  return { total, groups: groups.map((group) => ({ group, members: members === undefined ? undefined : (members.get(group.rowId) ?? []) })) };
}

async function loadView(db: ScimDb, group: StoredGroup, withRelations: boolean): Promise<GroupView> {
  if (!withRelations) return { group, members: undefined };
  const members = await repo.membersOfGroups(db, [group.rowId]);
  return { group, members: members.get(group.rowId) ?? [] };
}

async function requireGroup(db: ScimDb, tenant: ScimTenant, scimId: string): Promise<StoredGroup> {
  const group = await repo.findGroup(db, tenant.scope, scimId);
  if (group === undefined) throw ScimError.notFound(`Group ${scimId} not found`);
  return group;
}

/** GET by id; served from the read cache until the store changes (src/storage/read-cache.ts). Not to be modified. */
export async function getGroup(ctx: DomainContext, tenant: ScimTenant, scimId: string, withRelations: boolean): Promise<GroupView> {
  const view = await cachedRead(ctx.db, `scim-group\u0000${tenant.scope}\u0000${scimId}\u0000${String(withRelations)}`, async () => {
    const db = withScimTables(ctx.db);
    const group = await repo.findGroup(db, tenant.scope, scimId);
    return group === undefined ? undefined : loadView(db, group, withRelations);
  });
  if (view === undefined) throw ScimError.notFound(`Group ${scimId} not found`);
  return view;
}

/** POST: a new group with its initial members (RFC 7644 §3.3); 409 when the externalId is taken. */
export async function createGroup(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, body: unknown, options: WriteOptions): Promise<GroupView> {
  const { hooks } = groupRules(rules);
  const normalized = normalizeResource(body, rules.groupSchema as NonNullable<ScimRules['groupSchema']>);
  const memberIds = memberIdsOf(normalized, options.strict);
  const resource = hooks.prepare(withoutMembers(normalized), { kind: 'create', strict: options.strict, tenant });
  const columns = columnsOf(resource);
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    if (await repo.findGroupConflict(db, tenant.scope, columns.externalId)) throw ScimError.uniqueness(`externalId "${columns.externalId ?? ''}" is already provisioned`);
    const refs = await resolveMembers(db, tenant, memberIds);
    const group = await repo.insertGroup(
      db,
      { scimId: crypto.randomUUID(), scope: tenant.scope, dialect: tenant.dialect, enterpriseId: tenant.enterprise?.id ?? null, now: nowIso(ctx) },
      columns,
    );
    await repo.insertMembers(db, group.rowId, refs.map((r) => r.rowId));
    await repo.touchUserVersions(db, refs.map((r) => r.rowId), group.lastModified);
    const hook: HookContext = { db: trx, ctx, tenant, actor: options.actor };
    await hooks.provisioned(hook, group);
    if (refs.length > 0) await hooks.membersChanged(hook, group, { added: refs, removed: [] });
    await auditGroup(trx, ctx, tenant, 'external_group.provision', group, options.actor, { members_added: refs.length });
    return loadView(db, group, options.withRelations);
  });
}

/**
 * Stores the outcome of a PUT or PATCH: the group row (if its attributes changed, else only its version when the
 * membership did), the versions of the identities whose `groups` attribute changed (those added and removed; every
 * member when the group's `displayName`, which their `groups[].display` shows, changed), then the hooks and the
 * audit event. The group row is written before the identities' rows, the order `removeIdentity` takes them in.
 */
async function finishUpdate(
  trx: HookContext['db'],
  db: ScimDb,
  ctx: DomainContext,
  tenant: ScimTenant,
  hooks: GroupHooks,
  current: StoredGroup,
  next: JsonObject,
  net: NetChange,
  options: WriteOptions,
): Promise<GroupView> {
  const attributesChanged = !jsonEquals(current.resource, next);
  if (!attributesChanged && net.empty) return loadView(db, current, options.withRelations);
  const now = nowIso(ctx);
  let after: StoredGroup = { ...current, version: current.version + 1, lastModified: now };
  if (attributesChanged) {
    const columns = columnsOf(next);
    if (await repo.findGroupConflict(db, tenant.scope, columns.externalId, current.rowId)) throw ScimError.uniqueness(`externalId "${columns.externalId ?? ''}" is already provisioned`);
    if (!(await repo.updateGroup(db, current.rowId, current.version, columns, now))) throw new ConcurrentChange();
    after = { ...after, displayName: columns.displayName, externalId: columns.externalId, resource: next };
  } else if (!(await repo.touchGroupVersion(db, current.rowId, current.version, now))) {
    throw new ConcurrentChange();
  }
  const { change } = net;
  if (after.displayName !== current.displayName) {
    await repo.touchMemberVersions(db, current.rowId, now);
    await repo.touchUserVersions(db, change.removed.map((r) => r.rowId), now);
  } else {
    await repo.touchUserVersions(db, [...change.added, ...change.removed].map((r) => r.rowId), now);
  }
  const hook: HookContext = { db: trx, ctx, tenant, actor: options.actor };
  if (attributesChanged) await hooks.updated(hook, current, after);
  if (!net.empty) await hooks.membersChanged(hook, after, change);
  await auditGroup(trx, ctx, tenant, 'external_group.update', after, options.actor, { members_added: change.added.length, members_removed: change.removed.length });
  return loadView(db, after, options.withRelations);
}

/** PUT: attributes and membership are replaced (members left out are removed, GitHub's docs). */
export async function replaceGroup(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, body: unknown, options: WriteOptions): Promise<GroupView> {
  const { hooks } = groupRules(rules);
  const normalized = normalizeResource(body, rules.groupSchema as NonNullable<ScimRules['groupSchema']>);
  const memberIds = memberIdsOf(normalized, options.strict);
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireGroup(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    const next = hooks.prepare(withoutMembers(normalized), { kind: 'replace', strict: options.strict, previous: current.resource, tenant });
    columnsOf(next);
    const refs = await resolveMembers(db, tenant, memberIds);
    const net = new NetChange();
    await setMembers(db, current.rowId, refs, net);
    return finishUpdate(trx, db, ctx, tenant, hooks, current, next, net, options);
  });
}

/** Makes the membership exactly `refs`: deletes the others, inserts the missing. */
async function setMembers(db: ScimDb, groupRowId: number, refs: readonly MemberRef[], net: NetChange): Promise<void> {
  const wanted = new Map(refs.map((r) => [r.rowId, r]));
  const present = await repo.selectMembers(db, groupRowId);
  const presentIds = new Set(present.map((r) => r.rowId));
  const gone = present.filter((r) => !wanted.has(r.rowId));
  const missing = refs.filter((r) => !presentIds.has(r.rowId));
  await repo.deleteMembers(db, groupRowId, gone.map((r) => r.rowId));
  await repo.insertMembers(db, groupRowId, missing.map((r) => r.rowId));
  gone.forEach((r) => net.remove(r));
  missing.forEach((r) => net.add(r));
}

/** Runs one planned membership operation against the join table. */
async function applyMemberOperation(
  db: ScimDb,
  ctx: DomainContext,
  tenant: ScimTenant,
  members: AttributeDefinition,
  group: StoredGroup,
  operation: MemberOperation,
  net: NetChange,
): Promise<void> {
  switch (operation.kind) {
    case 'add': {
      const refs = await resolveMembers(db, tenant, operation.values);
      const present = await repo.memberRowIdsAmong(db, group.rowId, refs.map((r) => r.rowId));
      const missing = refs.filter((r) => !present.has(r.rowId));
      await repo.insertMembers(db, group.rowId, missing.map((r) => r.rowId));
      missing.forEach((r) => net.add(r));
      return;
    }
    case 'remove': {
      const refs = await repo.findUsersByScimIds(db, tenant.scope, operation.values);
      const present = await repo.memberRowIdsAmong(db, group.rowId, refs.map((r) => r.rowId));
      const removed = refs.filter((r) => present.has(r.rowId));
      if (operation.requireMatch && removed.length === 0) throw ScimError.noTarget('No member matches the path');
      await repo.deleteMembers(db, group.rowId, removed.map((r) => r.rowId));
      removed.forEach((r) => net.remove(r));
      return;
    }
    case 'replace':
      await setMembers(db, group.rowId, await resolveMembers(db, tenant, operation.values), net);
      return;
    case 'removeAll': {
      const present = await repo.selectMembers(db, group.rowId);
      await repo.deleteMembers(db, group.rowId, present.map((r) => r.rowId));
      present.forEach((r) => net.remove(r));
      return;
    }
    case 'removeByFilter': {
      const where = memberFilterSql(operation.filter as FilterNode, members, { dialect: ctx.dialect, scope: tenant.scope, baseUrl: tenant.baseUrl }, 'u');
      const matched = await repo.selectMembers(db, group.rowId, where);
      if (operation.requireMatch && matched.length === 0) throw ScimError.noTarget('No member matches the path');
      await repo.deleteMembers(db, group.rowId, matched.map((r) => r.rowId));
      matched.forEach((r) => net.remove(r));
      return;
    }
  }
}

/** PATCH: attribute operations on the row, membership operations as deltas, all or nothing. */
export async function patchGroup(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, body: unknown, options: WriteOptions): Promise<GroupView> {
  const { hooks, members } = groupRules(rules);
  const schema = rules.groupSchema as NonNullable<ScimRules['groupSchema']>;
  let request = parsePatchRequest(body, { requirePatchSchema: options.strict });
  if (rules.unknownSchemaPaths === 'ignore' && !options.strict) request = withoutUnknownSchemaPaths(request, schema);
  const plan = planGroupPatch(request, schema, rules.groupPatch);
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireGroup(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    let next = current.resource;
    if (plan.attributeOps.length > 0) {
      const { resource: patched } = applyPatch({ ...current.resource, id: current.scimId }, { operations: plan.attributeOps }, schema, rules.groupPatch);
      const { id: _id, ...rest } = patched;
      next = hooks.prepare(withoutMembers(rest), { kind: 'patch', strict: options.strict, previous: current.resource, tenant });
      columnsOf(next);
    }
    const net = new NetChange();
    for (const operation of plan.memberOps) await applyMemberOperation(db, ctx, tenant, members, current, operation, net);
    return finishUpdate(trx, db, ctx, tenant, hooks, current, next, net, options);
  });
}

/**
 * DELETE: the dialect's hook first (linked teams are unlinked), then the group and its memberships; every member's
 * `groups` loses the group, so their versions move (one statement).
 */
export async function deleteGroup(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, options: Pick<WriteOptions, 'actor' | 'ifMatch'>): Promise<void> {
  const { hooks } = groupRules(rules);
  await scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireGroup(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    // The group row first (a request that changed it meanwhile makes this one retry), its members' later, in the
    // order `finishUpdate` takes them.
    const now = nowIso(ctx);
    if (!(await repo.touchGroupVersion(db, current.rowId, current.version, now))) throw new ConcurrentChange();
    await hooks.deleting({ db: trx, ctx, tenant, actor: options.actor }, current);
    await repo.touchMemberVersions(db, current.rowId, now);
    await repo.deleteGroup(db, current.rowId);
    await auditGroup(trx, ctx, tenant, 'external_group.delete', current, options.actor);
  });
}
