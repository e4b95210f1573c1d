/**
 * Accounts: enterprises, organizations, users, their memberships and access tokens. Every rule about who exists and
 * who belongs where lives here; routes and the CLI only call these functions.
 */
import { sql, type Selectable } from 'kysely';
import { validationFailed } from '../../errors/api-error.ts';
import { generatePersonalAccessToken, hashToken } from '../../auth/tokens.ts';
import { expandScopes, parseScopes } from '../../auth/scopes.ts';
import { isUniqueViolation } from '../../storage/db.ts';
import { precompiled } from '../../storage/precompiled.ts';
import { cachedRead, thenMaybe, type MaybePromise } from '../../storage/read-cache.ts';
import type {
  AccessTokenTable,
  EnterpriseRole,
  EnterpriseRow,
  OrganizationRow,
  OrgRole,
  UserRow,
} from '../../storage/tables.ts';
import { recordAudit } from '../audit.ts';
import { nowMs, type Actor, type Db, type DomainContext } from '../context.ts';

/** GitHub logins: alphanumerics and single hyphens, no leading or trailing hyphen, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** Managed (EMU) logins carry an `_shortcode` suffix. */
const MANAGED_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*_[A-Za-z0-9]{3,8}$/;
const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,59}$/;

export function isValidLogin(login: string): boolean {
  return LOGIN.test(login) || (login.length <= 39 && MANAGED_LOGIN.test(login));
}

function nowIso(ctx: DomainContext): string {
  return ctx.clock.now().toISOString();
}

async function unique<T>(resource: string, field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw validationFailed([{ resource, field, code: 'already_exists', message: `${field} already exists` }]);
    }
    throw error;
  }
}

export interface CreateUserInput {
  login: string;
  email?: string | null | undefined;
  name?: string | null | undefined;
  siteAdmin?: boolean | undefined;
  managedByEnterpriseId?: number | null | undefined;
}

