/**
 * The pricing engine: turns ledger usage into priced line items with GitHub's list prices and the discounts that the
 * plan's included quotas give. Both the legacy endpoints and the enhanced-billing report are derived from its output,
 * so they always agree (github-semantics §2.3 maps one onto the other).
 *
 * Rules (github-semantics §2.2):
 * - Included minutes are consumed with the multipliers (Linux 1, Windows 2, macOS 10) by private-repository usage on
 *   standard hosted runners, in date order (then SKU, organization, repository order within a day); a cycle's quota
 *   resets at the next cycle.
 * - Larger runners never use included minutes and are always paid, public repositories included.
 * - Public-repository usage of standard runners, Packages data transfer and storage is free: fully discounted, and it
 *   does not consume the included quotas.
 * - Included data transfer (GB) and storage (GB averaged over the cycle, i.e. GB × hours in the cycle, shared by
 *   Actions and Packages) are consumed the same way as minutes.
 * Quantities stay in the ledger's units without multipliers ("does not include the multiplier … not rounded up").
 */
import { skuInfo, skuOrder, type PlanAllowance, type SkuInfo } from './catalog.ts';
import type { BillingCycle } from './cycle.ts';
import type { UsageGroup } from './ledger.ts';

export interface PricedItem {
  readonly date: string;
  readonly sku: SkuInfo;
  readonly organization: string | null;
  readonly repository: string | null;
  /** Total quantity, in the SKU's unit. */
  readonly quantity: number;
  /** Free quantity: public-repository usage plus what the included quota covered. */
  readonly discountQuantity: number;
  readonly grossAmount: number;
  readonly discountAmount: number;
  readonly netAmount: number;
}

interface Accumulated {
  date: string;
  sku: SkuInfo;
  organization: string | null;
  repository: string | null;
  publicQuantity: number;
  privateQuantity: number;
}

/** Merges public and private usage of the same (day, SKU, organization, repository); drops SKUs Gatehouse does not price. */
function accumulate(groups: readonly UsageGroup[]): Accumulated[] {
  const byKey = new Map<string, Accumulated>();
  for (const g of groups) {
    const sku = skuInfo(g.product, g.sku);
    if (sku === undefined) continue;
    const key = JSON.stringify([g.usage_date, g.product, g.sku, g.org_login, g.repository]);
    let acc = byKey.get(key);
    if (acc === undefined) {
      acc = { date: g.usage_date, sku, organization: g.org_login, repository: g.repository, publicQuantity: 0, privateQuantity: 0 };
      byKey.set(key, acc);
    }
    if (g.public_repository === 1) acc.publicQuantity += g.quantity;
    else acc.privateQuantity += g.quantity;
  }
  return [...byKey.values()].sort(
    (a, b) =>
      compare(a.date, b.date) ||
      skuOrder(a.sku.product, a.sku.sku) - skuOrder(b.sku.product, b.sku.sku) ||
      compare(a.organization ?? '', b.organization ?? '') ||
      compare(a.repository ?? '', b.repository ?? ''),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Prices usage. `groups` must cover every cycle in `cycles` from its first day (a quota is consumed from the start of
 * its cycle); items outside every cycle are priced without quota.
 */
export function priceUsage(groups: readonly UsageGroup[], allowance: PlanAllowance, cycles: readonly BillingCycle[]): PricedItem[] {
  const out: PricedItem[] = [];
  let cycle: BillingCycle | undefined;
  let minutesLeft = 0;
  let bandwidthLeft = 0;
  let storageLeft = 0;
  for (const item of accumulate(groups)) {
    if (cycle === undefined || item.date < cycle.start || item.date >= cycle.end) {
      cycle = cycles.find((c) => item.date >= c.start && item.date < c.end);
      minutesLeft = cycle === undefined ? 0 : allowance.minutes;
      bandwidthLeft = cycle === undefined ? 0 : allowance.bandwidthGb;
      storageLeft = cycle === undefined ? 0 : allowance.storageGb * 24 * cycle.days;
    }
    let covered = 0;
    switch (item.sku.kind) {
      case 'standard_minutes':
        covered = Math.min(item.privateQuantity, minutesLeft / item.sku.multiplier);
        minutesLeft = Math.max(0, minutesLeft - covered * item.sku.multiplier);
        break;
      case 'larger_minutes':
        covered = 0;
        break;
      case 'bandwidth':
        covered = Math.min(item.privateQuantity, bandwidthLeft);
        bandwidthLeft -= covered;
        break;
      case 'storage':
        covered = Math.min(item.privateQuantity, storageLeft);
        storageLeft -= covered;
        break;
    }
    // Larger runners are paid even in public repositories.
    const free = item.sku.kind === 'larger_minutes' ? 0 : item.publicQuantity + covered;
    const quantity = item.publicQuantity + item.privateQuantity;
    const price = item.sku.pricePerUnit;
    out.push({
      date: item.date,
      sku: item.sku,
      organization: item.organization,
      repository: item.repository,
      quantity,
      discountQuantity: free,
      grossAmount: quantity * price,
      discountAmount: free * price,
      netAmount: (quantity - free) * price,
    });
  }
  return out;
}

/** Rounds a dollar amount to a millionth, removing floating-point noise without losing sub-cent prices. */
export function money(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
