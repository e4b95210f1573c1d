/**
 * Repository functions over the usage ledger (`usage_records`, migration 0001). Rows arrive from three writers — the
 * runner side's job reports, `gatehouse usage import` and the admin endpoint — and are read back aggregated, never
 * row by row, so reports scale with the number of (day, SKU, organization, repository) groups.
 */
import type { Db } from '../context.ts';
import type { NewUsageRecord } from '../../storage/tables.ts';
import type { OrgRef } from './items.ts';

/**
 * Rows per INSERT. 500 rows × 11 columns stays far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
 */
export const INSERT_BATCH = 500;

/** The enterprise's organizations, keyed by lower-cased login. */
export async function enterpriseOrgs(db: Db, enterpriseId: number): Promise<Map<string, OrgRef>> {
  const rows = await db.selectFrom('organizations').select(['id', 'login']).where('enterprise_id', '=', enterpriseId).execute();
  return new Map(rows.map((r) => [r.login.toLowerCase(), { id: r.id, login: r.login }]));
}

/** Inserts ledger rows in batches of `INSERT_BATCH`; callers run it inside their transaction. */
export async function insertUsageRows(db: Db, rows: readonly NewUsageRecord[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await db.insertInto('usage_records').values(rows.slice(i, i + INSERT_BATCH)).execute();
  }
}

/** Usage summed per day, product, SKU, organization, repository and public flag. */
export interface UsageGroup {
  usage_date: string;
  product: string;
  sku: string;
  org_login: string | null;
  repository: string | null;
  public_repository: number;
  quantity: number;
}

/**
 * Billable usage in the half-open day range `[from, to)`: every row except self-hosted runner minutes, which are
 * recorded but never billed or reported ("Paid minutes only apply to workflows … that use GitHub-hosted runners").
 */
export async function usageGroups(db: Db, enterpriseId: number, from: string, to: string): Promise<UsageGroup[]> {
  const rows = await db
    .selectFrom('usage_records as u')
    .leftJoin('organizations as o', 'o.id', 'u.org_id')
    .select((eb) => [
      'u.usage_date',
      'u.product',
      'u.sku',
      'o.login as org_login',
      'u.repository',
      'u.public_repository',
      eb.fn.sum<number>('u.quantity').as('quantity'),
    ])
    .where('u.enterprise_id', '=', enterpriseId)
    .where('u.self_hosted', '=', 0)
    .where('u.usage_date', '>=', from)
    .where('u.usage_date', '<', to)
    .groupBy(['u.usage_date', 'u.product', 'u.sku', 'o.login', 'u.repository', 'u.public_repository'])
    .execute();
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity) }));
}