export async function createUser(ctx: DomainContext, db: Db, input: CreateUserInput, actor: Actor | null): Promise<UserRow> {
  if (!isValidLogin(input.login)) {
    throw validationFailed([{ resource: 'User', field: 'login', code: 'invalid', message: `login "${input.login}" is invalid` }]);
  }
  const now = nowIso(ctx);
  const row = await unique('User', 'login', () =>
    db
      .insertInto('users')
      .values({
        login: input.login,
        login_lower: input.login.toLowerCase(),
        name: input.name ?? null,
        email: input.email ?? null,
        site_admin: input.siteAdmin === true ? 1 : 0,
        managed_by_enterprise_id: input.managedByEnterpriseId ?? null,
        suspended_at: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  await recordAudit(db, ctx.clock, { action: 'user.create', actor, user: row, enterpriseId: input.managedByEnterpriseId ?? null });
  return row;
}

export async function findUserByLogin(db: Db, login: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('login_lower', '=', login.toLowerCase()).executeTakeFirst();
}

export async function requireUserByLogin(db: Db, login: string): Promise<UserRow> {
  const user = await findUserByLogin(db, login);
  if (user === undefined) {
    throw validationFailed([{ resource: 'User', field: 'login', code: 'invalid', message: `user "${login}" does not exist` }]);
  }
  return user;
}

export interface CreateEnterpriseInput {
  slug: string;
  name?: string | undefined;
  kind?: 'classic' | 'managed' | undefined;
  shortcode?: string | undefined;
  ownerLogin?: string | undefined;
  plan?: string | undefined;
}

/** Creates an enterprise with its Default runner group (id 1) and, optionally, its first owner. */
export async function createEnterprise(ctx: DomainContext, input: CreateEnterpriseInput, actor: Actor | null): Promise<EnterpriseRow> {
  const slug = input.slug;
  if (!SLUG.test(slug)) {
    throw validationFailed([{ resource: 'Enterprise', field: 'slug', code: 'invalid', message: 'slug must be lower-case letters, digits and single hyphens' }]);
  }
  const kind = input.kind ?? 'classic';
  if (kind !== 'classic' && kind !== 'managed') {
    throw validationFailed([{ resource: 'Enterprise', field: 'kind', code: 'invalid', message: 'kind must be classic or managed' }]);
  }
  const shortcode = input.shortcode ?? slug.replace(/[^a-z0-9]/g, '').slice(0, 8).padEnd(3, '0');
  if (!/^[A-Za-z0-9]{3,8}$/.test(shortcode)) {
    throw validationFailed([{ resource: 'Enterprise', field: 'shortcode', code: 'invalid', message: 'shortcode must be 3 to 8 letters or digits' }]);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const owner = input.ownerLogin === undefined ? undefined : await requireUserByLogin(trx, input.ownerLogin);
    const now = nowIso(ctx);
    const enterprise = await unique('Enterprise', 'slug', () =>
      trx
        .insertInto('enterprises')
        .values({
          slug,
          slug_lower: slug.toLowerCase(),
          name: input.name ?? slug,
          kind,
          shortcode,
          plan: input.plan ?? 'enterprise',
          billing_cycle_day: 1,
          runner_group_seq: 1,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await trx
      .insertInto('runner_groups')
      .values({
        enterprise_id: enterprise.id,
        number: 1,
        name: 'Default',
        name_lower: 'default',
        visibility: 'all',
        is_default: 1,
        // "By default, only private repositories can access runners in a runner group" (GitHub docs), Default included.
        allows_public_repositories: 0,
        restricted_to_workflows: 0,
        selected_workflows: '[]',
        workflow_restrictions_read_only: 0,
        network_configuration_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await recordAudit(trx, ctx.clock, { action: 'business.create', enterpriseId: enterprise.id, actor, data: { business: slug, kind } });
    if (owner !== undefined) await setEnterpriseRole(ctx, trx, enterprise, owner, 'owner', actor);
    return enterprise;
  });
}

export async function setEnterpriseRole(
  ctx: DomainContext,
  db: Db,
  enterprise: EnterpriseRow,
  user: UserRow,
  role: EnterpriseRole,
  actor: Actor | null,
): Promise<void> {
  await db
    .insertInto('enterprise_members')
    .values({ enterprise_id: enterprise.id, user_id: user.id, role, created_at: nowIso(ctx) })
    .onConflict((oc) => oc.columns(['enterprise_id', 'user_id']).doUpdateSet({ role }))
    .execute();
  const action = role === 'owner' ? 'business.add_admin' : role === 'billing_manager' ? 'business.add_billing_manager' : 'business.add_member';
  await recordAudit(db, ctx.clock, { action, enterpriseId: enterprise.id, actor, user, data: { business: enterprise.slug, role } });
}

// Every request naming an enterprise runs these; precompiled (src/storage/precompiled.ts) to skip query building.
const enterpriseById = precompiled((db, p: { id: number }) => db.selectFrom('enterprises').selectAll().where('id', '=', p.id));
const enterpriseBySlug = precompiled((db, p: { slug: string }) => db.selectFrom('enterprises').selectAll().where('slug_lower', '=', p.slug));

/** Looks an enterprise up by slug (case-insensitive) or numeric id, as GitHub's `{enterprise}` parameter allows. */
export async function findEnterprise(db: Db, slugOrId: string): Promise<EnterpriseRow | undefined> {
  if (/^\d+$/.test(slugOrId)) {
    const [byId] = await enterpriseById(db, { id: Number(slugOrId) });
    if (byId !== undefined) return byId;
  }
  const [bySlug] = await enterpriseBySlug(db, { slug: slugOrId.toLowerCase() });
  return bySlug;
}

const enterpriseWithRoleById = precompiled((db, p: { id: number; userId: number }) =>
  db
    .selectFrom('enterprises as e')
    .leftJoin('enterprise_members as m', (join) => join.onRef('m.enterprise_id', '=', 'e.id').on('m.user_id', '=', p.userId))
    .selectAll('e')
    .select('m.role as caller_role')
    .where('e.id', '=', p.id),
);
const enterpriseWithRoleBySlug = precompiled((db, p: { slug: string; userId: number }) =>
  db
    .selectFrom('enterprises as e')
    .leftJoin('enterprise_members as m', (join) => join.onRef('m.enterprise_id', '=', 'e.id').on('m.user_id', '=', p.userId))
    .selectAll('e')
    .select('m.role as caller_role')
    .where('e.slug_lower', '=', p.slug),
);

/**
 * `findEnterprise` and `enterpriseRoleOf` in one query: the enterprise named by `{enterprise}` (slug or numeric id, as
 * `findEnterprise` resolves it) and the user's role in it, if any. Every enterprise-scoped request does this first.
 */
export function findEnterpriseWithRole(
  db: Db,
  slugOrId: string,
  userId: number,
): MaybePromise<{ enterprise: EnterpriseRow; role: EnterpriseRole | undefined } | undefined> {
  return cachedRead(db, `enterprise-role\u0000${slugOrId}\u0000${userId}`, async () => {
    let row: (EnterpriseRow & { caller_role: EnterpriseRole | null }) | undefined;
    if (/^\d+$/.test(slugOrId)) [row] = await enterpriseWithRoleById(db, { id: Number(slugOrId), userId });
    row ??= (await enterpriseWithRoleBySlug(db, { slug: slugOrId.toLowerCase(), userId }))[0];
    if (row === undefined) return undefined;
    const { caller_role, ...enterprise } = row;
    return { enterprise: Object.freeze(enterprise), role: caller_role ?? undefined };
  });
}

export async function requireEnterprise(db: Db, slug: string): Promise<EnterpriseRow> {
  const enterprise = await findEnterprise(db, slug);
  if (enterprise === undefined) {
    throw validationFailed([{ resource: 'Enterprise', field: 'slug', code: 'invalid', message: `enterprise "${slug}" does not exist` }]);
  }
  return enterprise;
}

const enterpriseRole = precompiled((db, p: { enterpriseId: number; userId: number }) =>
  db.selectFrom('enterprise_members').select('role').where('enterprise_id', '=', p.enterpriseId).where('user_id', '=', p.userId),
);

export async function enterpriseRoleOf(db: Db, enterpriseId: number, userId: number): Promise<EnterpriseRole | undefined> {
  const [row] = await enterpriseRole(db, { enterpriseId, userId });
  return row?.role;
}

export interface CreateOrganizationInput {
  login: string;
  name?: string | null | undefined;
  description?: string | null | undefined;
  enterpriseSlug?: string | undefined;
  adminLogin?: string | undefined;
}

export async function createOrganization(ctx: DomainContext, input: CreateOrganizationInput, actor: Actor | null): Promise<OrganizationRow> {
  if (!LOGIN.test(input.login)) {
    throw validationFailed([{ resource: 'Organization', field: 'login', code: 'invalid', message: `login "${input.login}" is invalid` }]);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const enterprise = input.enterpriseSlug === undefined ? undefined : await requireEnterprise(trx, input.enterpriseSlug);
    const admin = input.adminLogin === undefined ? undefined : await requireUserByLogin(trx, input.adminLogin);
    const now = nowIso(ctx);
    // Organizations and users share GitHub's login namespace.
    if ((await findUserByLogin(trx, input.login)) !== undefined) {
      throw validationFailed([{ resource: 'Organization', field: 'login', code: 'already_exists', message: 'login already exists' }]);
    }
    const org = await unique('Organization', 'login', () =>
      trx
        .insertInto('organizations')
        .values({
          login: input.login,
          login_lower: input.login.toLowerCase(),
          name: input.name ?? null,
          description: input.description ?? null,
          enterprise_id: enterprise?.id ?? null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    await recordAudit(trx, ctx.clock, { action: 'org.create', enterpriseId: enterprise?.id ?? null, orgId: org.id, actor, data: { org: org.login } });
    if (admin !== undefined) await addOrgMember(ctx, trx, org, admin, 'admin', actor);
    return org;
  });
}

export async function addOrgMember(ctx: DomainContext, db: Db, org: OrganizationRow, user: UserRow, role: OrgRole, actor: Actor | null): Promise<void> {
  await db
    .insertInto('org_members')
    .values({ org_id: org.id, user_id: user.id, role, created_at: nowIso(ctx) })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
    .execute();
  await recordAudit(db, ctx.clock, { action: 'org.add_member', enterpriseId: org.enterprise_id, orgId: org.id, actor, user, data: { org: org.login, role } });
}

export async function findOrganization(db: Db, login: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('login_lower', '=', login.toLowerCase()).executeTakeFirst();
}

/** An organization by its numeric id (GitHub's `/organizations/{org_id}/…` URLs). */
export async function findOrganizationById(db: Db, id: number): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

const organizationWithRoles = precompiled((db, p: { login: string; userId: number }) =>
  db
    .selectFrom('organizations as o')
    .leftJoin('org_members as m', (join) => join.onRef('m.org_id', '=', 'o.id').on('m.user_id', '=', p.userId))
    .leftJoin('enterprise_members as em', (join) => join.onRef('em.enterprise_id', '=', 'o.enterprise_id').on('em.user_id', '=', p.userId))
    .selectAll('o')
    .select(['m.role as caller_role', 'em.role as caller_enterprise_role'])
    .where('o.login_lower', '=', p.login),
);

/**
 * `findOrganization`, `orgRoleOf` and the caller's role in the owning enterprise in one query (as
 * `findEnterpriseWithRole` does for enterprises): what every organization-scoped request needs to authorize. Kept
 * in the read cache until the store changes.
 */
export function findOrganizationWithRoles(
  db: Db,
  login: string,
  userId: number,
): MaybePromise<{ org: OrganizationRow; role: OrgRole | undefined; enterpriseOwner: boolean } | undefined> {
  return cachedRead(db, `org-access\u0000${login}\u0000${userId}`, async () => {
    const [row] = await organizationWithRoles(db, { login: login.toLowerCase(), userId });
    if (row === undefined) return undefined;
    const { caller_role, caller_enterprise_role, ...org } = row;
    return { org: Object.freeze(org), role: caller_role ?? undefined, enterpriseOwner: caller_enterprise_role === 'owner' };
  });
}

export async function orgRoleOf(db: Db, orgId: number, userId: number): Promise<OrgRole | undefined> {
  const row = await db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

export interface IssuedToken {
  token: string;
  id: number;
  scopes: string[];
  createdAt: string;
}

/** Mints a classic personal access token for a user; only its hash is stored. */
export async function createAccessToken(
  ctx: DomainContext,
  user: UserRow,
  scopeText: string | readonly string[],
  note: string | null,
  actor: Actor | null,
): Promise<IssuedToken> {
  const { scopes, unknown } = parseScopes(typeof scopeText === 'string' ? scopeText : scopeText.join(','));
  if (unknown.length > 0) {
    throw validationFailed([{ resource: 'OauthAccess', field: 'scopes', code: 'invalid', message: `unknown scopes: ${unknown.join(', ')}` }]);
  }
  const token = generatePersonalAccessToken();
  const now = nowIso(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('access_tokens')
      .values({
        user_id: user.id,
        token_hash: hashToken(token),
        token_last_eight: token.slice(-8),
        scopes: scopes.join(', '),
        note,
        expires_at: null,
        last_used_at: null,
        created_at: now,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ctx.clock, { action: 'personal_access_token.create', actor, user, data: { scopes } });
    return { token, id: row.id, scopes, createdAt: now };
  });
}

export type AccessTokenRow = Selectable<AccessTokenTable>;

/** A token by id with its user (the token's `url`, `GET /authorizations/{id}`); never the secret, which is not stored. */
export async function findAccessToken(db: Db, id: number): Promise<{ token: AccessTokenRow; user: UserRow } | undefined> {
  const token = await db.selectFrom('access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  if (token === undefined) return undefined;
  const user = await db.selectFrom('users').selectAll().where('id', '=', token.user_id).executeTakeFirst();
  return user === undefined ? undefined : { token, user };
}

/**
 * Deletes a personal access token by id; false when there is none. Every instance refuses it from the next request
 * on (PostgreSQL has no token cache; SQLite's read cache drops everything when a row changes).
 */
export async function deleteAccessToken(ctx: DomainContext, tokenId: number, actor: Actor | null): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('access_tokens').where('id', '=', tokenId).returning(['user_id']).executeTakeFirst();
    if (row === undefined) return false;
    const user = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    await recordAudit(trx, ctx.clock, { action: 'personal_access_token.destroy', actor, user: user ?? null, data: { token_id: tokenId } });
    return true;
  });
}

/** The caller behind a token; shared between requests by the read cache, so never modified. */
export interface AuthenticatedToken {
  readonly user: Readonly<UserRow>;
  readonly tokenId: number;
  /** Scopes as granted, in `X-OAuth-Scopes` form. */
  readonly grantedScopes: string;
  readonly scopes: ReadonlySet<string>;
}

// Runs on every authenticated request: precompiled (src/storage/precompiled.ts) to skip query building.
const tokenWithUser = precompiled((db, p: { tokenHash: string }) =>
  db
    .selectFrom('access_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('u')
    .select(['t.id as token_id', 't.scopes as token_scopes', 't.expires_at as token_expires_at', 't.last_used_at as token_last_used_at'])
    .where('t.token_hash', '=', p.tokenHash),
);

interface TokenRecord {
  principal: AuthenticatedToken;
  expiresAt: number | null;
  lastUsedAt: number | null;
  suspended: boolean;
}

/**
 * Resolves a presented token to its user; undefined for unknown or expired tokens and suspended users. Synchronous
 * when the token is in the read cache and its last use needs no update (every request but the hour's first).
 */
export function authenticateToken(ctx: DomainContext, token: string): MaybePromise<AuthenticatedToken | undefined> {
  const tokenHash = hashToken(token);
  // Cached until the store changes (src/storage/read-cache.ts); expiry is checked against the clock on every use.
  const record = cachedRead(ctx.db, `token\u0000${tokenHash}`, async (): Promise<TokenRecord | undefined> => {
    const [row] = await tokenWithUser(ctx.db, { tokenHash });
    if (row === undefined) return undefined;
    const { token_id, token_scopes, token_expires_at, token_last_used_at, ...user } = row;
    const parsed = parsedScopes(token_scopes);
    return {
      principal: { user, tokenId: token_id, grantedScopes: parsed.granted, scopes: new Set(parsed.expanded) },
      expiresAt: token_expires_at === null ? null : Date.parse(token_expires_at),
      lastUsedAt: token_last_used_at === null ? null : Date.parse(token_last_used_at),
      suspended: user.suspended_at !== null,
    };
  });
  return thenMaybe(record, (found) => principalOfRecord(ctx, found));
}

function principalOfRecord(ctx: DomainContext, record: TokenRecord | undefined): MaybePromise<AuthenticatedToken | undefined> {
  if (record === undefined || record.suspended) return undefined;
  const now = nowMs(ctx.clock);
  if (record.expiresAt !== null && record.expiresAt <= now) return undefined;
  // Last use is kept to the hour, like GitHub's token settings page, so authentication is not a write per request.
  if (record.lastUsedAt === null || now - record.lastUsedAt > 3_600_000) {
    return ctx.db
      .updateTable('access_tokens')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', record.principal.tokenId)
      .execute()
      .then(() => record.principal);
  }
  return record.principal;
}

/** Scope lists as stored on tokens are few and immutable: parse and expand each once, not on every request. */
const scopeCache = new Map<string, { granted: string; expanded: readonly string[] }>();

function parsedScopes(stored: string): { granted: string; expanded: readonly string[] } {
  let parsed = scopeCache.get(stored);
  if (parsed === undefined) {
    const granted = stored.split(/[\s,]+/).filter((s) => s !== '');
    parsed = { granted: granted.join(', '), expanded: [...expandScopes(granted)] };
    if (scopeCache.size >= 1_000) scopeCache.clear();
    scopeCache.set(stored, parsed);
  }
  return parsed;
}

/** Counts enterprises; `serve` creates the demo only in an empty store. */
export async function countEnterprises(db: Db): Promise<number> {
  const row = await db.selectFrom('enterprises').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
