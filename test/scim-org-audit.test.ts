/**
 * Organization SCIM writes in the enterprise audit log: POST, PUT, PATCH and DELETE through
 * `/scim/v2/organizations/{org}/Users` each appear in `GET /enterprises/{enterprise}/audit-log` of the enterprise the
 * organization belongs to, with the actions the other dialects use (`external_identity.*`, `org.*`), the actor, the
 * organization and the identity. An organization outside any enterprise records its events with no enterprise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../src/domain/accounts/accounts.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const AUDIT = '/enterprises/{enterprise}/audit-log';
const SCIM = 'application/scim+json';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface AuditEntry {
  action: string;
  actor?: string;
  org?: string;
  org_id?: number;
  user?: string;
  business?: string;
  created_at: number;
  _document_id: string;
  scim_id?: string;
  user_name?: string;
  external_id?: string;
  dialect?: string;
  active?: boolean;
}

describe(`organization SCIM in the enterprise audit log (${storageKind})`, () => {
  let t: TestApp;
  let s: SeededEnterprise;

  before(async () => {
    t = await startTestApp();
    s = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  const scim = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token: s.ownerToken, headers: { accept: SCIM, 'content-type': SCIM }, ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }) });

  const auditLog = async (phrase: string): Promise<AuditEntry[]> => {
    const res = await t.request<AuditEntry[]>('GET', `/enterprises/${s.enterprise.slug}/audit-log?per_page=100&phrase=${encodeURIComponent(phrase)}`, { token: s.ownerToken });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', AUDIT, 200, res.body);
    return res.body;
  };

  it('records POST, PUT, PATCH and DELETE with actor, org and identity, newest first', async () => {
    const base = `/scim/v2/organizations/${s.org.login}/Users`;
    // An account whose login is the userName: the identity links to it and the event names it as `user`.
    const { user: person } = await userWithToken(t.ctx, []);
    const created = await scim('POST', base, {
      schemas: [USER_URN],
      userName: person.login,
      externalId: 'ext-audit-1',
      name: { givenName: 'Mona', familyName: 'Octocat' },
      emails: [{ value: 'mona.audit@example.com', primary: true, type: 'work' }],
    });
    assert.equal(created.status, 201);
    const id = (created.body as { id: string }).id;
    t.clock.advance(1000);
    const put = await scim('PUT', `${base}/${id}`, {
      schemas: [USER_URN],
      userName: person.login,
      externalId: 'ext-audit-1',
      displayName: 'Mona Put',
      name: { givenName: 'Mona', familyName: 'Put' },
      emails: [{ value: 'mona.audit@example.com', primary: true, type: 'work' }],
      active: true,
    });
    assert.equal(put.status, 200);
    t.clock.advance(1000);
    const patch = await scim('PATCH', `${base}/${id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'Mona Patch' }] });
    assert.equal(patch.status, 200);
    t.clock.advance(1000);
    assert.equal((await scim('DELETE', `${base}/${id}`)).status, 204);
    assert.equal((await scim('GET', `${base}/${id}`)).status, 404);

    const identity = await auditLog(`action:external_identity org:${s.org.login}`);
    assert.deepEqual(
      identity.map((e) => e.action),
      ['external_identity.deprovision', 'external_identity.update', 'external_identity.update', 'external_identity.provision'],
    );
    const times = identity.map((e) => e.created_at);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.ok(times[0]! > times[3]!);
    for (const e of identity) {
      assert.equal(e.actor, s.owner.login);
      assert.equal(e.org, s.org.login);
      assert.equal(e.org_id, s.org.id);
      assert.equal(e.business, s.enterprise.slug);
      assert.equal(e.user, person.login);
      assert.equal(e.scim_id, id);
      assert.equal(e.user_name, person.login);
      assert.equal(e.external_id, 'ext-audit-1');
      assert.equal(e.dialect, 'org');
    }

    // The organization side of the same writes: the invitation on POST, its cancellation on DELETE.
    const orgSide = await auditLog(`action:org org:${s.org.login} user:${person.login}`);
    assert.deepEqual(orgSide.map((e) => e.action), ['org.cancel_invitation', 'org.invite_member']);
    for (const e of orgSide) assert.equal(e.actor, s.owner.login);

    // The `org:` qualifier selects by organization: another organization's name finds none of these.
    const elsewhere = await createOrganization(t.ctx, { login: `other-${storageKind}-audit`, enterpriseSlug: s.enterprise.slug, adminLogin: s.owner.login }, null);
    assert.deepEqual(await auditLog(`action:external_identity org:${elsewhere.login}`), []);
  });

  it('records deactivation (PATCH active false) as a deprovision in the enterprise log', async () => {
    const base = `/scim/v2/organizations/${s.org.login}/Users`;
    const created = await scim('POST', base, { schemas: [USER_URN], userName: 'email-only-audit', emails: [{ value: 'email-only-audit@example.com', primary: true }] });
    assert.equal(created.status, 201);
    const id = (created.body as { id: string }).id;
    const off = await scim('PATCH', `${base}/${id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'active', value: false }] });
    assert.ok(off.status === 200 || off.status === 204, `status ${off.status}`);
    assert.equal((await scim('GET', `${base}/${id}`)).status, 404);
    const events = (await auditLog(`action:external_identity org:${s.org.login}`)).filter((e) => e.scim_id === id);
    assert.equal(events[0]?.action, 'external_identity.deprovision');
    assert.equal(events.at(-1)?.action, 'external_identity.provision');
    for (const e of events) {
      assert.equal(e.actor, s.owner.login);
      assert.equal(e.user_name, 'email-only-audit');
      assert.equal(e.user, undefined);
    }
  });

  it('records an organization outside any enterprise with no enterprise', async () => {
    const { user: admin, token } = await userWithToken(t.ctx, ['admin:org']);
    const loose = await createOrganization(t.ctx, { login: `loose-${storageKind}-audit`, adminLogin: admin.login }, null);
    const mark = (await t.ctx.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()).id;
    const res = await t.request('POST', `/scim/v2/organizations/${loose.login}/Users`, {
      token,
      headers: { accept: SCIM, 'content-type': SCIM },
      rawBody: JSON.stringify({ schemas: [USER_URN], userName: 'loose-person', emails: [{ value: 'loose-person@example.com', primary: true }] }),
    });
    assert.equal(res.status, 201);
    const rows = await t.ctx.db.selectFrom('audit_events').select(['action', 'enterprise_id', 'actor']).where('org_id', '=', loose.id).where('id', '>', mark).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => r.action), ['org.invite_member', 'external_identity.provision']);
    for (const r of rows) {
      assert.equal(r.enterprise_id, null);
      assert.equal(r.actor, admin.login);
    }
    assert.deepEqual(await auditLog(`org:${loose.login}`), []);
  });
});
