/**
 * SCIM Users as stored identities, for every dialect (RFC 7644 §3.3–§3.6). What an identity means on GitHub (a
 * managed account, an enterprise membership, an invitation) is the dialect's `UserHooks`; this service keeps the
 * identity: uniqueness of `userName` and `externalId` per tenant (409 `uniqueness`, github-semantics.md §3.3), the
 * filter index, versions, memberships of deleted identities, and the `external_identity.*` audit events.
 */
import crypto from 'node:crypto';
import { cachedRead } from '../../storage/read-cache.ts';
import {
  ScimError,
  applyPatch,
  isJsonObject,
  jsonEquals,
  normalizeResource,
  parsePatchRequest,
  type FilterNode,
  type JsonObject,
  type PatchRequest,
  type ResourceSchema,
} from '../../scim/engine/index.ts';
import { userFilterSql, userValueRows, withScimTables, type ScimDb } from '../../storage/scim-filter-sql.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, DomainContext } from '../context.ts';
import { listPosition } from './paging.ts';
import * as repo from './repository.ts';
import { checkVersion, ConcurrentChange, scimTransaction, type VersionCheck } from './transaction.ts';
import type { HookContext, MemberRef, ScimRules, ScimTenant, StoredUser, UserChange } from './types.ts';

export interface UserView {
  readonly user: StoredUser;
  /** The derived `groups` attribute; undefined when the caller does not return it (not loaded). */
  readonly groups: readonly repo.GroupOfUser[] | undefined;
}

export interface ListQuery {
  /** Canonical filter (output of the engine's `validateFilter`), or none. */
  readonly filter: FilterNode | undefined;
  readonly startIndex: number;
  /** 0 asks for `totalResults` only. */
  readonly count: number;
  /** Load the derived `groups` / `members` attribute. */
  readonly withRelations: boolean;
}

function nowIso(ctx: DomainContext): string {
  return ctx.clock.now().toISOString();
}

function stringOf(resource: JsonObject, name: string): string | null {
  const value = resource[name];
  return typeof value === 'string' ? value : null;
}

/** The columns mirrored from a prepared resource (dialect `prepare` guarantees `userName` and `active`). */
function columnsOf(resource: JsonObject, loginLower: string | null): repo.UserColumns {
  const userName = stringOf(resource, 'userName');
  if (userName === null || userName === '') throw ScimError.invalidValue('userName is required');
  return {
    userName,
    externalId: stringOf(resource, 'externalId'),
    displayName: stringOf(resource, 'displayName'),
    active: resource.active !== false,
    loginLower,
    resource,
  };
}

function conflictDetail(kind: 'userName' | 'externalId' | 'login', columns: repo.UserColumns): string {
  switch (kind) {
    case 'userName':
      return `userName "${columns.userName}" is already provisioned`;
    case 'externalId':
      return `externalId "${columns.externalId ?? ''}" is already provisioned`;
    case 'login':
      return `userName "${columns.userName}" normalizes to a login that another identity already holds`;
  }
}

/** What a group shows of a member (`members[].display`, `repo.membersOfGroups`). */
function memberDisplay(columns: { displayName: string | null; userName: string }): string {
  return columns.displayName ?? columns.userName;
}

const RACE_DETAIL = 'userName, externalId or normalized login is already provisioned';

function hookContext(db: HookContext['db'], ctx: DomainContext, tenant: ScimTenant, actor: Actor | null): HookContext {
  return { db, ctx, tenant, actor };
}

async function auditIdentity(db: HookContext['db'], ctx: DomainContext, tenant: ScimTenant, action: string, user: StoredUser, actor: Actor | null, extra: Record<string, unknown> = {}): Promise<void> {
  const account =
    user.userId === null ? undefined : await db.selectFrom('users').select(['id', 'login']).where('id', '=', user.userId).executeTakeFirst();
  await recordAudit(db, ctx.clock, {
    action,
    // An organization tenant's events belong to the enterprise that owns the organization (its enterprise audit
    // log lists them, https://docs.github.com/en/enterprise-cloud@latest/admin/monitoring-activity-in-your-enterprise/reviewing-audit-logs-for-your-enterprise/audit-log-events-for-your-enterprise);
    // an organization outside any enterprise records them with no enterprise.
    enterpriseId: tenant.enterprise?.id ?? tenant.org?.enterprise_id ?? null,
    orgId: tenant.org?.id ?? null,
    actor,
    user: account ?? null,
    data: { dialect: tenant.dialect, scim_id: user.scimId, user_name: user.userName, external_id: user.externalId, ...extra },
  });
}

