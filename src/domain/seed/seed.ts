/**
 * Seeding: a YAML or JSON document describing users, enterprises, organizations, runners and usage, applied through
 * the same domain services the API uses (so seeded state obeys every rule). `serve` applies the built-in demo document
 * to an empty store.
 */
import { validationFailed } from '../../errors/api-error.ts';
import {
  addOrgMember,
  createAccessToken,
  createEnterprise,
  createOrganization,
  createUser,
  findEnterprise,
  findOrganization,
  findUserByLogin,
  setEnterpriseRole,
} from '../accounts/accounts.ts';
import type { DomainContext } from '../context.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import { seedExtensions, type EnterpriseSeedExtras } from './extensions.ts';

export interface SeedUser {
  login: string;
  email?: string;
  name?: string;
  site_admin?: boolean;
}

export interface SeedOrganization {
  login: string;
  name?: string;
  owners?: string[];
  members?: string[];
}

export interface SeedEnterprise extends EnterpriseSeedExtras {
  slug: string;
  name?: string;
  kind?: 'classic' | 'managed';
  shortcode?: string;
  owners?: string[];
  billing_managers?: string[];
  members?: string[];
  organizations?: SeedOrganization[];
}

export interface SeedToken {
  login: string;
  scopes: string[];
  note?: string;
}

export interface SeedDocument {
  users?: SeedUser[];
  enterprises?: SeedEnterprise[];
  tokens?: SeedToken[];
}

export interface SeedResult {
  tokens: Array<{ login: string; scopes: string[]; token: string }>;
  enterprises: string[];
}

function asArray<T>(value: T[] | undefined, what: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw validationFailed([`${what} must be a list`]);
  return value;
}

async function ensureUser(ctx: DomainContext, login: string) {
  const user = await findUserByLogin(ctx.db, login);
  if (user === undefined) throw validationFailed([`user "${login}" is not defined in the seed's users`]);
  return user;
}

/** Applies a seed document. Existing users, enterprises and organizations with the same names are reused. */
export async function applySeed(ctx: DomainContext, doc: SeedDocument): Promise<SeedResult> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw validationFailed(['the seed must be a mapping']);
  const result: SeedResult = { tokens: [], enterprises: [] };

  for (const u of asArray(doc.users, 'users')) {
    if ((await findUserByLogin(ctx.db, u.login)) !== undefined) continue;
    await createUser(ctx, ctx.db, { login: u.login, email: u.email ?? null, name: u.name ?? null, siteAdmin: u.site_admin === true }, null);
  }

  for (const e of asArray(doc.enterprises, 'enterprises')) {
    const enterprise: EnterpriseRow =
      (await findEnterprise(ctx.db, e.slug)) ??
      (await createEnterprise(ctx, { slug: e.slug, name: e.name, kind: e.kind, shortcode: e.shortcode }, null));
    result.enterprises.push(enterprise.slug);
    const roles = [
      ...asArray(e.owners, 'owners').map((login) => [login, 'owner'] as const),
      ...asArray(e.billing_managers, 'billing_managers').map((login) => [login, 'billing_manager'] as const),
      ...asArray(e.members, 'members').map((login) => [login, 'member'] as const),
    ];
    for (const [login, role] of roles) await setEnterpriseRole(ctx, ctx.db, enterprise, await ensureUser(ctx, login), role, null);

    for (const o of asArray(e.organizations, 'organizations')) {
      const org =
        (await findOrganization(ctx.db, o.login)) ??
        (await createOrganization(ctx, { login: o.login, name: o.name ?? null, enterpriseSlug: enterprise.slug }, null));
      for (const login of asArray(o.owners, 'owners')) await addOrgMember(ctx, ctx.db, org, await ensureUser(ctx, login), 'admin', null);
      for (const login of asArray(o.members, 'members')) await addOrgMember(ctx, ctx.db, org, await ensureUser(ctx, login), 'member', null);
    }
    for (const extension of seedExtensions) await extension(ctx, enterprise, e);
  }

  for (const t of asArray(doc.tokens, 'tokens')) {
    const user = await ensureUser(ctx, t.login);
    const issued = await createAccessToken(ctx, user, asArray(t.scopes, 'scopes'), t.note ?? 'seed', null);
    result.tokens.push({ login: user.login, scopes: issued.scopes, token: issued.token });
  }
  return result;
}
