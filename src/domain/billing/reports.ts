/**
 * Billing reports computed from the usage ledger through the pricing engine:
 * - the three legacy endpoints (`…/settings/billing/actions|packages|shared-storage`, `@octokit/openapi@21` schemas
 *   `actions-billing-usage`, `packages-billing-usage`, `combined-billing-usage`) for the current billing cycle;
 * - the enhanced-billing usage report and summary (`…/settings/billing/usage[/summary]`, current ghec schemas).
 * Integer fields of the legacy schemas are rounded to the nearest integer (halves up) after summing the exact values;
 * README.md beside this file lists every decision.
 */
import type { EnterpriseRow } from '../../storage/tables.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { DomainContext } from '../context.ts';
import { PRODUCT_LABELS, SKUS, UNIT_LABELS, planAllowance } from './catalog.ts';
import { currentCycle, cyclesOverlapping, daysLeftInCycle, isCalendarDay, isoDay, nextDay, type BillingCycle } from './cycle.ts';
import { usageGroups } from './ledger.ts';
import { money, priceUsage, type PricedItem } from './pricing.ts';

/** `actions-billing-usage` (legacy). */
export interface ActionsBillingUsage {
  total_minutes_used: number;
  total_paid_minutes_used: number;
  included_minutes: number;
  minutes_used_breakdown: Record<string, number>;
}

/** `packages-billing-usage` (legacy); the fields are data transfer, whatever the schema's descriptions say. */
export interface PackagesBillingUsage {
  total_gigabytes_bandwidth_used: number;
  total_paid_gigabytes_bandwidth_used: number;
  included_gigabytes_bandwidth: number;
}

/** `combined-billing-usage` (legacy). */
export interface CombinedBillingUsage {
  days_left_in_billing_cycle: number;
  estimated_paid_storage_for_month: number;
  estimated_storage_for_month: number;
}

async function pricedCurrentCycle(ctx: DomainContext, enterprise: EnterpriseRow): Promise<{ cycle: BillingCycle; items: PricedItem[] }> {
  const cycle = currentCycle(ctx.clock.now(), enterprise.billing_cycle_day);
  const groups = await usageGroups(ctx.db, enterprise.id, cycle.start, cycle.end);
  return { cycle, items: priceUsage(groups, planAllowance(enterprise.plan), [cycle]) };
}

/** Nearest integer, halves up; every legacy field is an integer in the schema. */
const whole = (n: number): number => Math.round(n + 1e-9);

/**
 * Actions minutes of the current cycle on GitHub-hosted runners, without multipliers and not rounded per job.
 * `total_minutes_used` counts private and public repositories (public standard-runner minutes are free minutes);
 * self-hosted minutes are not listed. `total_paid_minutes_used` is what neither public-repository exemption nor the
 * included minutes covered (every larger-runner minute). `minutes_used_breakdown` always has `UBUNTU`, `MACOS`,
 * `WINDOWS` and `total`, plus each larger-runner key with usage.
 */
export async function actionsBilling(ctx: DomainContext, enterprise: EnterpriseRow): Promise<ActionsBillingUsage> {
  const { items } = await pricedCurrentCycle(ctx, enterprise);
  const minutes = items.filter((i) => i.sku.unit === 'minutes');
  const bySku = new Map<string, number>();
  let total = 0;
  let paid = 0;
  for (const i of minutes) {
    bySku.set(i.sku.sku, (bySku.get(i.sku.sku) ?? 0) + i.quantity);
    total += i.quantity;
    paid += i.quantity - i.discountQuantity;
  }
  const breakdown: Record<string, number> = { UBUNTU: 0, MACOS: 0, WINDOWS: 0 };
  for (const s of SKUS) {
    const used = bySku.get(s.sku);
    if (s.unit === 'minutes' && used !== undefined) breakdown[s.sku] = whole(used);
  }
  breakdown.total = whole(total);
  return {
    total_minutes_used: whole(total),
    total_paid_minutes_used: whole(paid),
    included_minutes: planAllowance(enterprise.plan).minutes,
    minutes_used_breakdown: breakdown,
  };
}

/** Packages data transfer of the current cycle, GB; public-repository transfer counts as used but is never paid. */
export async function packagesBilling(ctx: DomainContext, enterprise: EnterpriseRow): Promise<PackagesBillingUsage> {
  const { items } = await pricedCurrentCycle(ctx, enterprise);
  let total = 0;
  let paid = 0;
  for (const i of items.filter((x) => x.sku.kind === 'bandwidth')) {
    total += i.quantity;
    paid += i.quantity - i.discountQuantity;
  }
  return {
    total_gigabytes_bandwidth_used: whole(total),
    total_paid_gigabytes_bandwidth_used: whole(paid),
    included_gigabytes_bandwidth: whole(planAllowance(enterprise.plan).bandwidthGb),
  };
}

