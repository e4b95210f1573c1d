/**
 * Seeding: a YAML or JSON document describing users, enterprises, organizations, runners and usage, applied through
 * the same domain services the API uses (so seeded state obeys every rule). `serve` applies the built-in demo document
 * to an empty store.
 *
 * A seed is checked against its schema (schema.ts) before anything is written, then applied in one transaction
 * (transaction.ts): any error leaves the store as it was. Applying it again changes nothing: what already exists (a
 * user, an enterprise, an organization, a role already held, a runner group, a runner, a token with the same note and
 * scopes, a usage item already recorded from this seed) is counted as already present and left as it is.
 */
import { ApiError } from '../../errors/api-error.ts';
import { KNOWN_SCOPES, parseScopes } from '../../auth/scopes.ts';
import {
  addOrgMember,
  createAccessToken,
  createEnterprise,
  createOrganization,
  createUser,
  enterpriseRoleOf,
  findEnterprise,
  findOrganization,
  findUserByLogin,
  orgRoleOf,
  setEnterpriseRole,
} from '../accounts/accounts.ts';
import type { DomainContext } from '../context.ts';
import type { EnterpriseRow, UserRow } from '../../storage/tables.ts';
import { seedExtensions, type EnterpriseSeedExtras, type SeedRun } from './extensions.ts';
import { SeedError, seedProblems } from './schema.ts';

export { SeedError } from './schema.ts';
import { inOneTransaction } from './transaction.ts';

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

/** The kinds of record a seed makes, in the order they are reported. */
export const SEED_KINDS = ['users', 'enterprises', 'enterprise roles', 'organizations', 'organization roles', 'runner groups', 'runners', 'usage records', 'tokens'] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

export interface SeedResult {
  /** A token per `tokens` entry: the new token, or null when one with the same note and scopes was issued before. */
  tokens: Array<{ login: string; scopes: string[]; note: string; token: string | null }>;
  enterprises: string[];
  /** Per kind: how many records were created now, and how many were already there. */
  counts: Record<SeedKind, { created: number; present: number }>;
}

/** An error of a domain service in words: the message and its details. */
function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const details = (error.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.message ?? `${e.field} ${e.code}`)));
    return details.length > 0 ? details.join('; ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

class Run implements SeedRun {
  readonly counts = Object.fromEntries(SEED_KINDS.map((k) => [k, { created: 0, present: 0 }])) as SeedResult['counts'];

  constructor(private readonly doc: SeedDocument) {}

  count(kind: SeedKind, created: boolean): void {
    this.counts[kind][created ? 'created' : 'present'] += 1;
  }

  async at<T>(path: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SeedError) throw error;
      // Only a domain rule (an ApiError) is the file's fault; anything else (the store failing) stays as it is.
      if (!(error instanceof ApiError)) throw error;
      throw new SeedError([{ path, message: describe(error) }]);
    }
  }

  /** A user the seed refers to: one of its `users` (created before everything else) or one already in the store. */
  async user(ctx: DomainContext, login: string, path: string): Promise<UserRow> {
    const user = await findUserByLogin(ctx.db, login);
    if (user !== undefined) return user;
    const seeded = (this.doc.users ?? []).map((u) => u.login).join(', ');
    throw new SeedError([{ path, message: `no user "${login}": expected a login from the seed's users${seeded === '' ? '' : ` (${seeded})`} or of a user already in the store` }]);
  }
}

async function seedEnterprise(ctx: DomainContext, run: Run, e: SeedEnterprise, path: string): Promise<EnterpriseRow> {
  const existing = await findEnterprise(ctx.db, e.slug);
  if (existing !== undefined) {
    if (e.kind !== undefined && existing.kind !== e.kind) {
      throw new SeedError([{ path: `${path}.kind`, message: `enterprise "${existing.slug}" already exists as a ${existing.kind} enterprise; expected ${existing.kind} or no kind` }]);
    }
    run.count('enterprises', false);
    return existing;
  }
  const created = await run.at(path, () => createEnterprise(ctx, { slug: e.slug, name: e.name, kind: e.kind, shortcode: e.shortcode }, null));
  run.count('enterprises', true);
  return created;
}

async function seedEnterpriseRoles(ctx: DomainContext, run: Run, enterprise: EnterpriseRow, e: SeedEnterprise, path: string): Promise<void> {
  const sections = [
    ['owners', 'owner'],
    ['billing_managers', 'billing_manager'],
    ['members', 'member'],
  ] as const;
  for (const [key, role] of sections) {
    for (const [i, login] of (e[key] ?? []).entries()) {
      const user = await run.user(ctx, login, `${path}.${key}[${i}]`);
      const current = await enterpriseRoleOf(ctx.db, enterprise.id, user.id);
      if (current === role) {
        run.count('enterprise roles', false);
        continue;
      }
      await run.at(`${path}.${key}[${i}]`, () => setEnterpriseRole(ctx, ctx.db, enterprise, user, role, null));
      run.count('enterprise roles', true);
    }
  }
}

