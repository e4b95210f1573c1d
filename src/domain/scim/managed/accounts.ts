/**
 * What a managed identity does to its GitHub account (GitHub's SCIM docs for Enterprise Managed Users,
 * https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim, and for GitHub Enterprise Server's
 * instance, https://docs.github.com/enterprise-server@latest/rest/enterprise-admin/scim):
 * - provisioning on EMU creates a managed account (`users.managed_by_enterprise_id`) named after the normalized
 *   userName plus `_shortcode`; on GHES the account is named after the normalized userName alone, and an existing
 *   account of that login (local or SAML JIT) is linked instead of a new one created ("matching will be performed to
 *   all of the users no matter if they were SAML JIT provisioned or created as local users");
 * - the enterprise role follows the identity's `roles`;
 * - `active: false` suspends the account: `suspended_at` set, login replaced by a hash-based handle and email
 *   obfuscated; the SCIM resource keeps the originals, so `active: true` restores them;
 * - DELETE deprovisions for good: suspended, login, email and name obfuscated, tokens and memberships removed;
 * - team sync follows through `src/domain/external-groups/sync.ts` in the same transaction.
 * Which rules named an account is the identity's own (`productOfReservedLogin`), not the path of a later request.
 */
import { createUser, setEnterpriseRole } from '../../accounts/accounts.ts';
import { recordAudit } from '../../audit.ts';
import type { Db } from '../../context.ts';
import { syncUserActiveChanged } from '../../external-groups/sync.ts';
import { ScimError, type JsonObject } from '../../../scim/engine/index.ts';
import type { EnterpriseRow, UserRow } from '../../../storage/tables.ts';
import type { HookContext, StoredUser } from '../types.ts';
import { primaryEmail } from '../users.ts';
import { loginFor, obfuscatedEmail, obfuscatedLogin, productOfReservedLogin, type ManagedProduct } from './login.ts';
import { enterpriseRoleOf } from './roles.ts';

function enterpriseOf(hook: HookContext): EnterpriseRow {
  const { enterprise } = hook.tenant;
  if (enterprise === null) throw new TypeError('managed SCIM needs an enterprise tenant');
  return enterprise;
}

/** The product whose rules named this identity's account, and the login it has while active. */
function accountLogin(enterprise: EnterpriseRow, identity: StoredUser): { product: ManagedProduct; login: string } {
  const product = productOfReservedLogin(identity.loginLower);
  return { product, login: loginFor(product, identity.userName, enterprise.shortcode) };
}

function displayNameOf(resource: JsonObject): string | null {
  return typeof resource.displayName === 'string' && resource.displayName !== '' ? resource.displayName : null;
}

