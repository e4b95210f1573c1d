/**
 * What a managed identity does to its GitHub account (github-semantics.md §3.2–§3.7; GitHub's EMU and GHES SCIM
 * docs, seed 002):
 * - provisioning creates a managed account (`users.managed_by_enterprise_id`) named after the normalized userName,
 *   with the enterprise role its `roles` give;
 * - `active: false` suspends it: `suspended_at` set, login replaced by a hash-based handle and email obfuscated; the
 *   SCIM resource keeps the originals, so `active: true` restores them;
 * - DELETE deprovisions for good: suspended, login, email and name obfuscated, tokens and memberships removed;
 * - team sync follows through `src/domain/external-groups/sync.ts` in the same transaction.
 */
import { createUser, setEnterpriseRole } from '../../accounts/accounts.ts';
import { recordAudit } from '../../audit.ts';
import type { Db } from '../../context.ts';
import { syncUserActiveChanged } from '../../external-groups/sync.ts';
import { ScimError, type JsonObject } from '../../../scim/engine/index.ts';
import type { EnterpriseRow, UserRow } from '../../../storage/tables.ts';
import type { HookContext, StoredUser } from '../types.ts';
import { primaryEmail } from '../users.ts';
import { managedLogin, obfuscatedEmail, obfuscatedLogin } from './login.ts';
import { enterpriseRoleOf } from './roles.ts';

function enterpriseOf(hook: HookContext): EnterpriseRow {
  const { enterprise } = hook.tenant;
  if (enterprise === null) throw new TypeError('managed SCIM needs an enterprise tenant');
  return enterprise;
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

async function syncRole(hook: HookContext, user: UserRow, resource: JsonObject): Promise<void> {
  const enterprise = enterpriseOf(hook);
  const role = enterpriseRoleOf(resource.roles);
  const current = await hook.db
    .selectFrom('enterprise_members')
    .select('role')
    .where('enterprise_id', '=', enterprise.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (current?.role !== role) await setEnterpriseRole(hook.ctx, hook.db, enterprise, user, role, hook.actor);
}

/** Suspends the account and hides its login and email; `also` adds fields (DELETE obfuscates the name too). */
async function obfuscate(hook: HookContext, user: UserRow, login: string, also: { name?: null } = {}): Promise<void> {
  const enterprise = enterpriseOf(hook);
  const now = hook.ctx.clock.now().toISOString();
  const handle = obfuscatedLogin(enterprise.id, login, enterprise.shortcode);
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

/** POST: the managed account, suspended from the start when the IdP provisions it inactive. */
export async function provisionAccount(hook: HookContext, identity: StoredUser): Promise<number> {
  const enterprise = enterpriseOf(hook);
  const login = managedLogin(identity.userName, enterprise.shortcode);
  await ensureLoginFree(hook.db, login, null);
  const account = await createUser(
    hook.ctx,
    hook.db,
    { login, email: primaryEmail(identity.resource), name: displayNameOf(identity.resource), managedByEnterpriseId: enterprise.id },
    hook.actor,
  );
  await syncRole(hook, account, identity.resource);
  if (!identity.active) await obfuscate(hook, account, login);
  return account.id;
}

/** PUT/PATCH: suspension and restore, profile and role follow the identity. */
export async function updateAccount(hook: HookContext, before: StoredUser, after: StoredUser): Promise<void> {
  const account = await requireAccount(hook.db, after.userId);
  if (account === undefined) return;
  const enterprise = enterpriseOf(hook);
  const login = managedLogin(after.userName, enterprise.shortcode);
  const now = hook.ctx.clock.now().toISOString();
  if (before.active && !after.active) {
    await obfuscate(hook, account, login);
    await syncUserActiveChanged(hook.db, hook.ctx, account.id, false, hook.actor);
  } else if (!before.active && after.active) {
    await ensureLoginFree(hook.db, login, account.id);
    await hook.db
      .updateTable('users')
      .set({ login, login_lower: login.toLowerCase(), email: primaryEmail(after.resource), name: displayNameOf(after.resource), suspended_at: null, updated_at: now })
      .where('id', '=', account.id)
      .execute();
    await recordAudit(hook.db, hook.ctx.clock, { action: 'user.unsuspend', enterpriseId: enterprise.id, actor: hook.actor, user: { id: account.id, login }, data: { reason: 'scim' } });
    await syncUserActiveChanged(hook.db, hook.ctx, account.id, true, hook.actor);
  } else if (after.active) {
    const name = displayNameOf(after.resource);
    const email = primaryEmail(after.resource);
    if (name !== account.name || email !== account.email) {
      await hook.db.updateTable('users').set({ name, email, updated_at: now }).where('id', '=', account.id).execute();
    }
  }
  await syncRole(hook, { ...account }, after.resource);
}

/**
 * DELETE, a hard deprovision ("permanently suspends … obfuscates the login, email, and display name … deletes the
 * … PATs", GitHub's docs): the account stays, suspended and anonymous, with no tokens and no memberships.
 */
export async function deprovisionAccount(hook: HookContext, identity: StoredUser): Promise<void> {
  const account = await requireAccount(hook.db, identity.userId);
  if (account === undefined) return;
  const enterprise = enterpriseOf(hook);
  const login = managedLogin(identity.userName, enterprise.shortcode);
  if (account.suspended_at === null) await syncUserActiveChanged(hook.db, hook.ctx, account.id, false, hook.actor);
  await obfuscate(hook, account, login, { name: null });
  await hook.db.deleteFrom('access_tokens').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('team_members').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('org_members').where('user_id', '=', account.id).execute();
  await hook.db.deleteFrom('org_invitations').where('invitee_id', '=', account.id).execute();
  await hook.db.deleteFrom('enterprise_members').where('user_id', '=', account.id).where('enterprise_id', '=', enterprise.id).execute();
  await recordAudit(hook.db, hook.ctx.clock, {
    action: 'business.remove_member',
    enterpriseId: enterprise.id,
    actor: hook.actor,
    user: { id: account.id, login: obfuscatedLogin(enterprise.id, login, enterprise.shortcode) },
    data: { business: enterprise.slug, reason: 'scim_deprovision' },
  });
}
