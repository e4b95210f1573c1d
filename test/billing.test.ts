/**
 * Enterprise billing over HTTP: the legacy actions/packages/shared-storage endpoints computed from the usage ledger,
 * the enhanced-billing usage report and summary, recording usage through the admin endpoint and through the CSV import.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { importUsageCsv, UsageImportError } from '../src/domain/billing/import.ts';
import type { ActionsBillingUsage, CombinedBillingUsage, PackagesBillingUsage, UsageReportItem } from '../src/domain/billing/reports.ts';
import type { EnterpriseRow, NewUsageRecord } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const ACTIONS = '/enterprises/{enterprise}/settings/billing/actions';
const PACKAGES = '/enterprises/{enterprise}/settings/billing/packages';
const STORAGE = '/enterprises/{enterprise}/settings/billing/shared-storage';
const USAGE = '/enterprises/{enterprise}/settings/billing/usage';
const SUMMARY = '/enterprises/{enterprise}/settings/billing/usage/summary';

const path = (template: string, enterprise: EnterpriseRow): string => template.replace('{enterprise}', enterprise.slug);

type BillingMethod<T> = (params: { enterprise: string }) => Promise<{ status: number; data: T }>;

/**
 * The enterprise-cloud plugin adds `billing.get…Ghe` at run time but types itself as `Record<string, Function>`, which
 * @octokit/rest's own `billing` typing hides; this restores the types of the three legacy methods.
 */
function legacyBilling(octokit: ReturnType<typeof octokitFor>) {
  return octokit.billing as unknown as {
    getGithubActionsBillingGhe: BillingMethod<ActionsBillingUsage>;
    getGithubPackagesBillingGhe: BillingMethod<PackagesBillingUsage>;
    getSharedStorageBillingGhe: BillingMethod<CombinedBillingUsage>;
  };
}

interface UsageItem {
  date: string;
  product: string;
  sku: string;
  quantity: number;
  unitType: string;
  organizationName?: string;
  repositoryName?: string;
  selfHosted?: boolean;
  publicRepository?: boolean;
}

