/**
 * Deep pages of SCIM lists (src/domain/scim/paging.ts): a tenant with more identities and groups than one anchor
 * spacing (1,000), interleaved in id order with another tenant's, is paged over HTTP at and around every anchor
 * boundary, and every page, `totalResults` and `count=0` answer must be exactly what a plain `ORDER BY id
 * LIMIT/OFFSET` over the tenant's rows gives; the same after writes (create, delete, a change that moves an
 * identity out of a filter), which must not be answered from a stale cached locator or count.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ANCHOR_SPACING } from '../src/domain/scim/repository.ts';
import { withScimTables } from '../src/storage/scim-filter-sql.ts';
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Identities of the paged tenant: two anchors and a part, so three anchors. */
const USERS = 2 * ANCHOR_SPACING + 345;
const GROUPS = ANCHOR_SPACING + 17;

describe(`SCIM deep pages (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let other: SeededEnterprise;
  let base: string;
  let scope: string;

  const scim = (method: string, path: string, body?: unknown): Promise<ApiResponse<any>> =>
    t.request(method, `${base}${path}`, {
      token: seed.ownerToken,
      headers: { accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body }),
    });

  /** Rows as POST /Users stores them (resource, mirrored columns), inserted in batches so that tenants interleave. */
  async function insertUsers(tenantScope: string, enterpriseId: number, prefix: string, from: number, to: number): Promise<void> {
    const db = withScimTables(t.ctx.db);
    const now = new Date(t.clock.now()).toISOString();
    const rows = [];
    for (let i = from; i < to; i += 1) {
      const userName = `${prefix}${String(i).padStart(5, '0')}@example.com`;
      const resource = { schemas: [USER_SCHEMA], externalId: `ext-${prefix}-${i}`, userName, displayName: `Bulk ${i}`, active: true, emails: [{ value: userName, type: 'work', primary: true }] };
      rows.push({
        scim_id: crypto.randomUUID(),
        scope: tenantScope,
        dialect: 'managed' as const,
        enterprise_id: enterpriseId,
        org_id: null,
        user_id: null,
        user_name: userName,
        user_name_lower: userName.toLowerCase(),
        external_id: resource.externalId,
        display_name: resource.displayName,
        display_name_lower: resource.displayName.toLowerCase(),
        active: 1 as const,
        login_lower: null,
        resource: JSON.stringify(resource),
        version: 1,
        created_at: now,
        updated_at: now,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await db.insertInto('scim_users').values(rows.slice(i, i + 200)).execute();
  }

  async function insertGroups(tenantScope: string, enterpriseId: number, prefix: string, from: number, to: number): Promise<void> {
    const now = new Date(t.clock.now()).toISOString();
    const rows = [];
    for (let i = from; i < to; i += 1) {
      const displayName = `${prefix} ${i}`;
      rows.push({
        scim_id: crypto.randomUUID(),
        scope: tenantScope,
        dialect: 'managed' as const,
        enterprise_id: enterpriseId,
        display_name: displayName,
        display_name_lower: displayName.toLowerCase(),
        external_id: `${prefix}-${i}`,
        resource: JSON.stringify({ schemas: [GROUP_SCHEMA], externalId: `${prefix}-${i}`, displayName }),
        version: 1,
        created_at: now,
        updated_at: now,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await t.ctx.db.insertInto('scim_groups').values(rows.slice(i, i + 200)).execute();
  }

  /** What the list must answer: the tenant's SCIM ids in id order (optionally only displayNames starting with `prefix`). */
  const expectedUsers = async (prefix?: string): Promise<string[]> => {
    let query = withScimTables(t.ctx.db).selectFrom('scim_users').select('scim_id').where('scope', '=', scope);
    if (prefix !== undefined) query = query.where('display_name_lower', 'like', `${prefix}%`);
    return (await query.orderBy('id').execute()).map((r) => r.scim_id);
  };
  const expectedGroups = async (): Promise<string[]> =>
    (await t.ctx.db.selectFrom('scim_groups').select('scim_id').where('scope', '=', scope).orderBy('id').execute()).map((r) => r.scim_id);

  /** Start indexes at and around every anchor boundary, the first and last rows, and past the end. */
  function startIndexes(total: number): number[] {
    const out = new Set([1, 2, total - 1, total, total + 1, total + 50]);
    for (let boundary = ANCHOR_SPACING; boundary <= total + ANCHOR_SPACING; boundary += ANCHOR_SPACING) {
      for (const delta of [-30, -1, 0, 1, 2]) out.add(boundary + delta);
    }
    return [...out].filter((i) => i >= 1).sort((a, b) => a - b);
  }

  async function checkPages(kind: 'Users' | 'Groups', expected: readonly string[], filter?: string): Promise<void> {
    const total = expected.length;
    const query = filter === undefined ? '' : `&filter=${encodeURIComponent(filter)}`;
    for (const startIndex of startIndexes(total)) {
      for (const count of [1, 31]) {
        const res = await scim('GET', `/${kind}?startIndex=${startIndex}&count=${count}${query}`);
        assert.equal(res.status, 200, res.text);
        const want = expected.slice(startIndex - 1, startIndex - 1 + count);
        const got = (res.body.Resources as Array<{ id: string }>).map((r) => r.id);
        assert.deepEqual(
          [res.body.totalResults, res.body.startIndex, res.body.itemsPerPage, got],
          [total, startIndex, want.length, want],
          `${kind} startIndex=${startIndex} count=${count}${query}`,
        );
      }
    }
    const totalOnly = await scim('GET', `/${kind}?count=0${query}`);
    assert.deepEqual([totalOnly.body.totalResults, totalOnly.body.Resources], [total, []]);
  }

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx, { kind: 'managed' });
    other = await seedEnterprise(t.ctx, { kind: 'managed' });
    base = `/scim/v2/enterprises/${seed.enterprise.slug}`;
    scope = `enterprise:${seed.enterprise.id}`;
    const otherScope = `enterprise:${other.enterprise.id}`;
    // Batches of 300 alternate between the tenants, so the paged tenant's ids have gaps.
    for (let from = 0; from < USERS; from += 300) {
      await insertUsers(scope, seed.enterprise.id, 'bulk', from, Math.min(USERS, from + 300));
      await insertUsers(otherScope, other.enterprise.id, 'noise', from, from + 150);
    }
    for (let from = 0; from < GROUPS; from += 400) {
      await insertGroups(scope, seed.enterprise.id, 'Team', from, Math.min(GROUPS, from + 400));
      await insertGroups(otherScope, other.enterprise.id, 'Noise', from, from + 100);
    }
  });
  after(() => t.close());

  it('Users: every page around the anchors is the plain ORDER BY id LIMIT/OFFSET page, with the real totalResults', async () => {
    const expected = await expectedUsers();
    assert.equal(expected.length, USERS);
    const deep = await scim('GET', `/Users?startIndex=${2 * ANCHOR_SPACING + 1}&count=5`);
    assertSchema('ghec', 'GET', '/scim/v2/enterprises/{enterprise}/Users', 200, deep.body, 'application/scim+json');
    await checkPages('Users', expected);
  });

  it('Users: after a create and deletes before and across anchors, pages and totals follow', async () => {
    await scim('GET', '/Users?startIndex=1500&count=3');
    const before = await expectedUsers();
    // Deleting the first identity and one at an anchor moves every later row's position.
    for (const scimId of [before[0]!, before[ANCHOR_SPACING]!]) assert.equal((await scim('DELETE', `/Users/${scimId}`)).status, 204);
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'zz-late@example.com',
      externalId: 'late',
      displayName: 'Late',
      active: true,
      emails: [{ value: 'zz-late@example.com', type: 'work', primary: true }],
    });
    assert.equal(created.status, 201, created.text);
    const expected = await expectedUsers();
    assert.equal(expected.length, USERS - 1);
    assert.equal(expected.at(-1), created.body.id);
    await checkPages('Users', expected);
  });

  it('Users, filtered: deep pages and totalResults; a change that takes an identity out of the filter is seen at once', async () => {
    const filter = 'displayName sw "bulk 1"';
    let expected = await expectedUsers('bulk 1');
    assert.ok(expected.length > ANCHOR_SPACING, `${expected.length}`);
    await checkPages('Users', expected, filter);
    const moved = expected[5]!;
    const res = await scim('PATCH', `/Users/${moved}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed away' }] });
    assert.equal(res.status, 200, res.text);
    expected = await expectedUsers('bulk 1');
    assert.ok(!expected.includes(moved));
    const page = await scim('GET', `/Users?startIndex=2&count=10&filter=${encodeURIComponent(filter)}`);
    assert.equal(page.body.totalResults, expected.length);
    assert.deepEqual(
      page.body.Resources.map((r: { id: string }) => r.id),
      expected.slice(1, 11),
    );
  });

  it('Groups: pages around the anchor, totals, and a deleted group', async () => {
    let expected = await expectedGroups();
    assert.equal(expected.length, GROUPS);
    const deep = await scim('GET', `/Groups?startIndex=${ANCHOR_SPACING}&count=5&excludedAttributes=members`);
    assertSchema('ghec', 'GET', '/scim/v2/enterprises/{enterprise}/Groups', 200, deep.body, 'application/scim+json');
    await checkPages('Groups', expected);
    assert.equal((await scim('DELETE', `/Groups/${expected[3]!}`)).status, 204);
    expected = await expectedGroups();
    assert.equal(expected.length, GROUPS - 1);
    await checkPages('Groups', expected);
  });
});
