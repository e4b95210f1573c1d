/**
 * Per-enterprise seed sections contributed by the other domain areas (runner groups, runners, usage, teams).
 * Each extension reads its own keys of the enterprise's seed entry.
 */
import type { DomainContext } from '../context.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';

export interface EnterpriseSeedExtras {
  runner_groups?: Array<{ name: string; visibility?: 'all' | 'selected'; organizations?: string[] }>;
  runners?: Array<{ name: string; os?: 'linux' | 'macos' | 'windows'; labels?: string[]; group?: string; online?: boolean }>;
  usage?: Array<Record<string, unknown>>;
}

export type SeedExtension = (ctx: DomainContext, enterprise: EnterpriseRow, entry: EnterpriseSeedExtras) => Promise<void>;

export const seedExtensions: SeedExtension[] = [];
