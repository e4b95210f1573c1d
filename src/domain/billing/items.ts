/**
 * Validation and normalisation of one usage item, shared by the admin endpoint (JSON values) and the CSV import
 * (text cells). Both accept GitHub's own spellings so a GitHub usage report can be fed back in unchanged:
 * products `Actions`/`actions`/`Packages`/`Shared Storage`; SKUs in the legacy report form (`Compute - UBUNTU`,
 * `Compute - UBUNTU_4_CORE`), the enhanced report form (`actions_linux`, `actions_linux_4_core`, `actions_storage`,
 * `packages_data_transfer`), the REST form (`Actions Linux`, `Actions Linux 4-core`) and the ledger form (`UBUNTU`,
 * `ubuntu_4_core`); units `minutes`/`minute`, `gigabytes`/`gb`, `GigabyteHours`/`gigabyte-hours`, and the legacy
 * report's `gb-day` (converted to GB-hours). See README.md for the full table.
 */
import type { NewUsageRecord } from '../../storage/tables.ts';
import { skuInfo, type SkuInfo, type UsageProduct, type UsageUnit } from './catalog.ts';
import { isCalendarDay } from './cycle.ts';

/** One usage item as the admin endpoint's body names its fields. */
export interface RawUsageItem {
  date?: unknown;
  product?: unknown;
  sku?: unknown;
  quantity?: unknown;
  unitType?: unknown;
  organizationName?: unknown;
  repositoryName?: unknown;
  selfHosted?: unknown;
  publicRepository?: unknown;
}

export type UsageField = keyof RawUsageItem;

/** An organization of the enterprise, for resolving `organizationName` and repository owners. */
export interface OrgRef {
  readonly id: number;
  readonly login: string;
}

export interface ItemContext {
  /** Organizations of the enterprise, keyed by lower-cased login. */
  readonly orgs: ReadonlyMap<string, OrgRef>;
  /** Today (UTC, `YYYY-MM-DD`): usage cannot be recorded for a later day. */
  readonly today: string;
  /** `json`: values must have their JSON types; `csv`: every value is text. */
  readonly mode: 'json' | 'csv';
}

/** A validated ledger row, without the enterprise and creation time the caller adds. */
export type UsageRowDraft = Omit<NewUsageRecord, 'enterprise_id' | 'created_at'>;

export type ItemResult =
  | { readonly ok: true; readonly row: UsageRowDraft }
  /** The item is for a product Gatehouse does not meter (Copilot, Codespaces, Git LFS…). */
  | { readonly ok: false; readonly unsupportedProduct: string }
  | { readonly ok: false; readonly field: UsageField; readonly message: string };

const MAX_SHOWN = 60;

/** A value quoted for an error message, shortened so a hostile cell cannot flood the message. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}

function squash(text: string): string {
  return text.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Product names → ledger product; `shared_storage` is the legacy report's combined storage product. */
function canonicalProduct(text: string): UsageProduct | 'shared_storage' | undefined {
  const p = squash(text).replace(/^github_/, '');
  if (p === 'actions') return 'actions';
  if (p === 'packages') return 'packages';
  if (p === 'shared_storage') return 'shared_storage';
  return undefined;
}

/** SKU names (any of the accepted spellings) → ledger SKU for `product`. */
function canonicalSku(product: UsageProduct | 'shared_storage', text: string): SkuInfo | undefined {
  let s = squash(text).replace(/^compute_/, '');
  if (product === 'shared_storage') return s === 'shared_storage' || s === 'storage' ? skuInfo('actions', 'storage') : undefined;
  if (product === 'actions') {
    s = s.replace(/^actions_/, '');
    if (s === 'ubuntu' || s === 'linux') return skuInfo('actions', 'UBUNTU');
    if (s === 'windows') return skuInfo('actions', 'WINDOWS');
    if (s === 'macos' || s === 'mac_os' || s === 'osx') return skuInfo('actions', 'MACOS');
    if (s === 'storage' || s === 'shared_storage') return skuInfo('actions', 'storage');
    const larger = /^(ubuntu|linux|windows|macos)_(\d+)_cores?$/.exec(s);
    if (larger !== null) {
      const os = larger[1] === 'linux' ? 'ubuntu' : larger[1];
      return skuInfo('actions', `${os ?? ''}_${larger[2] ?? ''}_core`);
    }
    return undefined;
  }
  s = s.replace(/^packages_/, '');
  if (s === 'storage') return skuInfo('packages', 'storage');
  if (s === 'bandwidth' || s === 'data_transfer' || s === 'data_transfer_out' || s === 'transfer') return skuInfo('packages', 'bandwidth');
  return undefined;
}