async function requireAccount(db: Db, userId: number | null): Promise<UserRow | undefined> {
  if (userId === null) return undefined;
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

/** 409 unless `login` is free or already this account's. */
async function ensureLoginFree(db: Db, login: string, ownUserId: number | null): Promise<void> {
  const holder = await db.selectFrom('users').select('id').where('login_lower', '=', login.toLowerCase()).executeTakeFirst();
  if (holder !== undefined && holder.id !== ownUserId) {
    throw ScimError.uniqueness(`The username "${login}" is already taken by another account`);
  }
}

/**
 * The enterprise role the identity's `roles` give ("you assign each user's enterprise role on your identity
 * provider", https://docs.github.com/enterprise-server@latest/admin/managing-accounts-and-repositories/managing-users-in-your-enterprise/assign-roles).
 * Without `roles`, `whenAbsent` decides: `member` (a new account, or roles just removed), or `keep` the account's
 * current role (a linked account the IdP says nothing about; it becomes a member if it was not one).
 */
async function syncRole(hook: HookContext, user: UserRow, resource: JsonObject, whenAbsent: 'member' | 'keep'): Promise<void> {
  const enterprise = enterpriseOf(hook);
  const current = await hook.db
    .selectFrom('enterprise_members')
    .select('role')
    .where('enterprise_id', '=', enterprise.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  const absent = !Array.isArray(resource.roles) || resource.roles.length === 0;
  const role = absent && whenAbsent === 'keep' ? (current?.role ?? 'member') : enterpriseRoleOf(resource.roles);
  if (current?.role !== role) await setEnterpriseRole(hook.ctx, hook.db, enterprise, user, role, hook.actor);
}

/** Suspends the account and hides its login and email; `also` adds fields (DELETE obfuscates the name too). */
async function obfuscate(hook: HookContext, user: UserRow, product: ManagedProduct, login: string, also: { name?: null } = {}): Promise<void> {
  const enterprise = enterpriseOf(hook);
  const now = hook.ctx.clock.now().toISOString();
  const handle = obfuscatedLogin(enterprise.id, login, product === 'ghes' ? null : enterprise.shortcode);
  await hook.db
    .updateTable('users')
    .set({
      login: handle,
      login_lower: handle.toLowerCase(),
      email: obfuscatedEmail(enterprise.id, login),
      suspended_at: user.suspended_at ?? now,
      updated_at: now,
      ...also,
    })
    .where('id', '=', user.id)
    .execute();
  if (user.suspended_at === null) {
    await recordAudit(hook.db, hook.ctx.clock, {
      action: 'user.suspend',
      enterpriseId: enterprise.id,
      actor: hook.actor,
      user: { id: user.id, login: handle },
      data: { reason: 'scim', previous_login: login },
    });
  }
}

/** Restores a suspended account to `login` and the identity's profile (`active: true`), with its audit event. */
async function unsuspend(hook: HookContext, account: UserRow, login: string, resource: JsonObject): Promise<void> {
  const enterprise = enterpriseOf(hook);
  await ensureLoginFree(hook.db, login, account.id);
  await hook.db
    .updateTable('users')
    .set({
      login,
      login_lower: login.toLowerCase(),
      email: primaryEmail(resource),
      name: displayNameOf(resource),
      suspended_at: null,
      updated_at: hook.ctx.clock.now().toISOString(),
    })
    .where('id', '=', account.id)
    .execute();
  await recordAudit(hook.db, hook.ctx.clock, { action: 'user.unsuspend', enterpriseId: enterprise.id, actor: hook.actor, user: { id: account.id, login }, data: { reason: 'scim' } });
}

/**
 * GHES: the existing account `login` names, when there is one, checked for linking. 409 `uniqueness` when it is
 * already another identity's (every account has at most one managed SCIM identity) or another enterprise's managed
 * account.
 */
async function linkableAccount(hook: HookContext, login: string): Promise<UserRow | undefined> {
  const enterprise = enterpriseOf(hook);
  const account = await hook.db.selectFrom('users').selectAll().where('login_lower', '=', login.toLowerCase()).executeTakeFirst();
  if (account === undefined) return undefined;
  if (account.managed_by_enterprise_id !== null && account.managed_by_enterprise_id !== enterprise.id) {
    throw ScimError.uniqueness(`The username "${login}" is already taken by another enterprise's managed account`);
  }
  const linked = await hook.db.selectFrom('scim_users').select('scim_id').where('user_id', '=', account.id).where('dialect', '=', 'managed').executeTakeFirst();
  if (linked !== undefined) throw ScimError.uniqueness(`The account "${account.login}" is already linked to the SCIM identity ${linked.scim_id}`);
  return account;
}

/**
 * GHES: links the identity to an existing account ("the user handle (userName) from the SCIM payload will be used to
 * match the provisioned user to an already existing user", https://docs.github.com/enterprise-server@latest/rest/enterprise-admin/scim).
 * The account keeps its id, tokens, memberships and site administration; it becomes managed by the enterprise and,
 * since the IdP is the source of truth from then on, takes the userName's letter case as its login, its name and
 * primary email from the identity (when sent), and its enterprise role from `roles` (kept when `roles` is absent).
 * An account suspended on GitHub is restored when the identity is active; an inactive identity suspends it.
 */
async function linkAccount(hook: HookContext, account: UserRow, login: string, identity: StoredUser): Promise<number> {
  const enterprise = enterpriseOf(hook);
  const now = hook.ctx.clock.now().toISOString();
  const { resource } = identity;
  if (account.suspended_at !== null && identity.active) {
    await unsuspend(hook, account, login, resource);
  } else {
    await hook.db
      .updateTable('users')
      .set({ login, login_lower: login.toLowerCase(), email: primaryEmail(resource) ?? account.email, name: displayNameOf(resource) ?? account.name, updated_at: now })
      .where('id', '=', account.id)
      .execute();
    if (account.login !== login) {
      await recordAudit(hook.db, hook.ctx.clock, { action: 'user.rename', enterpriseId: enterprise.id, actor: hook.actor, user: { id: account.id, login }, data: { old_login: account.login, reason: 'scim' } });
    }
  }
  if (account.managed_by_enterprise_id === null) {
    await hook.db.updateTable('users').set({ managed_by_enterprise_id: enterprise.id }).where('id', '=', account.id).execute();
  }
  const linked = await hook.db.selectFrom('users').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
  await syncRole(hook, linked, resource, 'keep');
  if (!identity.active) {
    await obfuscate(hook, linked, 'ghes', login);
    if (linked.suspended_at === null) await syncUserActiveChanged(hook.db, hook.ctx, linked.id, false, hook.actor);
  }
  return account.id;
}

/**
 * POST: the account, suspended from the start when the IdP provisions it inactive. EMU always creates a new
 * `_shortcode` account (409 when that login is taken); GHES links an existing account of the same login.
 */
export async function provisionAccount(hook: HookContext, identity: StoredUser, product: ManagedProduct): Promise<number> {
  const enterprise = enterpriseOf(hook);
  const login = loginFor(product, identity.userName, enterprise.shortcode);
  if (product === 'ghes') {
    const existing = await linkableAccount(hook, login);
    if (existing !== undefined) return linkAccount(hook, existing, login, identity);
  }
  await ensureLoginFree(hook.db, login, null);
  const account = await createUser(
    hook.ctx,
    hook.db,
    { login, email: primaryEmail(identity.resource), name: displayNameOf(identity.resource), managedByEnterpriseId: enterprise.id },
    hook.actor,
  );
  await syncRole(hook, account, identity.resource, 'member');
  if (!identity.active) await obfuscate(hook, account, product, login);
  return account.id;
}

/** PUT/PATCH: suspension and restore, profile and role follow the identity. */
export async function updateAccount(hook: HookContext, before: StoredUser, after: StoredUser): Promise<void> {
  const account = await requireAccount(hook.db, after.userId);
  if (account === undefined) return;
  const enterprise = enterpriseOf(hook);
  const { product, login } = accountLogin(enterprise, after);
  const now = hook.ctx.clock.now().toISOString();
  if (before.active && !after.active) {
    await obfuscate(hook, account, product, login);
    await syncUserActiveChanged(hook.db, hook.ctx, account.id, false, hook.actor);
  } else if (!before.active && after.active) {
    await unsuspend(hook, account, login, after.resource);
    await syncUserActiveChanged(hook.db, hook.ctx, account.id, true, hook.actor);
  } else if (after.active) {
    const name = displayNameOf(after.resource);
    const email = primaryEmail(after.resource);
    if (name !== account.name || email !== account.email) {
      await hook.db.updateTable('users').set({ name, email, updated_at: now }).where('id', '=', account.id).execute();
    }
  }
  // Roles the IdP sends are re-applied on every change; roles it never sent leave a linked account's role alone.
  if (after.resource.roles !== undefined || before.resource.roles !== undefined) {
    await syncRole(hook, { ...account }, after.resource, 'member');
  }
}

/**
 * DELETE, a hard deprovision ("permanently suspends … obfuscates the login, email, and display name … deletes the
 * … PATs", GitHub's docs): the account stays, suspended and anonymous, with no tokens and no memberships.
 */
export async function deprovisionAccount(hook: HookContext, identity: StoredUser): Promise<void> {
  const account = await requireAccount(hook.db, identity.userId);
  if (account === undefined) return;
  const enterprise = enterpriseOf(hook);
  const { product, login } = accountLogin(enterprise, identity);
  if (account.suspended_at === null) await syncUserActiveChanged(hook.db, hook.ctx, account.id, false, hook.actor);
  await obfuscate(hook, account, product, login, { name: null });
  await hook.db.deleteFrom('access_tokens').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('team_members').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('org_members').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('org_invitations').where('invitee_id', '=', account.id).execute();
  await hook.db.deleteFrom('enterprise_members').where('user_id', '=', account.id).where('enterprise_id', '=', enterprise.id).execute();
  await recordAudit(hook.db, hook.ctx.clock, {
    action: 'business.remove_member',
    enterpriseId: enterprise.id,
    actor: hook.actor,
    user: { id: account.id, login: obfuscatedLogin(enterprise.id, login, product === 'ghes' ? null : enterprise.shortcode) },
    data: { business: enterprise.slug, reason: 'scim_deprovision' },
  });
}