/**
 * Actions + Packages storage for the cycle, GB: GB-hours recorded in the cycle ÷ hours in the cycle
 * ("Storage is averaged from hourly GB-hours"); paid is the average above the included storage (public-repository
 * storage is free). Days left: see `daysLeftInCycle`.
 */
export async function sharedStorageBilling(ctx: DomainContext, enterprise: EnterpriseRow): Promise<CombinedBillingUsage> {
  const { cycle, items } = await pricedCurrentCycle(ctx, enterprise);
  const hours = cycle.days * 24;
  let gbHours = 0;
  let paidGbHours = 0;
  for (const i of items.filter((x) => x.sku.kind === 'storage')) {
    gbHours += i.quantity;
    paidGbHours += i.quantity - i.discountQuantity;
  }
  return {
    days_left_in_billing_cycle: daysLeftInCycle(ctx.clock.now(), cycle),
    estimated_paid_storage_for_month: whole(paidGbHours / hours),
    estimated_storage_for_month: whole(gbHours / hours),
  };
}

/** A report's time period: `year`, optionally `month`, optionally `day`, as the half-open day range `[from, to)`. */
export interface ReportPeriod {
  readonly year: number;
  readonly month?: number;
  readonly day?: number;
  readonly from: string;
  readonly to: string;
}