/** Unit names → ledger unit, plus `gigabyte_days` (legacy shared storage), which is converted to GB-hours. */
function canonicalUnit(text: string): UsageUnit | 'gigabyte_days' | undefined {
  const u = squash(text).replace(/_/g, '');
  if (u === 'minutes' || u === 'minute' || u === 'min' || u === 'mins') return 'minutes';
  if (u === 'gigabytes' || u === 'gigabyte' || u === 'gb') return 'gigabytes';
  if (u === 'gigabytehours' || u === 'gigabytehour' || u === 'gbhours' || u === 'gbhour') return 'gigabyte_hours';
  if (u === 'gigabytedays' || u === 'gigabyteday' || u === 'gbdays' || u === 'gbday') return 'gigabyte_days';
  return undefined;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f', '']);

function parseBool(value: unknown, mode: ItemContext['mode']): boolean | undefined {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (mode === 'csv' && typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (TRUE_WORDS.has(v)) return true;
    if (FALSE_WORDS.has(v)) return false;
  }
  return undefined;
}

function parseQuantity(value: unknown, mode: ItemContext['mode']): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (mode === 'csv' && typeof value === 'string') {
    const v = value.trim();
    if (!/^\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v)) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function optionalText(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return null;
  const v = value.trim();
  return v === '' ? undefined : v;
}

const REPO_PART = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Validates one usage item and maps it to a ledger row. Rules: `date` is a calendar day `YYYY-MM-DD` (an ISO
 * timestamp is cut to its day), not after today; `quantity` ≥ 0; the unit must be the SKU's unit; `selfHosted` only
 * for standard Actions minutes (larger runners are GitHub-hosted by definition); `organizationName` must be an
 * organization of the enterprise; `repositoryName` is `owner/name` or, with an organization, a bare name.
 */
export function parseUsageItem(item: RawUsageItem, ctx: ItemContext): ItemResult {
  const fail = (field: UsageField, message: string): ItemResult => ({ ok: false, field, message });

  if (typeof item.date !== 'string' || item.date.trim() === '') return fail('date', 'date is required (YYYY-MM-DD)');
  const dateText = item.date.trim();
  const day = /^\d{4}-\d{2}-\d{2}T/.test(dateText) && !Number.isNaN(Date.parse(dateText)) ? dateText.slice(0, 10) : dateText;
  if (!isCalendarDay(day)) return fail('date', `date ${shown(item.date)} is not a calendar day written YYYY-MM-DD`);
  if (day > ctx.today) return fail('date', `date ${day} is in the future (today is ${ctx.today})`);

  if (typeof item.product !== 'string' || item.product.trim() === '') return fail('product', 'product is required');
  const product = canonicalProduct(item.product);
  if (product === undefined) {
    if (ctx.mode === 'csv') return { ok: false, unsupportedProduct: item.product.trim() };
    return fail('product', `product ${shown(item.product)} is not metered by Gatehouse (use Actions or Packages)`);
  }

  if (typeof item.sku !== 'string' || item.sku.trim() === '') return fail('sku', 'sku is required');
  const sku = canonicalSku(product, item.sku);
  if (sku === undefined) return fail('sku', `sku ${shown(item.sku)} is not a ${product === 'packages' ? 'Packages' : 'Actions'} SKU Gatehouse prices`);

  let quantity = parseQuantity(item.quantity, ctx.mode);
  if (quantity === undefined) return fail('quantity', `quantity ${shown(item.quantity ?? '')} is not a non-negative number`);

  if (typeof item.unitType !== 'string' || item.unitType.trim() === '') return fail('unitType', 'unitType is required');
  const unit = canonicalUnit(item.unitType);
  if (unit === 'gigabyte_days' && sku.unit === 'gigabyte_hours') {
    quantity *= 24;
  } else if (unit !== sku.unit) {
    return fail('unitType', `unitType ${shown(item.unitType)} does not fit sku ${shown(item.sku)}, which is measured in ${sku.unit}`);
  }

  const selfHosted = parseBool(item.selfHosted, ctx.mode);
  if (selfHosted === undefined) return fail('selfHosted', `selfHosted ${shown(item.selfHosted)} is not a boolean`);
  if (selfHosted && sku.kind !== 'standard_minutes') {
    return fail('selfHosted', `selfHosted applies only to Actions minutes on UBUNTU, WINDOWS or MACOS runners, not ${sku.label}`);
  }
  const publicRepository = parseBool(item.publicRepository, ctx.mode);
  if (publicRepository === undefined) return fail('publicRepository', `publicRepository ${shown(item.publicRepository)} is not a boolean`);

  const orgName = optionalText(item.organizationName);
  if (orgName === null) return fail('organizationName', 'organizationName must be a string');
  let org: OrgRef | undefined;
  if (orgName !== undefined) {
    org = ctx.orgs.get(orgName.toLowerCase());
    if (org === undefined) return fail('organizationName', `organization ${shown(orgName)} is not an organization of this enterprise`);
  }

  const repoName = optionalText(item.repositoryName);
  if (repoName === null) return fail('repositoryName', 'repositoryName must be a string');
  let repository: string | null = null;
  if (repoName !== undefined) {
    const parts = repoName.split('/');
    if (parts.length === 1 && org !== undefined) parts.unshift(org.login);
    if (parts.length !== 2 || !parts.every((p) => REPO_PART.test(p))) {
      return fail('repositoryName', `repositoryName ${shown(repoName)} is not owner/name${org === undefined ? ' (a bare name needs an organization)' : ''}`);
    }
    repository = parts.join('/');
    // A repository owned by one of the enterprise's organizations attributes the usage to it.
    if (org === undefined) org = ctx.orgs.get((parts[0] ?? '').toLowerCase());
  }

  return {
    ok: true,
    row: {
      org_id: org?.id ?? null,
      repository,
      usage_date: day,
      product: sku.product,
      sku: sku.sku,
      unit: sku.unit,
      quantity,
      self_hosted: selfHosted ? 1 : 0,
      public_repository: publicRepository ? 1 : 0,
      runner_id: null,
    },
  };
}