describe(`billing (${storageKind})`, () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function ledgerCount(enterprise: EnterpriseRow): Promise<number> {
    const row = await t.ctx.db
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('enterprise_id', '=', enterprise.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function setPlan(enterprise: EnterpriseRow, plan: string, cycleDay = 1): Promise<void> {
    await t.ctx.db.updateTable('enterprises').set({ plan, billing_cycle_day: cycleDay }).where('id', '=', enterprise.id).execute();
  }

  async function post(seed: SeededEnterprise, usageItems: unknown, token = seed.ownerToken) {
    return t.request('POST', path(USAGE, seed.enterprise), { token, body: { usageItems } });
  }

  async function get(template: string, seed: SeededEnterprise, query = '', token = seed.ownerToken) {
    return t.request('GET', `${path(template, seed.enterprise)}${query}`, { token });
  }

  /** A runner-side job report row, as the runner engineer writes it: self-hosted Actions minutes. */
  async function runnerSideRow(seed: SeededEnterprise, date: string, minutes: number): Promise<void> {
    const row: NewUsageRecord = {
      enterprise_id: seed.enterprise.id,
      org_id: seed.org.id,
      repository: `${seed.org.login}/app`,
      usage_date: date,
      product: 'actions',
      sku: 'UBUNTU',
      unit: 'minutes',
      quantity: minutes,
      self_hosted: 1,
      public_repository: 0,
      runner_id: null,
      created_at: t.clock.now().toISOString(),
    };
    await t.ctx.db.insertInto('usage_records').values(row).execute();
  }

  /**
   * A Team-plan enterprise (3,000 minutes, 10 GB transfer, 2 GB storage included) with a ledger spanning the
   * October/November cycle boundary. The clock is 2026-11-15.
   */
  async function seededLedger(): Promise<SeededEnterprise> {
    const seed = await seedEnterprise(t.ctx);
    await setPlan(seed.enterprise, 'team');
    const org = seed.org.login;
    const repo = `${org}/app`;
    const items: UsageItem[] = [
      // Last cycle: excluded from the current-cycle endpoints.
      { date: '2026-10-31', product: 'Actions', sku: 'UBUNTU', quantity: 5000, unitType: 'minutes', organizationName: org, repositoryName: repo },
      { date: '2026-10-20', product: 'Packages', sku: 'bandwidth', quantity: 50, unitType: 'gigabytes', organizationName: org },
      { date: '2026-10-31', product: 'Actions', sku: 'storage', quantity: 99999, unitType: 'gigabyte_hours', organizationName: org },
      // 1,000 Linux minutes use 1,000 included minutes (2,000 left).
      { date: '2026-11-01', product: 'Actions', sku: 'UBUNTU', quantity: 1000, unitType: 'minutes', organizationName: org, repositoryName: repo },
      // 500 Windows minutes × 2 use 1,000 (1,000 left).
      { date: '2026-11-02', product: 'Actions', sku: 'WINDOWS', quantity: 500, unitType: 'minutes', organizationName: org, repositoryName: repo },
      // 150 macOS minutes × 10 would need 1,500: 100 are covered, 50 are paid.
      { date: '2026-11-03', product: 'Actions', sku: 'MACOS', quantity: 150, unitType: 'minutes', organizationName: org, repositoryName: repo },
      // Public repository, standard runner: free, consumes nothing.
      { date: '2026-11-04', product: 'Actions', sku: 'UBUNTU', quantity: 200, unitType: 'minutes', repositoryName: `${org}/oss`, publicRepository: true },
      // Larger runners: always paid, even in a public repository.
      { date: '2026-11-06', product: 'Actions', sku: 'ubuntu_4_core', quantity: 40, unitType: 'minutes', organizationName: org, repositoryName: repo },
      { date: '2026-11-07', product: 'Actions', sku: 'macos_12_core', quantity: 10, unitType: 'minutes', repositoryName: `${org}/oss`, publicRepository: true },
      // Quota exhausted: all paid, fractional minutes kept.
      { date: '2026-11-08', product: 'Actions', sku: 'UBUNTU', quantity: 100.4, unitType: 'minutes', organizationName: org, repositoryName: repo },
      // Transfer: 8 + 5 private against 10 included (3 paid); 4 public free.
      { date: '2026-11-02', product: 'Packages', sku: 'bandwidth', quantity: 8, unitType: 'gigabytes', organizationName: org },
      { date: '2026-11-03', product: 'Packages', sku: 'bandwidth', quantity: 5, unitType: 'gigabytes', organizationName: org },
      { date: '2026-11-04', product: 'Packages', sku: 'bandwidth', quantity: 4, unitType: 'gigabytes', organizationName: org, publicRepository: true },
      // Storage: 3,600 GB-hours private + 720 public over a 720-hour cycle = 6 GB; 2 GB (1,440 GB-hours) included.
      { date: '2026-11-01', product: 'Actions', sku: 'storage', quantity: 3600, unitType: 'gigabyte_hours', organizationName: org },
      { date: '2026-11-01', product: 'Packages', sku: 'storage', quantity: 720, unitType: 'gigabyte_hours', organizationName: org, publicRepository: true },
    ];
    const res = await post(seed, items);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body, { imported: items.length });
    // Self-hosted minutes reported by the runner side: recorded, never billed.
    await runnerSideRow(seed, '2026-11-05', 300);
    return seed;
  }

  it('computes Actions billing for the current cycle: multipliers, larger runners, public and self-hosted free', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seededLedger();
    const res = await get(ACTIONS, seed);
    assert.equal(res.status, 200);
    assertSchema('ghec-21', 'GET', ACTIONS, 200, res.body);
    assert.deepEqual(res.body, {
      total_minutes_used: 2000, // 1000 + 500 + 150 + 200 + 40 + 10 + 100.4, no multipliers, October and self-hosted excluded
      total_paid_minutes_used: 200, // 50 macOS + 40 + 10 larger + 100.4 after the quota ran out
      included_minutes: 3000,
      minutes_used_breakdown: { UBUNTU: 1300, MACOS: 150, WINDOWS: 500, ubuntu_4_core: 40, macos_12_core: 10, total: 2000 },
    });
  });

  it('computes Packages data transfer and shared storage, with days left in the cycle', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seededLedger();
    const packages = await get(PACKAGES, seed);
    assert.equal(packages.status, 200);
    assertSchema('ghec-21', 'GET', PACKAGES, 200, packages.body);
    assert.deepEqual(packages.body, { total_gigabytes_bandwidth_used: 17, total_paid_gigabytes_bandwidth_used: 3, included_gigabytes_bandwidth: 10 });

    const storage = await get(STORAGE, seed);
    assert.equal(storage.status, 200);
    assertSchema('ghec-21', 'GET', STORAGE, 200, storage.body);
    assert.deepEqual(storage.body, { days_left_in_billing_cycle: 15, estimated_paid_storage_for_month: 3, estimated_storage_for_month: 6 });
  });

  it('uses GitHub Enterprise Cloud allowances by default and starts a new cycle on the billing day', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const ok = await post(seed, [
      { date: '2026-11-14', product: 'Actions', sku: 'MACOS', quantity: 6000, unitType: 'minutes' }, // 60,000 with ×10: 1,000 paid
      { date: '2026-11-14', product: 'Packages', sku: 'bandwidth', quantity: 120, unitType: 'gigabytes' },
    ]);
    assert.equal(ok.status, 201);
    const actions = await get(ACTIONS, seed);
    assert.deepEqual(actions.body, { total_minutes_used: 6000, total_paid_minutes_used: 1000, included_minutes: 50000, minutes_used_breakdown: { UBUNTU: 0, MACOS: 6000, WINDOWS: 0, total: 6000 } });
    const packages = await get(PACKAGES, seed);
    assert.deepEqual(packages.body, { total_gigabytes_bandwidth_used: 120, total_paid_gigabytes_bandwidth_used: 20, included_gigabytes_bandwidth: 100 });

    // Last day of the cycle: nothing left after today.
    t.clock.set('2026-11-30T23:59:00.000Z');
    assert.equal((await get(STORAGE, seed)).body.days_left_in_billing_cycle, 0);
    // First day of December: November's usage belongs to the previous cycle.
    t.clock.set('2026-12-01T00:30:00.000Z');
    const december = await get(ACTIONS, seed);
    assertSchema('ghec-21', 'GET', ACTIONS, 200, december.body);
    assert.deepEqual(december.body, { total_minutes_used: 0, total_paid_minutes_used: 0, included_minutes: 50000, minutes_used_breakdown: { UBUNTU: 0, MACOS: 0, WINDOWS: 0, total: 0 } });
    assert.equal((await get(STORAGE, seed)).body.days_left_in_billing_cycle, 30);

    // A cycle starting on the 15th: on 2026-12-01 the cycle is Nov 15 – Dec 14, so Nov 14 is last cycle's usage.
    await setPlan(seed.enterprise, 'enterprise', 15);
    assert.equal((await get(ACTIONS, seed)).body.total_minutes_used, 0);
    assert.equal((await get(STORAGE, seed)).body.days_left_in_billing_cycle, 13);
    t.clock.set('2026-11-14T10:00:00.000Z');
    assert.equal((await get(ACTIONS, seed)).body.total_minutes_used, 6000);
    assert.equal((await get(STORAGE, seed)).body.days_left_in_billing_cycle, 0);
    t.clock.set('2026-11-15T12:00:00.000Z');
  });

  it('serves the enhanced usage report from the same ledger, priced at list prices with included-quota discounts', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seededLedger();
    const org = seed.org.login;
    const res = await get(USAGE, seed, '?year=2026&month=11');
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', USAGE, 200, res.body);
    const items = res.body.usageItems as Array<Record<string, unknown>>;
    assert.ok(items.every((i) => String(i.date).startsWith('2026-11-')));
    const find = (date: string, sku: string) => items.find((i) => i.date === date && i.sku === sku);
    assert.deepEqual(find('2026-11-03', 'Actions macOS'), {
      date: '2026-11-03',
      product: 'Actions',
      sku: 'Actions macOS',
      quantity: 150,
      unitType: 'minutes',
      pricePerUnit: 0.08,
      grossAmount: 12,
      discountAmount: 8,
      netAmount: 4,
      organizationName: org,
      repositoryName: `${org}/app`,
    });
    assert.deepEqual(find('2026-11-06', 'Actions Linux 4-core'), {
      date: '2026-11-06', product: 'Actions', sku: 'Actions Linux 4-core', quantity: 40, unitType: 'minutes',
      pricePerUnit: 0.016, grossAmount: 0.64, discountAmount: 0, netAmount: 0.64, organizationName: org, repositoryName: `${org}/app`,
    });
    // The public repository's owner resolves to the organization.
    const pub = find('2026-11-04', 'Actions Linux');
    assert.equal(pub?.organizationName, org);
    assert.equal(pub?.grossAmount, 1.6);
    assert.equal(pub?.netAmount, 0);
    assert.equal(find('2026-11-07', 'Actions macOS 12-core')?.netAmount, 1.2);
    assert.equal(find('2026-11-08', 'Actions Linux')?.quantity, 100);
    assert.equal(find('2026-11-03', 'Packages Data Transfer')?.netAmount, 1.5);
    const storage = find('2026-11-01', 'Actions Storage');
    assert.equal(storage?.unitType, 'GigabyteHours');
    assert.equal(storage?.grossAmount, 1.2); // 3,600 GB-hours × $0.008 / 24
    assert.equal(storage?.discountAmount, 0.48); // 1,440 GB-hours included
    // Self-hosted minutes (2026-11-05) are not billed usage.
    assert.equal(items.some((i) => i.date === '2026-11-05'), false);
    // Legacy totals and the report agree (github-semantics §2.3 mapping).
    const minutes = items.filter((i) => i.unitType === 'minutes').reduce((a, i) => a + Number(i.quantity), 0);
    assert.equal(minutes, 2000);

    // October had its own quota: 5,000 Linux minutes, 3,000 included.
    const october = await get(USAGE, seed, '?year=2026&month=10');
    assertSchema('ghec', 'GET', USAGE, 200, october.body);
    const octMinutes = (october.body.usageItems as Array<Record<string, unknown>>).find((i) => i.sku === 'Actions Linux');
    assert.deepEqual([octMinutes?.grossAmount, octMinutes?.discountAmount, octMinutes?.netAmount], [40, 24, 16]);

    const day = await get(USAGE, seed, '?year=2026&month=11&day=3');
    assertSchema('ghec', 'GET', USAGE, 200, day.body);
    assert.deepEqual((day.body.usageItems as Array<Record<string, unknown>>).map((i) => i.sku), ['Actions macOS', 'Packages Data Transfer']);
    // Default period is the current year; a cost center other than "none" has no usage.
    assert.equal((await get(USAGE, seed)).body.usageItems.length, items.length + 3);
    assert.deepEqual((await get(USAGE, seed, '?cost_center_id=cc-1')).body, { usageItems: [] });

    for (const bad of ['?month=13', '?year=20x6', '?year=2026&month=2&day=30', '?day=0']) {
      const res400 = await get(USAGE, seed, bad);
      assert.equal(res400.status, 400, bad);
      assertSchema('ghec', 'GET', USAGE, 400, res400.body);
    }
  });

  it('summarises usage per SKU, filtered by organization, product and sku', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seededLedger();
    const res = await get(SUMMARY, seed, '?product=actions');
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', SUMMARY, 200, res.body);
    assert.deepEqual(res.body.timePeriod, { year: 2026, month: 11 });
    assert.equal(res.body.product, 'actions');
    const linux = res.body.usageItems.find((i: { sku: string }) => i.sku === 'Actions Linux');
    assert.deepEqual(linux, {
      product: 'Actions', sku: 'Actions Linux', unitType: 'minutes', pricePerUnit: 0.008,
      grossQuantity: 1300.4, grossAmount: 10.4032, discountQuantity: 1200, discountAmount: 9.6, netQuantity: 100.4, netAmount: 0.8032,
    });
    assert.equal(res.body.usageItems.some((i: { product: string }) => i.product === 'Packages'), false);
    const bySku = await get(SUMMARY, seed, `?sku=actions_linux_4_core&organization=${seed.org.login.toUpperCase()}`);
    assertSchema('ghec', 'GET', SUMMARY, 200, bySku.body);
    assert.deepEqual(bySku.body.usageItems.map((i: { sku: string; netAmount: number }) => [i.sku, i.netAmount]), [['Actions Linux 4-core', 0.64]]);
  });

  it('records usage through the admin endpoint, all or nothing, with an audit event', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const other = await seedEnterprise(t.ctx);
    const good = { date: '2026-11-10', product: 'actions', sku: 'Actions Windows 8-core', quantity: 12, unitType: 'minutes', organizationName: seed.org.login, repositoryName: 'app' };
    const res = await post(seed, [good, { ...good, sku: 'WINDOWS', selfHosted: true }]);
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, { imported: 2 });
    const rows = await t.ctx.db.selectFrom('usage_records').selectAll().where('enterprise_id', '=', seed.enterprise.id).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [r.usage_date, r.product, r.sku, r.unit, r.quantity, r.self_hosted, r.org_id, r.repository]),
      [
        ['2026-11-10', 'actions', 'windows_8_core', 'minutes', 12, 0, seed.org.id, `${seed.org.login}/app`],
        ['2026-11-10', 'actions', 'WINDOWS', 'minutes', 12, 1, seed.org.id, `${seed.org.login}/app`],
      ],
    );
    const audit = await t.ctx.db.selectFrom('audit_events').selectAll().where('enterprise_id', '=', seed.enterprise.id).where('action', '=', 'business.import_usage').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor, seed.owner.login);
    assert.deepEqual(JSON.parse(audit[0]?.data ?? '{}'), { business: seed.enterprise.slug, source: 'api', imported: 2, first_usage_date: '2026-11-10', last_usage_date: '2026-11-10' });

    const cases: Array<[string, unknown, string]> = [
      ['unknown sku', { ...good, sku: 'Actions Linux 3-core' }, 'usageItems[1].sku'],
      ['wrong unit', { ...good, unitType: 'gigabytes' }, 'usageItems[1].unitType'],
      ['future day', { ...good, date: '2026-11-16' }, 'usageItems[1].date'],
      ['not a day', { ...good, date: '2026-02-30' }, 'usageItems[1].date'],
      ['negative', { ...good, quantity: -1 }, 'usageItems[1].quantity'],
      ['string quantity', { ...good, quantity: '5' }, 'usageItems[1].quantity'],
      ['another enterprise’s organization', { ...good, organizationName: other.org.login }, 'usageItems[1].organizationName'],
      ['self-hosted larger runner', { ...good, selfHosted: true }, 'usageItems[1].selfHosted'],
      ['unmetered product', { ...good, product: 'Copilot' }, 'usageItems[1].product'],
      ['missing date', { ...good, date: undefined }, 'usageItems[1].date'],
    ];
    for (const [name, bad, field] of cases) {
      const r = await post(seed, [good, bad]);
      assert.equal(r.status, 422, name);
      assert.equal(r.body.message, 'Validation Failed', name);
      assert.equal(r.body.errors[0].field, field, name);
      assert.equal(r.body.errors[0].resource, 'UsageItem', name);
      assert.equal(typeof r.body.errors[0].message, 'string', name);
    }
    assert.equal((await post(seed, [good, { ...good, date: undefined }])).body.errors[0].code, 'missing_field');
    for (const body of [{}, { usageItems: [] }, { usageItems: 'x' }, { usageItems: [1] }]) {
      const r = await t.request('POST', path(USAGE, seed.enterprise), { token: seed.ownerToken, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.match(r.body.message, /^Invalid request/);
    }
    const malformed = await t.request('POST', path(USAGE, seed.enterprise), { token: seed.ownerToken, rawBody: '{"usageItems":' });
    assert.equal(malformed.status, 400);
    assert.equal(await ledgerCount(seed.enterprise), 2, 'nothing recorded by rejected requests');
    const audits = await t.ctx.db.selectFrom('audit_events').select('id').where('enterprise_id', '=', seed.enterprise.id).where('action', '=', 'business.import_usage').execute();
    assert.equal(audits.length, 1);
  });

  it('lets owners and billing managers read, hides billing from others (404), demands the scope (403) and a token (401)', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const other = await seedEnterprise(t.ctx);
    const item = { date: '2026-11-10', product: 'Actions', sku: 'UBUNTU', quantity: 1, unitType: 'minutes' };
    const { token: billing } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'billing_manager', ['manage_billing:enterprise']);
    const { token: member } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
    const { token: noScope } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['read:enterprise', 'admin:org']);
    const { token: billingOnly } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['manage_billing:enterprise']);
    const { token: stranger } = await userWithToken(t.ctx, ['admin:enterprise']);

    for (const template of [ACTIONS, PACKAGES, STORAGE, USAGE, SUMMARY]) {
      for (const token of [billing, billingOnly, seed.ownerToken]) {
        assert.equal((await get(template, seed, '', token)).status, 200, template);
      }
      for (const token of [member, stranger, other.ownerToken]) {
        const hidden = await get(template, seed, '', token);
        assert.equal(hidden.status, 404, template);
        assert.equal(hidden.body.message, 'Not Found');
      }
      const forbidden = await get(template, seed, '', noScope);
      assert.equal(forbidden.status, 403, template);
      assert.equal(forbidden.headers.get('x-accepted-oauth-scopes'), 'admin:enterprise, manage_billing:enterprise');
      const anonymous = await t.request('GET', path(template, seed.enterprise));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.message, 'Requires authentication');
    }
    assertSchema('ghec', 'GET', USAGE, 403, (await get(USAGE, seed, '', noScope)).body);
    assert.equal((await t.request('GET', `/enterprises/nope-${Date.now()}/settings/billing/actions`, { token: seed.ownerToken })).status, 404);
    // By enterprise id too, and under /api/v3.
    assert.equal((await t.request('GET', `/api/v3/enterprises/${seed.enterprise.id}/settings/billing/actions`, { token: billing })).status, 200);

    // Recording: owners only; a billing manager sees the enterprise but may not write.
    assert.equal((await post(seed, [item], billing)).status, 403);
    assert.equal((await post(seed, [item], member)).status, 404);
    assert.equal((await post(seed, [item], other.ownerToken)).status, 404);
    assert.equal((await post(seed, [item], noScope)).status, 403);
    assert.equal((await t.request('POST', path(USAGE, seed.enterprise), { body: { usageItems: [item] } })).status, 401);
    assert.equal(await ledgerCount(seed.enterprise), 0);
    assert.equal((await post(seed, [item], billingOnly)).status, 201);
    assert.equal(await ledgerCount(seed.enterprise), 1);
  });

  it('imports a CSV file in Gatehouse columns, then in GitHub usage-report formats', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const org = seed.org.login;
    const own = [
      'date,product,sku,quantity,unit_type,organization,repository,self_hosted,public_repository',
      `2026-11-01,actions,UBUNTU,100,minutes,${org},app,false,false`,
      `2026-11-01,actions,UBUNTU,40,minutes,${org},app,true,`,
      `"2026-11-02","actions","ubuntu_8_core","2.5","minutes","${org}","${org}/app",0,0`,
      `2026-11-02,packages,bandwidth,3,gigabytes,,,,`,
      '',
    ].join('\r\n');
    assert.deepEqual(await importUsageCsv(t.ctx, seed.enterprise.slug, own), { imported: 4 });

    // GitHub's enhanced-billing usage report, as downloaded: extra columns, other products skipped.
    const enhanced = [
      'date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,net_amount,username,organization,repository,workflow_path,cost_center_name',
      `2026-11-03,actions,actions_linux,10,minutes,0.008,0.08,0.08,0,octocat,${org},app,.github/workflows/ci.yml,`,
      `2026-11-03,actions,actions_macos,5,minutes,0.08,0.4,0.4,0,octocat,${org},app,.github/workflows/ci.yml,`,
      `2026-11-03,copilot,copilot_for_business,1,user-months,19,19,0,19,octocat,${org},,,`,
      `2026-11-03,actions,actions_storage,48,gigabyte-hours,0.0003,0.016,0.016,0,,${org},app,,`,
      `2026-11-03,packages,packages_data_transfer,2,gigabytes,0.5,1,1,0,,${org},,,`,
    ].join('\n');
    assert.deepEqual(await importUsageCsv(t.ctx, seed.enterprise.slug, enhanced), { imported: 4 });

    // GitHub's legacy usage report: `Owner` is the organization, `Repository Slug` the bare name.
    const legacy = [
      'Date,Product,SKU,Quantity,Unit Type,Price Per Unit ($),Multiplier,Owner,Repository Slug,Username,Actions Workflow,Notes',
      `2026-11-04,Actions,Compute - WINDOWS,7,minute,0.016,2.0,${org},app,octocat,.github/workflows/ci.yml,`,
      `2026-11-04,Actions,Compute - WINDOWS_8_CORE,3,minute,0.064,1.0,${org},app,octocat,.github/workflows/ci.yml,`,
      `2026-11-04,Shared Storage,Shared Storage,1.5,gb-day,0.008,1.0,${org},app,,,`,
    ].join('\n');
    assert.deepEqual(await importUsageCsv(t.ctx, seed.enterprise.id.toString(), legacy), { imported: 3 });

    const actions = await get(ACTIONS, seed);
    assertSchema('ghec-21', 'GET', ACTIONS, 200, actions.body);
    assert.deepEqual(actions.body.minutes_used_breakdown, { UBUNTU: 110, MACOS: 5, WINDOWS: 7, ubuntu_8_core: 3, windows_8_core: 3, total: 128 });
    assert.equal(actions.body.total_paid_minutes_used, 6); // 2.5 + 3 larger-runner minutes
    assert.deepEqual((await get(PACKAGES, seed)).body, { total_gigabytes_bandwidth_used: 5, total_paid_gigabytes_bandwidth_used: 0, included_gigabytes_bandwidth: 100 });
    const stored = await t.ctx.db.selectFrom('usage_records').select(['quantity']).where('enterprise_id', '=', seed.enterprise.id).where('sku', '=', 'storage').orderBy('usage_date').execute();
    assert.deepEqual(stored.map((r) => r.quantity), [48, 36]); // 1.5 GB-days = 36 GB-hours

    const audits = await t.ctx.db.selectFrom('audit_events').select(['data', 'actor']).where('enterprise_id', '=', seed.enterprise.id).where('action', '=', 'business.import_usage').execute();
    assert.equal(audits.length, 3);
    assert.deepEqual(JSON.parse(audits[0]?.data ?? '{}'), { business: seed.enterprise.slug, source: 'csv', imported: 4, first_usage_date: '2026-11-01', last_usage_date: '2026-11-02' });
  });

  it('rejects a bad CSV line with its line number and records nothing', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const header = 'date,product,sku,quantity,unit_type,organization,repository';
    const good = '2026-11-01,actions,UBUNTU,1,minutes,,';
    const bigPrefix = Array.from({ length: 1200 }, () => good);
    const cases: Array<[string, string, RegExp]> = [
      // Line 1203 is past two full insert batches: the batches already written are rolled back.
      ['bad quantity', [header, ...bigPrefix, '2026-11-02,actions,UBUNTU,abc,minutes,,'].join('\n'), /^line 1202, column "quantity": quantity "abc"/],
      ['short row', [header, good, 'x'].join('\n'), /^line 3, column "date": date "x" is not a calendar day/],
      ['unknown sku', [header, good, '2026-11-02,actions,ARM64,1,minutes,,'].join('\n'), /^line 3, column "sku": sku "ARM64"/],
      ['quoted line break shifts lines', [`${header},notes`, `${good},"a\nb"`, 'nope,actions,UBUNTU,1,minutes,,,'].join('\n'), /^line 4, column "date"/],
      ['too many fields', [header, `${good},extra`].join('\n'), /^line 2: the row has 8 fields/],
      ['unclosed quote', [header, good, '2026-11-01,"actions,UBUNTU,1,minutes,,'].join('\n'), /^line 3: a quoted field is never closed/],
      ['missing column', ['date,product,sku,unit_type', good].join('\n'), /^line 1: the header row lacks the required column quantity/],
      ['empty file', '', /^line 1: the file is empty/],
      ['unknown organization', [header, '2026-11-01,actions,UBUNTU,1,minutes,ghost-org,'].join('\n'), /^line 2, column "organization": organization "ghost-org"/],
    ];
    for (const [name, csv, pattern] of cases) {
      await assert.rejects(importUsageCsv(t.ctx, seed.enterprise.slug, csv), (error: unknown) => {
        assert.ok(error instanceof UsageImportError, name);
        assert.match(error.message, pattern, name);
        assert.equal(error.status, 422);
        return true;
      });
    }
    // Including the first file, whose first 1,000 rows had been inserted before line 1202 failed.
    assert.equal(await ledgerCount(seed.enterprise), 0);
    const audits = await t.ctx.db.selectFrom('audit_events').select('id').where('enterprise_id', '=', seed.enterprise.id).where('action', '=', 'business.import_usage').execute();
    assert.equal(audits.length, 0);
    await assert.rejects(importUsageCsv(t.ctx, 'no-such-enterprise', `${header}\n${good}`), (error: unknown) => {
      assert.ok(error instanceof Error && /does not exist/.test(error.message));
      return true;
    });
  });

  it('streams a large file in small chunks, batching inserts and reporting progress', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seedEnterprise(t.ctx);
    const lines = ['\uFEFFDate,Product,SKU,Quantity,Unit Type,Organization,Repository,Notes'];
    for (let i = 0; i < 1234; i += 1) {
      lines.push(`2026-11-${String((i % 14) + 1).padStart(2, '0')},Actions,Actions Linux,1,minutes,${seed.org.login},repo-${i % 3},"café, ""au lait"""`);
    }
    const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
    // 7-byte chunks over the first 8 KB split CRLF pairs, quoted fields and the two-byte "é"; then 4 KB chunks.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; ) {
      const size = i < 8192 ? 7 : 4096;
      chunks.push(bytes.subarray(i, i + size));
      i += size;
    }
    const progress: Array<[number, number]> = [];
    const result = await importUsageCsv(t.ctx, seed.enterprise.slug, Readable.from(chunks), (rows, done) => progress.push([rows, done]));
    assert.deepEqual(result, { imported: 1234 });
    assert.deepEqual(progress.map(([rows]) => rows), [500, 1000, 1234, 1234]);
    assert.deepEqual(progress[progress.length - 1], [1234, bytes.length]);
    assert.ok(progress.every(([, done], i) => i === 0 || done >= (progress[i - 1]?.[1] ?? 0)));
    assert.equal(await ledgerCount(seed.enterprise), 1234);
    const actions = await get(ACTIONS, seed);
    assert.deepEqual(actions.body.minutes_used_breakdown, { UBUNTU: 1234, MACOS: 0, WINDOWS: 0, total: 1234 });
  });

  it('serves the legacy endpoints to the GitHub client (enterprise-cloud plugin)', async () => {
    t.clock.set('2026-11-15T12:00:00.000Z');
    const seed = await seededLedger();
    const octokit = octokitFor(t.url, seed.ownerToken);
    const billing = legacyBilling(octokit);
    const enterprise = seed.enterprise.slug;
    const actions = await billing.getGithubActionsBillingGhe({ enterprise });
    assert.equal(actions.status, 200);
    assert.equal(actions.data.total_minutes_used, 2000);
    assert.equal(actions.data.minutes_used_breakdown.ubuntu_4_core, 40);
    const packages = await billing.getGithubPackagesBillingGhe({ enterprise });
    assert.equal(packages.data.total_paid_gigabytes_bandwidth_used, 3);
    const storage = await billing.getSharedStorageBillingGhe({ enterprise });
    assert.equal(storage.data.days_left_in_billing_cycle, 15);
    const usage = await octokit.request('GET /enterprises/{enterprise}/settings/billing/usage', { enterprise, year: 2026, month: 11, day: 6 });
    assert.deepEqual((usage.data.usageItems as UsageReportItem[]).map((i) => i.sku), ['Actions Linux 4-core']);
    await assert.rejects(legacyBilling(octokitFor(t.url, 'ghp_invalid')).getGithubActionsBillingGhe({ enterprise }), (error: unknown) => {
      assert.equal((error as { status?: number }).status, 401);
      return true;
    });
  });
});