export interface PeriodQuery {
  year?: number | undefined;
  month?: number | undefined;
  day?: number | undefined;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Resolves the `year`/`month`/`day` query of the usage endpoints (ghec parameters `billing-usage-report-*`): the year
 * defaults to the current one; a `day` without `month` uses the current month. With `monthDefaultsToCurrent` (the
 * summary), a request naming no year and no month covers the current month. Bad values answer 400.
 */
export function resolvePeriod(query: PeriodQuery, now: Date, monthDefaultsToCurrent: boolean): ReportPeriod {
  const year = query.year ?? now.getUTCFullYear();
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new ApiError(400, 'year must be a four-digit year', { code: 'bad_period' });
  let month = query.month;
  if (month === undefined && (query.day !== undefined || (monthDefaultsToCurrent && query.year === undefined))) month = now.getUTCMonth() + 1;
  if (month !== undefined && (!Number.isInteger(month) || month < 1 || month > 12)) {
    throw new ApiError(400, 'month must be an integer between 1 and 12', { code: 'bad_period' });
  }
  if (month === undefined) return { year, from: `${pad(year, 4)}-01-01`, to: `${pad(year + 1, 4)}-01-01` };
  const first = `${pad(year, 4)}-${pad(month)}-01`;
  const nextMonth = month === 12 ? `${pad(year + 1, 4)}-01-01` : `${pad(year, 4)}-${pad(month + 1)}-01`;
  if (query.day === undefined) return { year, month, from: first, to: nextMonth };
  const day = `${pad(year, 4)}-${pad(month)}-${pad(query.day)}`;
  if (!Number.isInteger(query.day) || !isCalendarDay(day)) throw new ApiError(400, `day must be a day of ${pad(year, 4)}-${pad(month)}`, { code: 'bad_period' });
  return { year, month, day: query.day, from: day, to: nextDay(day) };
}

/** Priced items of the period; quotas are consumed from the start of each cycle the period touches. */
async function pricedPeriod(ctx: DomainContext, enterprise: EnterpriseRow, period: ReportPeriod): Promise<PricedItem[]> {
  const cycles = cyclesOverlapping(period.from, period.to, enterprise.billing_cycle_day);
  const first = cycles[0];
  const last = cycles[cycles.length - 1];
  if (first === undefined || last === undefined) return [];
  const groups = await usageGroups(ctx.db, enterprise.id, first.start, last.end);
  return priceUsage(groups, planAllowance(enterprise.plan), cycles).filter((i) => i.date >= period.from && i.date < period.to);
}

/** One `billing-usage-report` item. */
export interface UsageReportItem {
  date: string;
  product: string;
  sku: string;
  quantity: number;
  unitType: string;
  pricePerUnit: number;
  grossAmount: number;
  discountAmount: number;
  netAmount: number;
  organizationName: string;
  repositoryName?: string;
}

const unitPrice = (p: number): number => Math.round(p * 1e10) / 1e10;

/** True when the cost-center filter selects the ledger's usage: no cost centers exist, so only "none" / absent do. */
function costCenterMatches(costCenterId: string | undefined): boolean {
  return costCenterId === undefined || costCenterId === '' || costCenterId.toLowerCase() === 'none';
}

/**
 * The enhanced-billing usage report: one item per day, product, SKU, organization and repository, with list prices and
 * the included-quota discounts. `quantity` is an integer in the schema, so it is rounded (amounts use the exact
 * quantity). Usage not tied to an organization has `organizationName: ""`. Gatehouse has no cost centers, so every
 * item is "usage with no cost center": a `cost_center_id` other than `none` selects nothing.
 */
export async function usageReport(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  period: ReportPeriod,
  costCenterId: string | undefined,
): Promise<{ usageItems: UsageReportItem[] }> {
  if (!costCenterMatches(costCenterId)) return { usageItems: [] };
  const items = await pricedPeriod(ctx, enterprise, period);
  return {
    usageItems: items.map((i) => {
      const gross = money(i.grossAmount);
      const discount = money(i.discountAmount);
      const out: UsageReportItem = {
        date: i.date,
        product: PRODUCT_LABELS[i.sku.product],
        sku: i.sku.label,
        quantity: Math.round(i.quantity),
        unitType: UNIT_LABELS[i.sku.unit],
        pricePerUnit: unitPrice(i.sku.pricePerUnit),
        grossAmount: gross,
        discountAmount: discount,
        netAmount: money(gross - discount),
        organizationName: i.organization ?? '',
      };
      if (i.repository !== null) out.repositoryName = i.repository;
      return out;
    }),
  };
}

export interface SummaryFilter {
  organization?: string | undefined;
  repository?: string | undefined;
  product?: string | undefined;
  sku?: string | undefined;
  costCenterId?: string | undefined;
}

/** One `billing-usage-summary-report-ghe` item. */
export interface SummaryItem {
  product: string;
  sku: string;
  unitType: string;
  pricePerUnit: number;
  grossQuantity: number;
  grossAmount: number;
  discountQuantity: number;
  discountAmount: number;
  netQuantity: number;
  netAmount: number;
}

export interface UsageSummary {
  timePeriod: { year: number; month?: number; day?: number };
  enterprise: string;
  organization?: string;
  repository?: string;
  product?: string;
  sku?: string;
  usageItems: SummaryItem[];
}

const quantity = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Matches a SKU filter against the SKU's report name, ledger name, or enhanced-CSV name (`actions_linux`). */
function skuMatches(filter: string, item: PricedItem): boolean {
  const f = filter.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const label = item.sku.label.toLowerCase().replace(/[\s-]+/g, '_');
  return f === label || f === item.sku.sku.toLowerCase() || f === `${item.sku.product}_${item.sku.sku.toLowerCase()}`;
}

/**
 * The enhanced-billing usage summary: usage of the period summed per product and SKU, optionally narrowed to one
 * organization (case-insensitive), repository (`owner/name`), product (case-insensitive) or SKU. Discounts are
 * computed over the whole enterprise before narrowing, so a narrowed summary shows the discounts that usage received.
 */
export async function usageSummary(ctx: DomainContext, enterprise: EnterpriseRow, period: ReportPeriod, filter: SummaryFilter): Promise<UsageSummary> {
  const summary: UsageSummary = { timePeriod: { year: period.year }, enterprise: enterprise.name, usageItems: [] };
  if (period.month !== undefined) summary.timePeriod.month = period.month;
  if (period.day !== undefined) summary.timePeriod.day = period.day;
  if (filter.organization !== undefined) summary.organization = filter.organization;
  if (filter.repository !== undefined) summary.repository = filter.repository;
  if (filter.product !== undefined) summary.product = filter.product;
  if (filter.sku !== undefined) summary.sku = filter.sku;
  if (!costCenterMatches(filter.costCenterId)) return summary;

  const items = (await pricedPeriod(ctx, enterprise, period)).filter(
    (i) =>
      (filter.organization === undefined || (i.organization ?? '').toLowerCase() === filter.organization.toLowerCase()) &&
      (filter.repository === undefined || (i.repository ?? '').toLowerCase() === filter.repository.toLowerCase()) &&
      (filter.product === undefined || PRODUCT_LABELS[i.sku.product].toLowerCase() === filter.product.trim().toLowerCase()) &&
      (filter.sku === undefined || skuMatches(filter.sku, i)),
  );
  for (const s of SKUS) {
    const mine = items.filter((i) => i.sku === s);
    if (mine.length === 0) continue;
    const sum = (f: (i: PricedItem) => number): number => mine.reduce((acc, i) => acc + f(i), 0);
    const gross = money(sum((i) => i.grossAmount));
    const discount = money(sum((i) => i.discountAmount));
    const grossQuantity = quantity(sum((i) => i.quantity));
    const discountQuantity = quantity(sum((i) => i.discountQuantity));
    summary.usageItems.push({
      product: PRODUCT_LABELS[s.product],
      sku: s.label,
      unitType: UNIT_LABELS[s.unit],
      pricePerUnit: unitPrice(s.pricePerUnit),
      grossQuantity,
      grossAmount: gross,
      discountQuantity,
      discountAmount: discount,
      netQuantity: quantity(grossQuantity - discountQuantity),
      netAmount: money(gross - discount),
    });
  }
  return summary;
}

/** Today's day, UTC, for validation against the clock. */
export function todayOf(ctx: DomainContext): string {
  return isoDay(ctx.clock.now());
}
