/**
 * Enterprise self-hosted runner groups: all 13 operations over HTTP (openapi-contract.md §4, github-semantics.md §1.1–1.3,
 * §1.7), with the resulting state read back from the store and every body checked against the ghec spec.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../src/domain/accounts/accounts.ts';
import type { EnterpriseRow } from '../src/storage/tables.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';
import { octokitFor } from './helpers/octokit.ts';

const GROUPS = '/enterprises/{enterprise}/actions/runner-groups';
const GROUP = `${GROUPS}/{runner_group_id}`;

/**
 * Error bodies: the runner-group operations document no error responses, so each error is checked against a ghec
 * operation that documents the same component (`basic-error`, `validation-error`, `validation-error-simple`).
 */
function assertErrorBody(res: ApiResponse<any>, status: 401 | 403 | 404 | 422, simple = false): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.status, String(status));
  if (status === 422 && simple) assertSchema('ghec', 'POST', '/enterprises/{enterprise}/actions/runners/{runner_id}/labels', 422, res.body);
  else if (status === 422) assertSchema('ghec', 'PUT', '/enterprises/{enterprise}/actions/permissions/artifact-and-log-retention', 422, res.body);
  else assertSchema('ghec', 'GET', '/enterprises/{enterprise}/copilot/billing/seats', status, res.body);
}

