/**
 * What Gatehouse bills: the SKUs of the usage ledger, their list prices, minute multipliers and the allowances each
 * plan includes. Every number here comes from GitHub's billing documentation (github-semantics.md §2.2, and
 * docs.github.com "About billing for GitHub Actions" / "… for GitHub Packages", per-minute rates as listed before the
 * 2026 price change) and is documented in `README.md` beside this file.
 */

/** Ledger products (`usage_records.product`). */
export type UsageProduct = 'actions' | 'packages';

/** Ledger units (`usage_records.unit`): Actions minutes, Packages data transfer in GB, storage in GB-hours. */
export type UsageUnit = 'minutes' | 'gigabytes' | 'gigabyte_hours';

/**
 * How a SKU consumes allowances: standard hosted minutes use the included minutes through a multiplier; larger runners
 * never do ("entitlement minutes cannot be used for these larger runners"); data transfer and storage have their own
 * included amounts (storage shared by Actions and Packages).
 */
export type SkuKind = 'standard_minutes' | 'larger_minutes' | 'bandwidth' | 'storage';

export interface SkuInfo {
  readonly product: UsageProduct;
  /** Canonical ledger SKU; for minutes also the `minutes_used_breakdown` key of the legacy endpoint. */
  readonly sku: string;
  readonly unit: UsageUnit;
  readonly kind: SkuKind;
  /** Enhanced-billing SKU name (`usageItems[].sku`), e.g. `Actions Linux`, `Actions Linux 4-core`. */
  readonly label: string;
  /** US dollars per unit (per minute, per GB, per GB-hour). */
  readonly pricePerUnit: number;
  /** Included-minute multiplier (Linux 1, Windows 2, macOS 10); 0 for SKUs that never use included minutes. */
  readonly multiplier: number;
}

/** Storage is priced $0.008 per GB-day, i.e. pro rata per GB-hour. */
export const STORAGE_PRICE_PER_GB_DAY = 0.008;
const STORAGE_PRICE_PER_GB_HOUR = STORAGE_PRICE_PER_GB_DAY / 24;

const LARGER_CORES = [4, 8, 16, 32, 64] as const;
/** Per-minute list prices of larger runners (docs.github.com, "Per-minute rates for larger runners"). */
const LINUX_LARGER_PRICE: Readonly<Record<number, number>> = { 4: 0.016, 8: 0.032, 16: 0.064, 32: 0.128, 64: 0.256 };
const WINDOWS_LARGER_PRICE: Readonly<Record<number, number>> = { 4: 0.032, 8: 0.064, 16: 0.128, 32: 0.256, 64: 0.512 };

function minutesSku(sku: string, label: string, kind: SkuKind, pricePerUnit: number, multiplier: number): SkuInfo {
  return { product: 'actions', sku, unit: 'minutes', kind, label, pricePerUnit, multiplier };
}

/** Every SKU the ledger accepts, in report order (standard runners, larger runners, storage, data transfer). */
export const SKUS: readonly SkuInfo[] = [
  minutesSku('UBUNTU', 'Actions Linux', 'standard_minutes', 0.008, 1),
  minutesSku('WINDOWS', 'Actions Windows', 'standard_minutes', 0.016, 2),
  minutesSku('MACOS', 'Actions macOS', 'standard_minutes', 0.08, 10),
  ...LARGER_CORES.map((n) => minutesSku(`ubuntu_${n}_core`, `Actions Linux ${n}-core`, 'larger_minutes', LINUX_LARGER_PRICE[n] ?? 0, 0)),
  ...LARGER_CORES.map((n) => minutesSku(`windows_${n}_core`, `Actions Windows ${n}-core`, 'larger_minutes', WINDOWS_LARGER_PRICE[n] ?? 0, 0)),
  minutesSku('macos_12_core', 'Actions macOS 12-core', 'larger_minutes', 0.12, 0),
  { product: 'actions', sku: 'storage', unit: 'gigabyte_hours', kind: 'storage', label: 'Actions Storage', pricePerUnit: STORAGE_PRICE_PER_GB_HOUR, multiplier: 0 },
  { product: 'packages', sku: 'storage', unit: 'gigabyte_hours', kind: 'storage', label: 'Packages Storage', pricePerUnit: STORAGE_PRICE_PER_GB_HOUR, multiplier: 0 },
  { product: 'packages', sku: 'bandwidth', unit: 'gigabytes', kind: 'bandwidth', label: 'Packages Data Transfer', pricePerUnit: 0.5, multiplier: 0 },
];

const BY_KEY = new Map(SKUS.map((s) => [`${s.product}:${s.sku}`, s]));
const ORDER = new Map(SKUS.map((s, i) => [`${s.product}:${s.sku}`, i]));

/** The SKU a ledger row names, or undefined for rows written with a SKU Gatehouse does not price. */
export function skuInfo(product: string, sku: string): SkuInfo | undefined {
  return BY_KEY.get(`${product}:${sku}`);
}

/** Position of a SKU in report order (unknown SKUs last). */
export function skuOrder(product: string, sku: string): number {
  return ORDER.get(`${product}:${sku}`) ?? SKUS.length;
}

/** Enhanced-billing product names (`usageItems[].product`). */
export const PRODUCT_LABELS: Readonly<Record<UsageProduct, string>> = { actions: 'Actions', packages: 'Packages' };

/** Enhanced-billing unit names (`usageItems[].unitType`), as GitHub's migration guide names them. */
export const UNIT_LABELS: Readonly<Record<UsageUnit, string>> = { minutes: 'minutes', gigabytes: 'gigabytes', gigabyte_hours: 'GigabyteHours' };

/** What a plan includes each billing cycle. */
export interface PlanAllowance {
  /** Included Actions minutes, consumed with the OS multipliers. */
  readonly minutes: number;
  /** Included Packages data transfer, GB. */
  readonly bandwidthGb: number;
  /** Included storage (Actions + Packages), GB averaged over the cycle. */
  readonly storageGb: number;
}

/**
 * Allowances per plan (github-semantics §2.2): Free 2,000 min / 1 GB transfer / 500 MB storage; Pro 3,000 / 10 GB / 1 GB;
 * Team 3,000 / 10 GB / 2 GB; GitHub Enterprise Cloud 50,000 / 100 GB / 50 GB.
 */
export const PLAN_ALLOWANCES: Readonly<Record<string, PlanAllowance>> = {
  free: { minutes: 2000, bandwidthGb: 1, storageGb: 0.5 },
  pro: { minutes: 3000, bandwidthGb: 10, storageGb: 1 },
  team: { minutes: 3000, bandwidthGb: 10, storageGb: 2 },
  enterprise: { minutes: 50000, bandwidthGb: 100, storageGb: 50 },
};

/** The allowance of `plan`; enterprises are created on `enterprise`, and an unrecognised plan name is treated as that. */
export function planAllowance(plan: string): PlanAllowance {
  return PLAN_ALLOWANCES[plan.toLowerCase()] ?? PLAN_ALLOWANCES.enterprise ?? { minutes: 50000, bandwidthGb: 100, storageGb: 50 };
}
