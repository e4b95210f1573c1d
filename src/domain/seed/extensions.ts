/**
 * Per-enterprise seed sections for runner groups, runners and usage, applied through the same services the API uses.
 */
import { validationFailed } from '../../errors/api-error.ts';
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

export type SeedExtension = (ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras) => Promise<void>;

async function seedRunnerGroups(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras): Promise<void> {
  for (const g of entry.runner_groups ?? []) {
    if ((await findGroupByName(ctx.db, enterprise.id, g.name.toLowerCase())) !== undefined) continue;
    const orgIds: number[] = [];
    for (const login of g.organizations ?? []) {
      const org = await findOrganization(ctx.db, login);
      if (org === undefined || org.enterprise_id !== enterprise.id) throw validationFailed([`runner group "${g.name}": organization "${login}" is not in ${enterprise.slug}`]);
      orgIds.push(org.id);
    }
    await createRunnerGroup(
      ctx,
      enterprise,
      { name: g.name, visibility: g.visibility, selectedOrganizationIds: orgIds, allowsPublicRepositories: g.allows_public_repositories },
      null,
    );
  }
}

async function seedRunners(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras): Promise<void> {
  for (const r of entry.runners ?? []) {
    const existing = await ctx.db.selectFrom('runners').select('id').where('enterprise_id', '=', enterprise.id).where('name_lower', '=', r.name.toLowerCase()).executeTakeFirst();
    if (existing !== undefined) continue;
    const registered = await registerRunner(
      ctx,
      enterprise,
      { name: r.name, os: r.os ?? 'linux', architecture: r.architecture, labels: r.labels, runnerGroup: r.group },
      null,
    );
    if (r.online === true) {
      const auth = await authenticateRunnerCredential(ctx, registered.credential);
      if (auth !== undefined) await recordHeartbeat(ctx, auth, { busy: false });
    }
  }
}

async function seedUsage(ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras): Promise<void> {
  if (entry.usage !== undefined && entry.usage.length > 0) await recordUsage(ctx, enterprise, entry.usage, null);
}

export const seedExtensions: readonly SeedExtension[] = [seedRunnerGroups, seedRunners, seedUsage];
