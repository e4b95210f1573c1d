/**
 * GET /enterprises/{enterprise}/audit-log: every change is recorded; phrase filters, order and cursors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../src/domain/accounts/accounts.ts';
import { enterpriseMemberToken, seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';
import { octokitFor } from './helpers/octokit.ts';

const PATH = '/enterprises/{enterprise}/audit-log';

describe(`audit log (${storageKind})`, () => {
  let t: TestApp;
  let s: SeededEnterprise;

  before(async () => {
    t = await startTestApp();
    s = await seedEnterprise(t.ctx);
    for (let i = 0; i < 5; i += 1) {
      t.clock.advance(86_400_000);
      await createOrganization(t.ctx, { login: `audited-${i}`, enterpriseSlug: s.enterprise.slug, adminLogin: s.owner.login }, { id: s.owner.id, login: s.owner.login, siteAdmin: false });
    }
  });
  after(() => t.close());

  it('lists events newest first in the documented shape', async () => {
    const res = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log`, { token: s.ownerToken });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', PATH, 200, res.body);
    const actions = res.body.map((e: { action: string }) => e.action);
    assert.ok(actions.includes('business.create'));
    assert.ok(actions.includes('org.create'));
    const times = res.body.map((e: { created_at: number }) => e.created_at);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    const orgCreate = res.body.find((e: { action: string; org?: string }) => e.action === 'org.create' && e.org === 'audited-4');
    assert.equal(orgCreate.actor, s.owner.login);
    assert.equal(orgCreate.business, s.enterprise.slug);
  });

  it('filters by phrase qualifiers, negation and created ranges', async () => {
    const byAction = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?phrase=${encodeURIComponent('action:org.create')}`, { token: s.ownerToken });
    assert.ok(byAction.body.length >= 5);
    assert.ok(byAction.body.every((e: { action: string }) => e.action === 'org.create'));
    const category = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?phrase=${encodeURIComponent('action:org -action:org.create')}`, { token: s.ownerToken });
    assert.ok(category.body.length > 0);
    assert.ok(category.body.every((e: { action: string }) => e.action.startsWith('org.') && e.action !== 'org.create'));
    const day = new Date(t.clock.now().getTime()).toISOString().slice(0, 10);
    const created = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?phrase=${encodeURIComponent(`action:org.create created:${day}`)}`, { token: s.ownerToken });
    assert.deepEqual(created.body.map((e: { org: string }) => e.org), ['audited-4']);
    const bad = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?phrase=${encodeURIComponent('created:yesterday')}`, { token: s.ownerToken });
    assert.equal(bad.status, 422);
  });

  it('pages with cursors in both directions and ascending order', async () => {
    const all = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?per_page=100`, { token: s.ownerToken });
    const first = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?per_page=3`, { token: s.ownerToken });
    assert.equal(first.body.length, 3);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next !== undefined);
    const second = await t.request('GET', next.slice(t.url.length), { token: s.ownerToken });
    assert.deepEqual(
      [...first.body, ...second.body].map((e: { _document_id: string }) => e._document_id),
      all.body.slice(0, 6).map((e: { _document_id: string }) => e._document_id),
    );
    const prev = /<([^>]+)>; rel="prev"/.exec(second.headers.get('link') ?? '')?.[1];
    assert.ok(prev !== undefined);
    const back = await t.request('GET', prev.slice(t.url.length), { token: s.ownerToken });
    assert.deepEqual(back.body, first.body);
    const asc = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?order=asc&per_page=100`, { token: s.ownerToken });
    assert.deepEqual(asc.body, [...all.body].reverse());
    const badCursor = await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log?after=nonsense`, { token: s.ownerToken });
    assert.equal(badCursor.status, 422);
  });

  it('is visible only to owners with an audit scope', async () => {
    const member = await enterpriseMemberToken(t.ctx, s.enterprise, 'member', ['read:audit_log']);
    assert.equal((await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log`, { token: member.token })).status, 404);
    const other = await seedEnterprise(t.ctx);
    assert.equal((await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log`, { token: other.ownerToken })).status, 404);
    const { token } = await userWithToken(t.ctx, ['read:org']);
    assert.equal((await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log`, { token })).status, 404);
    assert.equal((await t.request('GET', `/enterprises/${s.enterprise.slug}/audit-log`)).status, 401);
  });

  it('works through octokit', async () => {
    const octokit = octokitFor(t.url, s.ownerToken);
    const res = await octokit.request('GET /enterprises/{enterprise}/audit-log', { enterprise: s.enterprise.slug, phrase: 'action:org.create', per_page: 2 });
    assert.equal(res.status, 200);
    assert.equal(res.data.length, 2);
  });
});