async function seedOrganization(ctx: DomainContext, run: Run, enterprise: EnterpriseRow, o: SeedOrganization, path: string): Promise<void> {
  let org = await findOrganization(ctx.db, o.login);
  if (org === undefined) {
    org = await run.at(path, () => createOrganization(ctx, { login: o.login, name: o.name ?? null, enterpriseSlug: enterprise.slug }, null));
    run.count('organizations', true);
  } else {
    if (org.enterprise_id !== enterprise.id) {
      throw new SeedError([{ path: `${path}.login`, message: `organization "${org.login}" already exists outside enterprise "${enterprise.slug}"; expected a new login or one of ${enterprise.slug}'s organizations` }]);
    }
    run.count('organizations', false);
  }
  const sections = [
    ['owners', 'admin'],
    ['members', 'member'],
  ] as const;
  for (const [key, role] of sections) {
    for (const [i, login] of (o[key] ?? []).entries()) {
      const user = await run.user(ctx, login, `${path}.${key}[${i}]`);
      if ((await orgRoleOf(ctx.db, org.id, user.id)) === role) {
        run.count('organization roles', false);
        continue;
      }
      const target = org;
      await run.at(`${path}.${key}[${i}]`, () => addOrgMember(ctx, ctx.db, target, user, role, null));
      run.count('organization roles', true);
    }
  }
}

async function seedToken(ctx: DomainContext, run: Run, t: SeedToken, path: string): Promise<SeedResult['tokens'][number]> {
  const user = await run.user(ctx, t.login, `${path}.login`);
  const note = t.note ?? 'seed';
  const { scopes, unknown } = parseScopes(t.scopes.join(','));
  if (unknown.length > 0) {
    throw new SeedError([{ path: `${path}.scopes`, message: `unknown scopes ${unknown.join(', ')}; expected scopes among ${[...KNOWN_SCOPES].sort().join(', ')}` }]);
  }
  // A token is identified by its owner, note and scopes (stored as createAccessToken joins them).
  const existing = await ctx.db
    .selectFrom('access_tokens')
    .select('id')
    .where('user_id', '=', user.id)
    .where('note', '=', note)
    .where('scopes', '=', scopes.join(', '))
    .executeTakeFirst();
  if (existing !== undefined) {
    run.count('tokens', false);
    return { login: user.login, scopes, note, token: null };
  }
  const issued = await run.at(path, () => createAccessToken(ctx, user, scopes, note, null));
  run.count('tokens', true);
  return { login: user.login, scopes: issued.scopes, note, token: issued.token };
}

/**
 * Applies a seed document: checked whole first (a SeedError lists every problem, with its path), then written in one
 * transaction (a SeedError names the entry a domain rule rejected). Either way nothing is written on error.
 */
export async function applySeed(ctx: DomainContext, input: unknown): Promise<SeedResult> {
  const problems = seedProblems(input);
  if (problems.length > 0) throw new SeedError(problems);
  const doc = input as SeedDocument;
  const run = new Run(doc);

  return inOneTransaction(ctx, async (tx) => {
    const result: SeedResult = { tokens: [], enterprises: [], counts: run.counts };
    for (const [i, u] of (doc.users ?? []).entries()) {
      if ((await findUserByLogin(tx.db, u.login)) !== undefined) {
        run.count('users', false);
        continue;
      }
      await run.at(`users[${i}]`, () => createUser(tx, tx.db, { login: u.login, email: u.email ?? null, name: u.name ?? null, siteAdmin: u.site_admin === true }, null));
      run.count('users', true);
    }

    for (const [i, e] of (doc.enterprises ?? []).entries()) {
      const path = `enterprises[${i}]`;
      const enterprise = await seedEnterprise(tx, run, e, path);
      result.enterprises.push(enterprise.slug);
      await seedEnterpriseRoles(tx, run, enterprise, e, path);
      for (const [j, o] of (e.organizations ?? []).entries()) await seedOrganization(tx, run, enterprise, o, `${path}.organizations[${j}]`);
      for (const extension of seedExtensions) await extension(tx, enterprise, e, path, run);
    }

    for (const [i, t] of (doc.tokens ?? []).entries()) result.tokens.push(await seedToken(tx, run, t, `tokens[${i}]`));
    return result;
  });
}
