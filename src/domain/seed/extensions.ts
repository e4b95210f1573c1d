/**
 * Per-enterprise seed sections for runner groups, runners and usage, applied through the same services the API uses.
 * Each leaves alone what is already there, so a seed applied twice records each thing once.
 */
import crypto from 'node:crypto';
import { ApiError } from '../../errors/api-error.ts';
import { SeedError } from './schema.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import { findOrganization } from '../accounts/accounts.ts';
import { recordUsage } from '../billing/record.ts';
import type { RawUsageItem } from '../billing/items.ts';
import type { DomainContext } from '../context.ts';
import { findGroupByName } from '../runner-groups/repository.ts';
import { createRunnerGroup } from '../runner-groups/service.ts';
import { registerRunner } from '../runners/registration.ts';
import { authenticateRunnerCredential, recordHeartbeat } from '../runners/runner-service.ts';

export interface EnterpriseSeedExtras {
  runner_groups?: Array<{ name: string; visibility?: 'all' | 'selected'; organizations?: string[]; allows_public_repositories?: boolean }>;
  /** `online: true` sends a first heartbeat, so the runner shows online until it stops sending them. */
  runners?: Array<{ name: string; os?: 'linux' | 'macos' | 'windows'; architecture?: string; labels?: string[]; group?: string; online?: boolean }>;
  /** Usage items in the shape of `POST /enterprises/{enterprise}/settings/billing/usage`'s `usageItems`. */
  usage?: RawUsageItem[];
}

/** What an extension reports to the seed it is part of (seed.ts). */
export interface SeedRun {
  /** Counts one record of `kind`: created now, or already there. */
  count(kind: 'runner groups' | 'runners' | 'usage records', created: boolean): void;
  /** Runs `work`; a domain rule's error becomes a seed error at `path` (the entry's place in the file). */
  at<T>(path: string, work: () => Promise<T>): Promise<T>;
}

export type SeedExtension = (ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras, path: string, run: SeedRun) => Promise<void>;


async function seedRunnerGroups(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras, path: string, run: SeedRun): Promise<void> {
  for (const [i, g] of (entry.runner_groups ?? []).entries()) {
    if ((await findGroupByName(ctx.db, enterprise.id, g.name.toLowerCase())) !== undefined) {
      run.count('runner groups', false);
      continue;
    }
    const orgIds: number[] = [];
    for (const [j, login] of (g.organizations ?? []).entries()) {
      const org = await findOrganization(ctx.db, login);
      if (org === undefined || org.enterprise_id !== enterprise.id) {
        throw new SeedError([{ path: `${path}.runner_groups[${i}].organizations[${j}]`, message: `organization "${login}" is not in enterprise ${enterprise.slug}; expected one of its organizations` }]);
      }
      orgIds.push(org.id);
    }
    await run.at(`${path}.runner_groups[${i}]`, () =>
      createRunnerGroup(ctx, enterprise, { name: g.name, visibility: g.visibility, selectedOrganizationIds: orgIds, allowsPublicRepositories: g.allows_public_repositories }, null),
    );
    run.count('runner groups', true);
  }
}

async function seedRunners(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras, path: string, run: SeedRun): Promise<void> {
  for (const [i, r] of (entry.runners ?? []).entries()) {
    const existing = await ctx.db.selectFrom('runners').select('id').where('enterprise_id', '=', enterprise.id).where('name_lower', '=', r.name.toLowerCase()).executeTakeFirst();
    if (existing !== undefined) {
      run.count('runners', false);
      continue;
    }
    await run.at(`${path}.runners[${i}]`, async () => {
      const registered = await registerRunner(ctx, enterprise, { name: r.name, os: r.os ?? 'linux', architecture: r.architecture, labels: r.labels, runnerGroup: r.group }, null);
      if (r.online === true) {
        const auth = await authenticateRunnerCredential(ctx, registered.credential);
        if (auth !== undefined) await recordHeartbeat(ctx, auth, { busy: false });
      }
    });
    run.count('runners', true);
  }
}

/**
 * The key of each usage item: a hash of its content and its place among identical items of the list (two identical
 * items are two records). A key already in the ledger for this enterprise was recorded by an earlier run.
 */
function usageKeys(items: readonly RawUsageItem[]): string[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const canonical = JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const digest = crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 32);
    const occurrence = seen.get(digest) ?? 0;
    seen.set(digest, occurrence + 1);
    return `${digest}:${occurrence}`;
  });
}

async function seedUsage(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras, path: string, run: SeedRun): Promise<void> {
  const items = entry.usage ?? [];
  if (items.length === 0) return;
  const keys = usageKeys(items);
  const recorded = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await ctx.db
      .selectFrom('usage_records')
      .select('seed_key')
      .where('enterprise_id', '=', enterprise.id)
      .where('seed_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const row of rows) if (row.seed_key !== null) recorded.add(row.seed_key);
  }
  const fresh = items.flatMap((item, index) => (recorded.has(keys[index] ?? '') ? [] : [{ item, index, key: keys[index] ?? '' }]));
  for (let i = 0; i < items.length - fresh.length; i += 1) run.count('usage records', false);
  if (fresh.length === 0) return;
  try {
    await recordUsage(ctx, enterprise, fresh.map((f) => f.item), null, { source: 'seed', seedKeys: fresh.map((f) => f.key) });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // recordUsage names an invalid item `usageItems[i].field`, i counting the items it was given: name them in the file.
    const problems = (error.errors ?? []).flatMap((item) => {
      const match = typeof item === 'object' ? /^usageItems\[(\d+)\]\.(\w+)$/.exec(item.field) : null;
      if (match === null || typeof item !== 'object') return [];
      return [{ path: `${path}.usage[${fresh[Number(match[1])]?.index ?? '?'}].${match[2] ?? ''}`, message: item.message ?? item.code }];
    });
    if (problems.length > 0) throw new SeedError(problems);
    throw error;
  }
  for (let i = 0; i < fresh.length; i += 1) run.count('usage records', true);
}

export const seedExtensions: readonly SeedExtension[] = [seedRunnerGroups, seedRunners, seedUsage];