/**
 * Drops PATCH operations whose path names a schema URN the resource type does not have (Entra's
 * `urn:…:enterprise:2.0:User:employeeNumber` on a dialect without that extension), per idp-quirks.md §9.4.
 */
export function withoutUnknownSchemaPaths(request: PatchRequest, schema: ResourceSchema): PatchRequest {
  const known = [schema.core.id, ...schema.extensions.map((e) => e.schema.id)].map((uri) => uri.toLowerCase());
  const operations = request.operations.filter((operation) => {
    const uri = operation.path?.attribute.uri;
    if (uri === undefined) return true;
    const full = `${uri}:${operation.path?.attribute.name ?? ''}`.toLowerCase();
    return known.some((k) => k === uri.toLowerCase() || k === full);
  });
  if (operations.length === 0) return { operations: [] };
  return { operations };
}

export async function listUsers(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, query: ListQuery): Promise<{ total: number; users: UserView[] }> {
  const db = withScimTables(ctx.db);
  const where = query.filter === undefined ? undefined : userFilterSql(query.filter, rules.userSchema, { dialect: ctx.dialect, scope: tenant.scope, baseUrl: tenant.baseUrl });
  const { total, window } = await listPosition(ctx, 'scim_users', tenant, query, () => repo.countUsers(db, tenant.scope, where));
  if (window === undefined) return { total, users: [] };
  const users = await repo.listUsers(db, tenant.scope, where, window);
  const groups = query.withRelations ? await repo.groupsOfUsers(db, users.map((u) => u.rowId)) : undefined;
  return { total, users: users.map((user) => ({ user, groups: groups === undefined ? undefined : (groups.get(user.rowId) ?? []) })) };
}

async function loadView(db: ScimDb, user: StoredUser, withRelations: boolean): Promise<UserView> {
  if (!withRelations) return { user, groups: undefined };
  const groups = await repo.groupsOfUsers(db, [user.rowId]);
  return { user, groups: groups.get(user.rowId) ?? [] };
}

async function requireUser(db: ScimDb, tenant: ScimTenant, scimId: string): Promise<StoredUser> {
  const user = await repo.findUser(db, tenant.scope, scimId);
  if (user === undefined) throw ScimError.notFound(`User ${scimId} not found`);
  return user;
}

/** GET by id; served from the read cache until the store changes (src/storage/read-cache.ts). Not to be modified. */
export async function getUser(ctx: DomainContext, tenant: ScimTenant, scimId: string, withRelations: boolean): Promise<UserView> {
  const view = await cachedRead(ctx.db, `scim-user\u0000${tenant.scope}\u0000${scimId}\u0000${String(withRelations)}`, async () => {
    const db = withScimTables(ctx.db);
    const user = await repo.findUser(db, tenant.scope, scimId);
    return user === undefined ? undefined : loadView(db, user, withRelations);
  });
  if (view === undefined) throw ScimError.notFound(`User ${scimId} not found`);
  return view;
}

export interface WriteOptions {
  readonly strict: boolean;
  readonly actor: Actor | null;
  /** From `If-Match`; undefined when the request has none. */
  readonly ifMatch?: VersionCheck | undefined;
  readonly withRelations: boolean;
}

/** A POST or PUT body in the schema's shape, with the dialect's leniencies unless strict. */
function normalizeBody(body: unknown, rules: ScimRules, options: WriteOptions): JsonObject {
  return normalizeResource(body, rules.userSchema, options.strict ? {} : { stringElements: rules.stringElements ?? [] });
}