describe(`enterprise runner groups (${storageKind})`, () => {
  let t: TestApp;
  let runnerSeq = 0;

  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** Internal row of an enterprise's group by public number. */
  async function groupRow(enterpriseId: number, number: number) {
    return t.ctx.db.selectFrom('runner_groups').selectAll().where('enterprise_id', '=', enterpriseId).where('number', '=', number).executeTakeFirst();
  }

  /** Inserts a runner (and its read-only labels) straight into the store, in the enterprise's group `number` (default 1). */
  async function addRunner(enterprise: EnterpriseRow, number = 1): Promise<number> {
    const group = await groupRow(enterprise.id, number);
    assert.ok(group !== undefined);
    runnerSeq += 1;
    const now = t.clock.now().toISOString();
    const runner = await t.ctx.db
      .insertInto('runners')
      .values({
        enterprise_id: enterprise.id,
        runner_group_id: group.id,
        name: `runner-${runnerSeq}`,
        name_lower: `runner-${runnerSeq}`,
        os: 'linux',
        architecture: 'x64',
        busy: 0,
        ephemeral: 0,
        version: '2.321.0',
        last_seen_at: now,
        credential_hash: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .insertInto('runner_labels')
      .values(['self-hosted', 'Linux', 'X64'].map((name) => ({ runner_id: runner.id, name, name_lower: name.toLowerCase(), type: 'read-only' as const })))
      .execute();
    return runner.id;
  }

  /** Public group number each runner is in. */
  async function groupOf(runnerId: number): Promise<number> {
    const row = await t.ctx.db
      .selectFrom('runners as r')
      .innerJoin('runner_groups as g', 'g.id', 'r.runner_group_id')
      .select('g.number')
      .where('r.id', '=', runnerId)
      .executeTakeFirstOrThrow();
    return row.number;
  }

  async function selectedOrgIds(enterpriseId: number, number: number): Promise<number[]> {
    const group = await groupRow(enterpriseId, number);
    assert.ok(group !== undefined);
    const rows = await t.ctx.db.selectFrom('runner_group_orgs').select('org_id').where('runner_group_id', '=', group.id).orderBy('org_id').execute();
    return rows.map((r) => r.org_id);
  }

  async function auditActions(enterpriseId: number): Promise<string[]> {
    const rows = await t.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('enterprise_id', '=', enterpriseId)
      .where('action', 'like', 'enterprise.runner_group%')
      .orderBy('id')
      .execute();
    return rows.map((r) => r.action);
  }

  /** Everything a failed write must leave untouched. */
  async function snapshot(enterpriseId: number) {
    const db = t.ctx.db;
    return {
      enterprise: await db.selectFrom('enterprises').select('runner_group_seq').where('id', '=', enterpriseId).executeTakeFirstOrThrow(),
      groups: await db.selectFrom('runner_groups').selectAll().where('enterprise_id', '=', enterpriseId).orderBy('id').execute(),
      orgs: await db.selectFrom('runner_group_orgs').selectAll().orderBy('runner_group_id').orderBy('org_id').execute(),
      runners: await db.selectFrom('runners').select(['id', 'runner_group_id', 'updated_at']).orderBy('id').execute(),
      audit: await db.selectFrom('audit_events').select('id').orderBy('id').execute(),
    };
  }

  async function create(seed: SeededEnterprise, body: Record<string, unknown>): Promise<ApiResponse<any>> {
    const res = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken, body });
    if (res.status === 201) assertSchema('ghec', 'POST', GROUPS, 201, res.body);
    return res;
  }

  async function secondOrg(seed: SeededEnterprise, login: string) {
    return createOrganization(t.ctx, { login: `${login}-${seed.enterprise.id}`, enterpriseSlug: seed.enterprise.slug, adminLogin: seed.owner.login }, null);
  }

  it('starts every enterprise with the Default group, id 1, in the enterprise wire shape', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const list = await t.request('GET', `/enterprises/${slug}/actions/runner-groups`, { token: seed.ownerToken });
    assert.equal(list.status, 200);
    assertSchema('ghec', 'GET', GROUPS, 200, list.body);
    assert.equal(list.body.total_count, 1);
    assert.equal(list.headers.get('link'), null);
    const url = `${t.url}/enterprises/${slug}/actions/runner-groups/1`;
    assert.deepEqual(list.body.runner_groups[0], {
      id: 1,
      name: 'Default',
      visibility: 'all',
      default: true,
      runners_url: `${url}/runners`,
      allows_public_repositories: false,
      restricted_to_workflows: false,
      selected_workflows: [],
      workflow_restrictions_read_only: false,
    });
    const one = await t.request('GET', `/enterprises/${slug}/actions/runner-groups/1`, { token: seed.ownerToken });
    assert.equal(one.status, 200);
    assertSchema('ghec', 'GET', GROUP, 200, one.body);
    assert.deepEqual(one.body, list.body.runner_groups[0]);
    assert.equal('selected_organizations_url' in one.body, false);

    // The enterprise's numeric id works in place of its slug; URLs always carry the slug; /api/v3 serves GHES-style URLs.
    const byId = await t.request('GET', `/api/v3/enterprises/${seed.enterprise.id}/actions/runner-groups/1`, { token: seed.ownerToken });
    assert.equal(byId.status, 200);
    assert.equal(byId.body.runners_url, `${t.url}/api/v3/enterprises/${slug}/actions/runner-groups/1/runners`);
  });

  it('creates groups with per-enterprise ids, selected organizations, moved runners and audit events', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const runnerA = await addRunner(seed.enterprise);
    const runnerB = await addRunner(seed.enterprise);
    const res = await create(seed, {
      name: 'Expensive hardware runners',
      visibility: 'selected',
      selected_organization_ids: [seed.org.id, seed.org.id],
      runners: [runnerA],
      allows_public_repositories: true,
      restricted_to_workflows: true,
      selected_workflows: ['octo-org/octo-repo/.github/workflows/deploy.yaml@main', 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main'],
      network_configuration_id: 'net-123',
    });
    assert.equal(res.status, 201);
    const url = `${t.url}/enterprises/${slug}/actions/runner-groups/2`;
    assert.deepEqual(res.body, {
      id: 2,
      name: 'Expensive hardware runners',
      visibility: 'selected',
      default: false,
      selected_organizations_url: `${url}/organizations`,
      runners_url: `${url}/runners`,
      network_configuration_id: 'net-123',
      allows_public_repositories: true,
      restricted_to_workflows: true,
      selected_workflows: ['octo-org/octo-repo/.github/workflows/deploy.yaml@main', 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main'],
      workflow_restrictions_read_only: false,
    });
    // State: the sequence advanced, the org is selected once, runner A moved, runner B stayed in Default.
    const ent = await t.ctx.db.selectFrom('enterprises').select('runner_group_seq').where('id', '=', seed.enterprise.id).executeTakeFirstOrThrow();
    assert.equal(ent.runner_group_seq, 2);
    assert.deepEqual(await selectedOrgIds(seed.enterprise.id, 2), [seed.org.id]);
    assert.equal(await groupOf(runnerA), 2);
    assert.equal(await groupOf(runnerB), 1);
    assert.deepEqual(await auditActions(seed.enterprise.id), ['enterprise.runner_group_created', 'enterprise.runner_group_runners_added']);

    // Defaults: visibility all, no public repositories, no workflow restriction, no network configuration.
    const plain = await create(seed, { name: 'plain' });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.id, 3);
    assert.equal(plain.body.visibility, 'all');
    assert.equal(plain.body.allows_public_repositories, false);
    assert.equal(plain.body.restricted_to_workflows, false);
    assert.deepEqual(plain.body.selected_workflows, []);
    assert.equal('selected_organizations_url' in plain.body, false);
    assert.equal('network_configuration_id' in plain.body, false);

    // Another enterprise counts from its own Default: its first created group is id 2 as well.
    const other = await seedEnterprise(t.ctx);
    const first = await create(other, { name: 'Expensive hardware runners' });
    assert.equal(first.status, 201);
    assert.equal(first.body.id, 2);
    const internal = await groupRow(other.enterprise.id, 2);
    assert.ok(internal !== undefined && internal.id !== 2, 'the public id is the per-enterprise number, not the row id');
  });

  it('rejects bad create bodies with 422 and changes nothing', async () => {
    const seed = await seedEnterprise(t.ctx);
    const other = await seedEnterprise(t.ctx);
    const foreignRunner = await addRunner(other.enterprise);
    const ownRunner = await addRunner(seed.enterprise);
    assert.equal((await create(seed, { name: 'Taken' })).status, 201);
    const before = await snapshot(seed.enterprise.id);

    const missing = await create(seed, { visibility: 'all' });
    assertErrorBody(missing, 422, true);
    assert.match(missing.body.message, /^Invalid request/);

    const wrongType = await create(seed, { name: 'x', runners: ['1'] });
    assertErrorBody(wrongType, 422, true);
    const badVisibility = await create(seed, { name: 'x', visibility: 'private' });
    assertErrorBody(badVisibility, 422, true);

    const blank = await create(seed, { name: '  ' });
    assertErrorBody(blank, 422);
    assert.equal(blank.body.message, 'Validation Failed');

    // Names are unique case-insensitively within the enterprise, the Default group's included (422 already_exists).
    for (const name of ['taken', 'DEFAULT']) {
      const dup = await create(seed, { name });
      assertErrorBody(dup, 422);
      assert.equal(dup.body.errors[0].code, 'already_exists');
      assert.equal(dup.body.errors[0].field, 'name');
    }

    const foreignOrg = await create(seed, { name: 'x', visibility: 'selected', selected_organization_ids: [seed.org.id, other.org.id] });
    assertErrorBody(foreignOrg, 422);
    assert.equal(foreignOrg.body.errors[0].field, 'selected_organization_ids');

    const foreignRunnerRes = await create(seed, { name: 'x', runners: [ownRunner, foreignRunner] });
    assertErrorBody(foreignRunnerRes, 422);
    assert.equal(foreignRunnerRes.body.errors[0].field, 'runners');

    const noRef = await create(seed, { name: 'x', restricted_to_workflows: true, selected_workflows: ['octo-org/octo-repo/.github/workflows/deploy.yaml'] });
    assertErrorBody(noRef, 422);
    assert.equal(noRef.body.errors[0].field, 'selected_workflows');

    const malformed = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken, rawBody: '{"name":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.message, 'Problems parsing JSON');

    assert.deepEqual(await snapshot(seed.enterprise.id), before);
    // A group created afterwards still gets the next id: failed creates consumed none.
    assert.equal((await create(seed, { name: 'next' })).body.id, 3);
  });

  it('lists groups with pagination, a Link header and visible_to_organization', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const orgB = await secondOrg(seed, 'orgb');
    await create(seed, { name: 'g2', visibility: 'selected', selected_organization_ids: [seed.org.id] });
    await create(seed, { name: 'g3', visibility: 'selected', selected_organization_ids: [orgB.id] });
    await create(seed, { name: 'g4' });
    await create(seed, { name: 'g5', visibility: 'selected' });

    const page2 = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?per_page=2&page=2`, { token: seed.ownerToken });
    assert.equal(page2.status, 200);
    assertSchema('ghec', 'GET', GROUPS, 200, page2.body);
    assert.equal(page2.body.total_count, 5);
    assert.deepEqual(page2.body.runner_groups.map((g: { id: number }) => g.id), [3, 4]);
    const base = `${t.url}/enterprises/${slug}/actions/runner-groups`;
    assert.equal(
      page2.headers.get('link'),
      `<${base}?per_page=2&page=1>; rel="prev", <${base}?per_page=2&page=3>; rel="next", <${base}?per_page=2&page=3>; rel="last", <${base}?per_page=2&page=1>; rel="first"`,
    );
    const last = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?per_page=2&page=3`, { token: seed.ownerToken });
    assert.deepEqual(last.body.runner_groups.map((g: { id: number }) => g.id), [5]);
    const beyond = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?per_page=2&page=9`, { token: seed.ownerToken });
    assertSchema('ghec', 'GET', GROUPS, 200, beyond.body);
    assert.deepEqual(beyond.body, { total_count: 5, runner_groups: [] });

    const visibleA = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?visible_to_organization=${seed.org.login.toUpperCase()}`, { token: seed.ownerToken });
    assertSchema('ghec', 'GET', GROUPS, 200, visibleA.body);
    assert.deepEqual(visibleA.body.runner_groups.map((g: { id: number }) => g.id), [1, 2, 4]);
    assert.equal(visibleA.body.total_count, 3);
    const visibleB = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?visible_to_organization=${orgB.login}&per_page=1&page=2`, { token: seed.ownerToken });
    assert.equal(visibleB.body.total_count, 3);
    assert.deepEqual(visibleB.body.runner_groups.map((g: { id: number }) => g.id), [3]);
    assert.match(visibleB.headers.get('link') ?? '', /visible_to_organization=.*rel="next"/);

    // An organization outside the enterprise can use none of its groups.
    const other = await seedEnterprise(t.ctx);
    const foreign = await t.request('GET', `/enterprises/${slug}/actions/runner-groups?visible_to_organization=${other.org.login}`, { token: seed.ownerToken });
    assert.deepEqual(foreign.body, { total_count: 0, runner_groups: [] });
  });

  it('updates groups: omitted fields keep their values, the Default group is renamable and stays default', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const path = `/enterprises/${slug}/actions/runner-groups/2`;
    await create(seed, { name: 'build', visibility: 'selected', selected_organization_ids: [seed.org.id], network_configuration_id: 'net-1' });

    const renamed = await t.request('PATCH', path, { token: seed.ownerToken, body: { name: 'Build Farm' } });
    assert.equal(renamed.status, 200);
    assertSchema('ghec', 'PATCH', GROUP, 200, renamed.body);
    assert.equal(renamed.body.name, 'Build Farm');
    assert.equal(renamed.body.visibility, 'selected', 'an omitted visibility keeps the current value');
    assert.equal(renamed.body.network_configuration_id, 'net-1');

    const changed = await t.request('PATCH', path, {
      token: seed.ownerToken,
      body: {
        visibility: 'all',
        allows_public_repositories: true,
        restricted_to_workflows: true,
        selected_workflows: ['octo-org/app/.github/workflows/release.yml@v1.2.3'],
        network_configuration_id: null,
      },
    });
    assert.equal(changed.status, 200);
    assertSchema('ghec', 'PATCH', GROUP, 200, changed.body);
    assert.equal(changed.body.visibility, 'all');
    assert.equal('selected_organizations_url' in changed.body, false);
    assert.equal('network_configuration_id' in changed.body, false);
    assert.equal(changed.body.allows_public_repositories, true);
    assert.deepEqual(changed.body.selected_workflows, ['octo-org/app/.github/workflows/release.yml@v1.2.3']);
    const row = await groupRow(seed.enterprise.id, 2);
    assert.equal(row?.visibility, 'all');
    assert.equal(row?.network_configuration_id, null);
    assert.equal(row?.name_lower, 'build farm');

    // An empty or absent body is an update of nothing.
    const before = await snapshot(seed.enterprise.id);
    for (const options of [{ body: {} }, {}]) {
      const none = await t.request('PATCH', path, { token: seed.ownerToken, ...options });
      assert.equal(none.status, 200);
      assertSchema('ghec', 'PATCH', GROUP, 200, none.body);
      assert.deepEqual(none.body, changed.body);
    }
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    // The Default group can be renamed; `default` never flips.
    const def = await t.request('PATCH', `/enterprises/${slug}/actions/runner-groups/1`, { token: seed.ownerToken, body: { name: 'Everything', visibility: 'selected' } });
    assert.equal(def.status, 200);
    assertSchema('ghec', 'PATCH', GROUP, 200, def.body);
    assert.equal(def.body.name, 'Everything');
    assert.equal(def.body.default, true);
    assert.equal((await groupRow(seed.enterprise.id, 1))?.is_default, 1);

    assert.deepEqual(await auditActions(seed.enterprise.id), [
      'enterprise.runner_group_created',
      'enterprise.runner_group_updated',
      'enterprise.runner_group_renamed',
      'enterprise.runner_group_updated',
      'enterprise.runner_group_visiblity_updated',
      'enterprise.runner_group_updated',
      'enterprise.runner_group_renamed',
      'enterprise.runner_group_visiblity_updated',
    ]);
  });

  it('rejects bad updates with 422 and changes nothing', async () => {
    const seed = await seedEnterprise(t.ctx);
    const path = `/enterprises/${seed.enterprise.slug}/actions/runner-groups/2`;
    await create(seed, { name: 'locked', restricted_to_workflows: true, selected_workflows: ['o/r/.github/workflows/a.yml@main'] });
    await create(seed, { name: 'other' });
    await t.ctx.db.updateTable('runner_groups').set({ workflow_restrictions_read_only: 1 }).where('enterprise_id', '=', seed.enterprise.id).where('number', '=', 2).execute();
    const before = await snapshot(seed.enterprise.id);

    const dup = await t.request('PATCH', path, { token: seed.ownerToken, body: { name: 'OTHER' } });
    assertErrorBody(dup, 422);
    assert.equal(dup.body.errors[0].code, 'already_exists');
    const blank = await t.request('PATCH', path, { token: seed.ownerToken, body: { name: '' } });
    assertErrorBody(blank, 422);
    const readOnly = await t.request('PATCH', path, { token: seed.ownerToken, body: { name: 'renamed', restricted_to_workflows: false } });
    assertErrorBody(readOnly, 422);
    assert.equal(readOnly.body.errors[0].field, 'restricted_to_workflows');
    const readOnlyList = await t.request('PATCH', path, { token: seed.ownerToken, body: { selected_workflows: ['o/r/.github/workflows/b.yml@main'] } });
    assertErrorBody(readOnlyList, 422);
    assert.equal(readOnlyList.body.errors[0].field, 'selected_workflows');
    const noRef = await t.request('PATCH', `/enterprises/${seed.enterprise.slug}/actions/runner-groups/3`, { token: seed.ownerToken, body: { selected_workflows: ['o/r/a.yml'] } });
    assertErrorBody(noRef, 422);
    const badType = await t.request('PATCH', path, { token: seed.ownerToken, body: { visibility: 'private' } });
    assertErrorBody(badType, 422, true);
    const notObject = await t.request('PATCH', path, { token: seed.ownerToken, body: ['x'] });
    assert.equal(notObject.status, 400);
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    // Resending the current workflow settings is not a change, so the read-only group accepts it.
    const same = await t.request('PATCH', path, { token: seed.ownerToken, body: { restricted_to_workflows: true, selected_workflows: ['o/r/.github/workflows/a.yml@main'] } });
    assert.equal(same.status, 200);
    assertSchema('ghec', 'PATCH', GROUP, 200, same.body);
    assert.equal(same.body.workflow_restrictions_read_only, true);
  });

  it('deletes groups, returning their runners to Default; the Default group cannot be deleted; ids are not reused', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const r1 = await addRunner(seed.enterprise);
    const r2 = await addRunner(seed.enterprise);
    await create(seed, { name: 'doomed', visibility: 'selected', selected_organization_ids: [seed.org.id], runners: [r1, r2] });
    assert.equal(await groupOf(r1), 2);

    const before = await snapshot(seed.enterprise.id);
    const refuse = await t.request('DELETE', `/enterprises/${slug}/actions/runner-groups/1`, { token: seed.ownerToken });
    assertErrorBody(refuse, 422);
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    const del = await t.request('DELETE', `/enterprises/${slug}/actions/runner-groups/2`, { token: seed.ownerToken });
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal(await groupRow(seed.enterprise.id, 2), undefined);
    assert.equal(await groupOf(r1), 1);
    assert.equal(await groupOf(r2), 1);
    const gone = await t.request('GET', `/enterprises/${slug}/actions/runner-groups/2`, { token: seed.ownerToken });
    assertErrorBody(gone, 404);
    const again = await t.request('DELETE', `/enterprises/${slug}/actions/runner-groups/2`, { token: seed.ownerToken });
    assertErrorBody(again, 404);
    assert.equal((await create(seed, { name: 'doomed' })).body.id, 3);
    const actions = await auditActions(seed.enterprise.id);
    assert.ok(actions.includes('enterprise.runner_group_removed'));
  });

  it('manages organization access: list, set, add and remove one', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const orgB = await secondOrg(seed, 'orgb');
    const orgC = await secondOrg(seed, 'orgc');
    const other = await seedEnterprise(t.ctx);
    await create(seed, { name: 'sel', visibility: 'selected', selected_organization_ids: [seed.org.id] });
    await create(seed, { name: 'everyone' });
    const orgsPath = `/enterprises/${slug}/actions/runner-groups/2/organizations`;

    const list = await t.request('GET', orgsPath, { token: seed.ownerToken });
    assert.equal(list.status, 200);
    assertSchema('ghec', 'GET', `${GROUP}/organizations`, 200, list.body);
    assert.equal(list.body.total_count, 1);
    assert.equal(list.body.organizations[0].login, seed.org.login);
    assert.equal(list.body.organizations[0].url, `${t.url}/orgs/${seed.org.login}`);

    const set = await t.request('PUT', orgsPath, { token: seed.ownerToken, body: { selected_organization_ids: [orgC.id, orgB.id] } });
    assert.equal(set.status, 204);
    assert.deepEqual(await selectedOrgIds(seed.enterprise.id, 2), [orgB.id, orgC.id].sort((a, b) => a - b));

    const paged = await t.request('GET', `${orgsPath}?per_page=1`, { token: seed.ownerToken });
    assertSchema('ghec', 'GET', `${GROUP}/organizations`, 200, paged.body);
    assert.equal(paged.body.total_count, 2);
    assert.equal(paged.body.organizations.length, 1);
    assert.match(paged.headers.get('link') ?? '', /page=2>; rel="next"/);

    // Bad sets change nothing: a foreign org (422), a missing or mistyped list (422 Invalid request).
    const before = await snapshot(seed.enterprise.id);
    const foreign = await t.request('PUT', orgsPath, { token: seed.ownerToken, body: { selected_organization_ids: [orgB.id, other.org.id] } });
    assertErrorBody(foreign, 422);
    const missing = await t.request('PUT', orgsPath, { token: seed.ownerToken, body: {} });
    assertErrorBody(missing, 422, true);
    const mistyped = await t.request('PUT', orgsPath, { token: seed.ownerToken, body: { selected_organization_ids: 'all' } });
    assertErrorBody(mistyped, 422, true);
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    const add = await t.request('PUT', `${orgsPath}/${seed.org.id}`, { token: seed.ownerToken });
    assert.equal(add.status, 204);
    const addAgain = await t.request('PUT', `${orgsPath}/${seed.org.id}`, { token: seed.ownerToken });
    assert.equal(addAgain.status, 204);
    assert.equal((await selectedOrgIds(seed.enterprise.id, 2)).length, 3);
    const remove = await t.request('DELETE', `${orgsPath}/${orgB.id}`, { token: seed.ownerToken });
    assert.equal(remove.status, 204);
    assert.deepEqual(await selectedOrgIds(seed.enterprise.id, 2), [seed.org.id, orgC.id].sort((a, b) => a - b));

    // 404 for an org of another enterprise or an unknown id; 422 on a group whose visibility is not `selected`.
    const before2 = await snapshot(seed.enterprise.id);
    assertErrorBody(await t.request('PUT', `${orgsPath}/${other.org.id}`, { token: seed.ownerToken }), 404);
    assertErrorBody(await t.request('DELETE', `${orgsPath}/${other.org.id}`, { token: seed.ownerToken }), 404);
    assertErrorBody(await t.request('PUT', `${orgsPath}/99999999`, { token: seed.ownerToken }), 404);
    assertErrorBody(await t.request('PUT', `${orgsPath}/not-a-number`, { token: seed.ownerToken }), 404);
    const allGroup = `/enterprises/${slug}/actions/runner-groups/3/organizations`;
    const notSelected = await t.request('PUT', `${allGroup}/${orgB.id}`, { token: seed.ownerToken });
    assertErrorBody(notSelected, 422);
    assert.equal(notSelected.body.errors[0].field, 'visibility');
    assertErrorBody(await t.request('DELETE', `${allGroup}/${seed.org.id}`, { token: seed.ownerToken }), 422);
    assert.deepEqual(await snapshot(seed.enterprise.id), before2);

    const actions = await auditActions(seed.enterprise.id);
    assert.equal(actions.filter((a) => a === 'enterprise.runner_group_visiblity_updated').length, 3, 'set, add, remove (the repeated add changed nothing)');
  });

  it('manages runners in a group: list, set, add and remove one', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const other = await seedEnterprise(t.ctx);
    const foreign = await addRunner(other.enterprise);
    const [r1, r2, r3] = [await addRunner(seed.enterprise), await addRunner(seed.enterprise), await addRunner(seed.enterprise)];
    await create(seed, { name: 'pool', runners: [r1, r2] });
    await create(seed, { name: 'spare' });
    const runnersPath = `/enterprises/${slug}/actions/runner-groups/2/runners`;

    const list = await t.request('GET', `${runnersPath}?per_page=1`, { token: seed.ownerToken });
    assert.equal(list.status, 200);
    assertSchema('ghec', 'GET', `${GROUP}/runners`, 200, list.body);
    assert.equal(list.body.total_count, 2);
    assert.equal(list.body.runners[0].id, r1);
    assert.equal(list.body.runners[0].runner_group_id, 2);
    assert.equal(
      list.headers.get('link'),
      `<${t.url}${runnersPath}?per_page=1&page=2>; rel="next", <${t.url}${runnersPath}?per_page=1&page=2>; rel="last"`,
    );

    // Set: r3 moves in, r1 is left out and goes back to Default.
    const set = await t.request('PUT', runnersPath, { token: seed.ownerToken, body: { runners: [r2, r3] } });
    assert.equal(set.status, 204);
    assert.deepEqual([await groupOf(r1), await groupOf(r2), await groupOf(r3)], [1, 2, 2]);
    const after = await t.request('GET', runnersPath, { token: seed.ownerToken });
    assertSchema('ghec', 'GET', `${GROUP}/runners`, 200, after.body);
    assert.deepEqual(after.body.runners.map((r: { id: number }) => r.id), [r2, r3]);

    // Bad sets change nothing.
    const before = await snapshot(seed.enterprise.id);
    assertErrorBody(await t.request('PUT', runnersPath, { token: seed.ownerToken, body: { runners: [r1, foreign] } }), 422);
    assertErrorBody(await t.request('PUT', runnersPath, { token: seed.ownerToken, body: {} }), 422, true);
    assertErrorBody(await t.request('PUT', runnersPath, { token: seed.ownerToken, body: { runners: [1.5] } }), 422, true);
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    // Add one: moves r2 from group 2 into group 3 (one group per runner).
    const add = await t.request('PUT', `/enterprises/${slug}/actions/runner-groups/3/runners/${r2}`, { token: seed.ownerToken });
    assert.equal(add.status, 204);
    assert.equal(await groupOf(r2), 3);

    // Remove one: back to Default. Removing from the Default group, or a runner not in the group, is a no-op 204.
    const remove = await t.request('DELETE', `${runnersPath}/${r3}`, { token: seed.ownerToken });
    assert.equal(remove.status, 204);
    assert.equal(await groupOf(r3), 1);
    const before2 = await snapshot(seed.enterprise.id);
    assert.equal((await t.request('DELETE', `/enterprises/${slug}/actions/runner-groups/1/runners/${r1}`, { token: seed.ownerToken })).status, 204);
    assert.equal((await t.request('DELETE', `${runnersPath}/${r2}`, { token: seed.ownerToken })).status, 204);
    assert.equal(await groupOf(r1), 1);
    assert.equal(await groupOf(r2), 3);

    // Another enterprise's runner is not found, whatever the verb.
    assertErrorBody(await t.request('PUT', `${runnersPath}/${foreign}`, { token: seed.ownerToken }), 404);
    assertErrorBody(await t.request('DELETE', `${runnersPath}/${foreign}`, { token: seed.ownerToken }), 404);
    assert.equal(await groupOf(foreign), 1);
    assert.deepEqual(await snapshot(seed.enterprise.id), before2);

    // Setting the Default group's runners pulls the listed ones in; nothing can leave Default.
    const setDefault = await t.request('PUT', `/enterprises/${slug}/actions/runner-groups/1/runners`, { token: seed.ownerToken, body: { runners: [r2] } });
    assert.equal(setDefault.status, 204);
    assert.deepEqual([await groupOf(r1), await groupOf(r2), await groupOf(r3)], [1, 1, 1]);

    assert.deepEqual(await auditActions(seed.enterprise.id), [
      'enterprise.runner_group_created',
      'enterprise.runner_group_runners_added',
      'enterprise.runner_group_created',
      'enterprise.runner_group_runners_updated',
      'enterprise.runner_group_runners_added',
      'enterprise.runner_group_runner_removed',
      'enterprise.runner_group_runners_updated',
    ]);
  });

  it('requires a token (401), an enterprise owner (404) and manage_runners:enterprise (403)', async () => {
    const seed = await seedEnterprise(t.ctx);
    const slug = seed.enterprise.slug;
    const base = `/enterprises/${slug}/actions/runner-groups`;
    await create(seed, { name: 'guarded', visibility: 'selected' });
    const runner = await addRunner(seed.enterprise);
    const { token: noScope } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['read:enterprise', 'admin:org']);
    const { token: member } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
    const { token: billing } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'billing_manager', ['admin:enterprise']);
    const { token: stranger } = await userWithToken(t.ctx, ['admin:enterprise']);
    const before = await snapshot(seed.enterprise.id);
    const calls: Array<[string, string, unknown]> = [
      ['GET', base, undefined],
      ['POST', base, { name: 'new' }],
      ['GET', `${base}/2`, undefined],
      ['PATCH', `${base}/2`, { name: 'x' }],
      ['DELETE', `${base}/2`, undefined],
      ['GET', `${base}/2/organizations`, undefined],
      ['PUT', `${base}/2/organizations`, { selected_organization_ids: [seed.org.id] }],
      ['PUT', `${base}/2/organizations/${seed.org.id}`, undefined],
      ['DELETE', `${base}/2/organizations/${seed.org.id}`, undefined],
      ['GET', `${base}/2/runners`, undefined],
      ['PUT', `${base}/2/runners`, { runners: [runner] }],
      ['PUT', `${base}/2/runners/${runner}`, undefined],
      ['DELETE', `${base}/2/runners/${runner}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      assertErrorBody(await t.request(method, path, { body }), 401);
      for (const token of [member, billing, stranger]) assertErrorBody(await t.request(method, path, { token, body }), 404);
      const forbidden = await t.request(method, path, { token: noScope, body });
      assertErrorBody(forbidden, 403);
      assert.equal(forbidden.headers.get('x-accepted-oauth-scopes'), 'admin:enterprise, manage_runners:enterprise');
    }
    assert.deepEqual(await snapshot(seed.enterprise.id), before);

    // The narrow scope alone is enough for an owner; a site administrator sees every enterprise.
    const { token: runnersOnly } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['manage_runners:enterprise']);
    const ok = await t.request('GET', `${base}/2`, { token: runnersOnly });
    assert.equal(ok.status, 200);
    assertSchema('ghec', 'GET', GROUP, 200, ok.body);
    const { token: siteAdmin } = await userWithToken(t.ctx, ['admin:enterprise'], { siteAdmin: true });
    const admin = await t.request('GET', base, { token: siteAdmin });
    assert.equal(admin.status, 200);
    assertSchema('ghec', 'GET', GROUPS, 200, admin.body);
  });

  it("answers 404 for another enterprise's group ids and changes nothing", async () => {
    const seed = await seedEnterprise(t.ctx);
    const other = await seedEnterprise(t.ctx);
    const otherRunner = await addRunner(other.enterprise);
    for (const name of ['a', 'b', 'c']) await create(other, { name, visibility: 'selected', selected_organization_ids: [other.org.id] });
    const otherGroup = await groupRow(other.enterprise.id, 4);
    assert.ok(otherGroup !== undefined);
    const ownRunner = await addRunner(seed.enterprise);
    const beforeOwn = await snapshot(seed.enterprise.id);
    const beforeOther = await snapshot(other.enterprise.id);
    // Group 4 exists only in the other enterprise; its internal row id names nothing here either.
    for (const id of [4, otherGroup.id, 0, 'x']) {
      const base = `/enterprises/${seed.enterprise.slug}/actions/runner-groups/${id}`;
      assertErrorBody(await t.request('GET', base, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('PATCH', base, { token: seed.ownerToken, body: { name: 'hijack' } }), 404);
      assertErrorBody(await t.request('DELETE', base, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('GET', `${base}/organizations`, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('PUT', `${base}/organizations`, { token: seed.ownerToken, body: { selected_organization_ids: [] } }), 404);
      assertErrorBody(await t.request('PUT', `${base}/organizations/${seed.org.id}`, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('DELETE', `${base}/organizations/${other.org.id}`, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('GET', `${base}/runners`, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('PUT', `${base}/runners`, { token: seed.ownerToken, body: { runners: [ownRunner] } }), 404);
      assertErrorBody(await t.request('PUT', `${base}/runners/${ownRunner}`, { token: seed.ownerToken }), 404);
      assertErrorBody(await t.request('DELETE', `${base}/runners/${otherRunner}`, { token: seed.ownerToken }), 404);
    }
    // The other enterprise's owner cannot reach this enterprise at all.
    assertErrorBody(await t.request('GET', `/enterprises/${seed.enterprise.slug}/actions/runner-groups/1`, { token: other.ownerToken }), 404);
    assert.deepEqual(await snapshot(seed.enterprise.id), beforeOwn);
    assert.deepEqual(await snapshot(other.enterprise.id), beforeOther);
  });

  it('drives all 13 operations through octokit.enterpriseAdmin (plugin-enterprise-cloud)', async () => {
    const seed = await seedEnterprise(t.ctx);
    const enterprise = seed.enterprise.slug;
    const orgB = await secondOrg(seed, 'octo');
    const r1 = await addRunner(seed.enterprise);
    const r2 = await addRunner(seed.enterprise);
    // @octokit/plugin-enterprise-cloud mounts its methods at `octokit.enterpriseAdmin` (there is no `rest.enterpriseAdmin`
    // in @octokit/rest); they are untyped, so results are read loosely.
    const api = octokitFor(t.url, seed.ownerToken).enterpriseAdmin as Record<string, (params: Record<string, unknown>) => Promise<{ status: number; data: any }>>;

    const created = await api.createSelfHostedRunnerGroupForEnterprise({ enterprise, name: 'octo-runner-group', visibility: 'selected', selected_organization_ids: [seed.org.id], runners: [r1] });
    assert.equal(created.status, 201);
    assertSchema('ghec', 'POST', GROUPS, 201, created.data);
    const runner_group_id = created.data.id;
    assert.equal(runner_group_id, 2);

    const listed = await api.listSelfHostedRunnerGroupsForEnterprise({ enterprise, per_page: 10, visible_to_organization: seed.org.login });
    assertSchema('ghec', 'GET', GROUPS, 200, listed.data);
    assert.deepEqual(listed.data.runner_groups.map((g: { id: number }) => g.id), [1, 2]);

    const got = await api.getSelfHostedRunnerGroupForEnterprise({ enterprise, runner_group_id });
    assertSchema('ghec', 'GET', GROUP, 200, got.data);
    assert.equal(got.data.name, 'octo-runner-group');

    const updated = await api.updateSelfHostedRunnerGroupForEnterprise({ enterprise, runner_group_id, name: 'renamed', allows_public_repositories: true });
    assertSchema('ghec', 'PATCH', GROUP, 200, updated.data);
    assert.equal(updated.data.name, 'renamed');
    assert.equal(updated.data.visibility, 'selected');

    assert.equal((await api.setOrgAccessToSelfHostedRunnerGroupInEnterprise({ enterprise, runner_group_id, selected_organization_ids: [orgB.id] })).status, 204);
    assert.equal((await api.addOrgAccessToSelfHostedRunnerGroupInEnterprise({ enterprise, runner_group_id, org_id: seed.org.id })).status, 204);
    assert.equal((await api.removeOrgAccessToSelfHostedRunnerGroupInEnterprise({ enterprise, runner_group_id, org_id: orgB.id })).status, 204);
    const orgs = await api.listOrgAccessToSelfHostedRunnerGroupInEnterprise({ enterprise, runner_group_id });
    assertSchema('ghec', 'GET', `${GROUP}/organizations`, 200, orgs.data);
    assert.deepEqual(orgs.data.organizations.map((o: { id: number }) => o.id), [seed.org.id]);

    assert.equal((await api.setSelfHostedRunnersInGroupForEnterprise({ enterprise, runner_group_id, runners: [r2] })).status, 204);
    assert.equal((await api.addSelfHostedRunnerToGroupForEnterprise({ enterprise, runner_group_id, runner_id: r1 })).status, 204);
    assert.equal((await api.removeSelfHostedRunnerFromGroupForEnterprise({ enterprise, runner_group_id, runner_id: r2 })).status, 204);
    const runners = await api.listSelfHostedRunnersInGroupForEnterprise({ enterprise, runner_group_id });
    assertSchema('ghec', 'GET', `${GROUP}/runners`, 200, runners.data);
    assert.deepEqual(runners.data.runners.map((r: { id: number }) => r.id), [r1]);
    assert.equal(await groupOf(r2), 1);

    assert.equal((await api.deleteSelfHostedRunnerGroupFromEnterprise({ enterprise, runner_group_id })).status, 204);
    assert.equal(await groupOf(r1), 1);
    await assert.rejects(api.getSelfHostedRunnerGroupForEnterprise({ enterprise, runner_group_id }), (error: { status?: number }) => error.status === 404);
    await assert.rejects(api.deleteSelfHostedRunnerGroupFromEnterprise({ enterprise, runner_group_id: 1 }), (error: { status?: number }) => error.status === 422);
  });
});
