/**
 * Recording usage through the admin endpoint (`POST /enterprises/{enterprise}/settings/billing/usage`, a Gatehouse
 * extension): every item is validated first, and either all are recorded, with one audit event, or none is.
 */
import { validationFailed, type ValidationErrorItem } from '../../errors/api-error.ts';
import type { EnterpriseRow, NewUsageRecord } from '../../storage/tables.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, DomainContext } from '../context.ts';
import { isoDay } from './cycle.ts';
import { parseUsageItem, type RawUsageItem } from './items.ts';
import { enterpriseOrgs, insertUsageRows } from './ledger.ts';

/** Audit action of every usage recording, whichever way it came in (`data.source`: `api`, `csv` or `seed`). */
export const USAGE_AUDIT_ACTION = 'business.import_usage';

/** Most 422 error items reported for one request (the first ones, in item order). */
const MAX_REPORTED_ERRORS = 50;

/** Data of the audit event for one recording: where it came from, how many rows, and the days they cover. */
export function usageAuditData(
  enterprise: EnterpriseRow,
  source: 'api' | 'csv' | 'seed',
  imported: number,
  firstUsageDate: string | null,
  lastUsageDate: string | null,
): Record<string, unknown> {
  return { business: enterprise.slug, source, imported, first_usage_date: firstUsageDate, last_usage_date: lastUsageDate };
}

/**
 * Validates `items` and records them in the ledger in one transaction. Any invalid item answers 422 "Validation
 * Failed" with one error per invalid field (`field` is `usageItems[i].name`), and nothing is recorded.
 */
export async function recordUsage(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  items: readonly RawUsageItem[],
  actor: Actor | null,
  options: { source?: 'api' | 'seed'; seedKeys?: readonly string[] } = {},
): Promise<{ imported: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const orgs = await enterpriseOrgs(trx, enterprise.id);
    const now = ctx.clock.now();
    const itemCtx = { orgs, today: isoDay(now), mode: 'json' as const };
    const rows: NewUsageRecord[] = [];
    const errors: ValidationErrorItem[] = [];
    items.forEach((item, index) => {
      const result = parseUsageItem(item, itemCtx);
      if (result.ok) {
        rows.push({ ...result.row, enterprise_id: enterprise.id, created_at: now.toISOString(), seed_key: options.seedKeys?.[index] ?? null });
        return;
      }
      if (errors.length >= MAX_REPORTED_ERRORS) return;
      if ('unsupportedProduct' in result) {
        errors.push({ resource: 'UsageItem', field: `usageItems[${index}].product`, code: 'invalid', message: `product ${result.unsupportedProduct} is not metered` });
      } else {
        errors.push({ resource: 'UsageItem', field: `usageItems[${index}].${result.field}`, code: item[result.field] === undefined ? 'missing_field' : 'invalid', message: result.message });
      }
    });
    if (errors.length > 0) throw validationFailed(errors);
    await insertUsageRows(trx, rows);
    const days = rows.map((r) => r.usage_date).sort();
    const data = usageAuditData(enterprise, options.source ?? 'api', rows.length, days[0] ?? null, days[days.length - 1] ?? null);
    await recordAudit(trx, ctx.clock, { action: USAGE_AUDIT_ACTION, enterpriseId: enterprise.id, actor, data });
    return { imported: rows.length };
  });
}