/** POST: a new identity (RFC 7644 §3.3); 409 when userName, externalId or the reserved login is taken. */
export async function createUser(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, body: unknown, options: WriteOptions): Promise<UserView> {
  const normalized = normalizeBody(body, rules, options);
  const resource = rules.users.prepare(normalized, { kind: 'create', strict: options.strict, tenant });
  const columns = columnsOf(resource, rules.users.reservedLogin(resource, tenant));
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const conflict = await repo.findUserConflict(db, tenant.scope, {
      userNameLower: columns.userName.toLowerCase(),
      externalId: columns.externalId,
      loginLower: columns.loginLower,
    });
    if (conflict !== undefined) throw ScimError.uniqueness(conflictDetail(conflict, columns));
    const stored = await repo.insertUser(
      db,
      { scimId: crypto.randomUUID(), scope: tenant.scope, dialect: tenant.dialect, enterpriseId: tenant.enterprise?.id ?? null, orgId: tenant.org?.id ?? null, now: nowIso(ctx) },
      columns,
    );
    await repo.replaceUserValues(db, stored.rowId, tenant.scope, userValueRows(resource, rules.userSchema), true);
    const userId = await rules.users.provisioned(hookContext(trx, ctx, tenant, options.actor), stored);
    if (userId !== null) await repo.linkUserAccount(db, stored.rowId, userId);
    const linked: StoredUser = { ...stored, userId };
    await auditIdentity(trx, ctx, tenant, 'external_identity.provision', linked, options.actor);
    // A new identity has no memberships, unless the dialect's `provisioned` joined the groups the body named
    // (classic POST `groups`): then they are read, so that the answer is the representation a GET of version 1 gives.
    const joinedGroups = rules.groups !== undefined && Array.isArray(resource.groups) && resource.groups.length > 0;
    if (joinedGroups) return loadView(db, linked, options.withRelations);
    return { user: linked, groups: options.withRelations ? [] : undefined };
  });
}

export interface WriteResult extends UserView {
  /** The dialect removed the identity instead of keeping it (classic/org `active: false`). */
  readonly deleted: boolean;
}

/**
 * Stores a changed resource and runs the dialect's `updated` hook; a no-op when nothing changed, unless the request
 * deactivates an identity of a dialect where that deletes it (`UserHooks.deactivationDeletes`).
 */
async function writeChange(
  trx: HookContext['db'],
  db: ScimDb,
  ctx: DomainContext,
  rules: ScimRules,
  tenant: ScimTenant,
  current: StoredUser,
  next: JsonObject,
  change: UserChange,
  options: WriteOptions,
): Promise<WriteResult> {
  if (jsonEquals(current.resource, next)) {
    if (change.deactivates && rules.users.deactivationDeletes === true) {
      await removeIdentity(trx, db, ctx, rules, tenant, current, options.actor);
      return { user: current, groups: options.withRelations ? [] : undefined, deleted: true };
    }
    return { ...(await loadView(db, current, options.withRelations)), deleted: false };
  }
  const columns = columnsOf(next, current.loginLower);
  const conflict = await repo.findUserConflict(db, tenant.scope, { userNameLower: columns.userName.toLowerCase(), externalId: columns.externalId, loginLower: null }, current.rowId);
  if (conflict !== undefined) throw ScimError.uniqueness(conflictDetail(conflict, columns));
  const now = nowIso(ctx);
  // Groups show each member's displayName (or userName) as `members[].display`: when it changes, so do the ETag and
  // lastModified of the identity's groups. Their rows are written before the identity's (see `touchGroupsOfMember`).
  if (rules.groups !== undefined && memberDisplay(columns) !== memberDisplay(current)) await repo.touchGroupsOfMember(db, ctx.dialect, current.rowId, now);
  if (!(await repo.updateUser(db, current.rowId, current.version, columns, now))) throw new ConcurrentChange();
  await repo.replaceUserValues(db, current.rowId, tenant.scope, userValueRows(next, rules.userSchema));
  const after: StoredUser = {
    ...current,
    userName: columns.userName,
    externalId: columns.externalId,
    displayName: columns.displayName,
    active: columns.active,
    resource: next,
    version: current.version + 1,
    lastModified: now,
  };
  const hook = hookContext(trx, ctx, tenant, options.actor);
  const outcome = await rules.users.updated(hook, current, after, change);
  await auditIdentity(trx, ctx, tenant, 'external_identity.update', after, options.actor, { active: after.active });
  if (outcome === 'delete') {
    await removeIdentity(trx, db, ctx, rules, tenant, after, options.actor);
    return { user: after, groups: options.withRelations ? [] : undefined, deleted: true };
  }
  return { ...(await loadView(db, after, options.withRelations)), deleted: false };
}

/** PUT (RFC 7644 §3.5.1): the body replaces the resource; the dialect decides what omitted attributes keep. */
export async function replaceUser(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, body: unknown, options: WriteOptions): Promise<WriteResult> {
  const normalized = normalizeBody(body, rules, options);
  // A PUT that carries `active: false` sets it (a PUT without `active` keeps the stored state, `prepare`).
  const change: UserChange = { deactivates: normalized.active === false };
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireUser(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    const next = rules.users.prepare(normalized, { kind: 'replace', strict: options.strict, previous: current.resource, tenant });
    return writeChange(trx, db, ctx, rules, tenant, current, next, change, options);
  });
}

/** PATCH (RFC 7644 §3.5.2): all operations apply or none; the dialect then checks the result like a PUT. */
export async function patchUser(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, body: unknown, options: WriteOptions): Promise<WriteResult> {
  let request = parsePatchRequest(body, { requirePatchSchema: options.strict });
  if (rules.unknownSchemaPaths === 'ignore' && !options.strict) request = withoutUnknownSchemaPaths(request, rules.userSchema);
  return scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireUser(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    // `id` is part of the document so that Okta's path-less `{"id": …, …}` and an explicit same-value `id` are no-ops.
    const patchOptions = options.strict || rules.stringElements === undefined ? rules.userPatch : { ...rules.userPatch, stringElements: rules.stringElements };
    const { resource: patched, assigned } = applyPatch({ ...current.resource, id: current.scimId }, request, rules.userSchema, patchOptions);
    const { id: _id, ...rest } = patched;
    const change: UserChange = { deactivates: assigned.has('active') && rest.active === false };
    const next = rules.users.prepare(rest, { kind: 'patch', strict: options.strict, previous: current.resource, tenant });
    return writeChange(trx, db, ctx, rules, tenant, current, next, change, options);
  });
}

/**
 * Removes an identity: the dialect's account effects, then its group memberships (each group's hooks see the
 * removal and its version moves), then the row and its filter index.
 */
async function removeIdentity(trx: HookContext['db'], db: ScimDb, ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, user: StoredUser, actor: Actor | null): Promise<void> {
  const hook = hookContext(trx, ctx, tenant, actor);
  await rules.users.deleting(hook, user);
  const groupIds = await repo.groupIdsOfUser(db, user.rowId);
  const ref: MemberRef = { rowId: user.rowId, scimId: user.scimId, userId: user.userId };
  const now = nowIso(ctx);
  for (const groupId of groupIds) {
    await repo.deleteMembers(db, groupId, [user.rowId]);
    await db.updateTable('scim_groups').set((eb) => ({ version: eb('version', '+', 1), updated_at: now })).where('id', '=', groupId).execute();
    const group = await db.selectFrom('scim_groups').select('scim_id').where('id', '=', groupId).executeTakeFirst();
    const stored = group === undefined ? undefined : await repo.findGroup(db, tenant.scope, group.scim_id);
    if (stored !== undefined && rules.groups !== undefined) await rules.groups.membersChanged(hook, stored, { added: [], removed: [ref] });
  }
  await repo.deleteUser(db, user.rowId);
  await auditIdentity(trx, ctx, tenant, 'external_identity.deprovision', user, actor);
}

/** DELETE (RFC 7644 §3.6): the identity is gone (404 afterwards); what happens to the account is the dialect's. */
export async function deleteUser(ctx: DomainContext, rules: ScimRules, tenant: ScimTenant, scimId: string, options: Pick<WriteOptions, 'actor' | 'ifMatch'>): Promise<void> {
  await scimTransaction(ctx, RACE_DETAIL, async (trx, db) => {
    const current = await requireUser(db, tenant, scimId);
    checkVersion(options.ifMatch, current.version);
    await removeIdentity(trx, db, ctx, rules, tenant, current, options.actor);
  });
}

/** The primary email of a resource (or the first one), for the GitHub account. */
export function primaryEmail(resource: JsonObject): string | null {
  const emails = resource.emails;
  if (!Array.isArray(emails)) return null;
  const objects = emails.filter(isJsonObject);
  const primary = objects.find((e) => e.primary === true) ?? objects[0];
  const value = primary?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}
