/**
 * Organization SCIM parity with GitHub's reference (issue 8, second section) over HTTP, each checked by the state
 * that results (GET after the write, `meta.version`, `/orgs/{org}/members` and `/invitations`, nothing changed after
 * a refused request):
 * 1. PATCH with GitHub's documented path-less value keys (`active`, `userName`, `externalId`, `givenName`,
 *    `familyName`; the last two are `name.givenName` / `name.familyName`) applies them and moves the version;
 * 2. `"emails": ["octocat@github.com"]` (GitHub's own provisioning example) is accepted in the default mode and stored
 *    as `{value, primary: true}`; strict mode rejects it, as GitHub's schema types the items as objects;
 * 3. an identity provisioned with `active: false` survives an unrelated PATCH or PUT; only a request that sets
 *    `active` to false deprovisions;
 * 4. an identity whose email is an organization member's invites nobody;
 * 5. a member who is not an owner gets 403 (SCIM error body), an outsider 404;
 * 6. errors point at the organization SCIM reference page, at the root and under `/api/v3` (GitHub Enterprise Server
 *    has no organization SCIM page).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, createUser } from '../src/domain/accounts/accounts.ts';
import type { OrganizationRow } from '../src/storage/tables.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';
import { ERROR_URN, PATCH_URN, SCIM, USER_URN, scimUsersClient, userBody, type ScimUserBody } from './helpers/scim-users.ts';

const USERS = '/scim/v2/organizations/{org}/Users';
const USER = '/scim/v2/organizations/{org}/Users/{scim_user_id}';
const ORG_SCIM_DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim';

describe(`organization SCIM parity (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let org: OrganizationRow;
  let base: string;
  let owner: string;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
    org = seed.org;
    base = `/scim/v2/organizations/${org.login}`;
    owner = seed.ownerToken;
  });
  after(() => t.close());

  const { scim, patch, provision, get } = scimUsersClient(() => ({ t, base, owner }), { users: USERS, user: USER });

  async function invitations() {
    const res = await t.request('GET', `/orgs/${org.login}/invitations?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    assertSchema('ghec', 'GET', '/orgs/{org}/invitations', 200, res.body);
    return res.body as Array<{ login: string | null; email: string | null; invitation_source: string }>;
  }

  async function memberLogins(): Promise<string[]> {
    const res = await t.request('GET', `/orgs/${org.login}/members?per_page=100`, { token: owner });
    assert.equal(res.status, 200);
    return (res.body as Array<{ login: string }>).map((m) => m.login);
  }

  it("PATCH applies GitHub's path-less keys (givenName, familyName, userName, externalId, active) and moves meta.version", async () => {
    const user = await provision('keys@example.com', { externalId: 'ext-keys' });
    assert.equal(user.meta.version, 'W/"1"');

    // The reference's example, verbatim.
    const names = await patch(user.id, { op: 'replace', value: { givenName: 'New', familyName: 'Surname' } });
    assert.equal(names.status, 200, names.text);
    assertSchema('ghec', 'PATCH', USER, 200, names.body, SCIM);
    assert.deepEqual(names.body.name, { givenName: 'New', familyName: 'Surname' });
    assert.equal(names.body.meta.version, 'W/"2"');
    assert.equal(names.headers.get('etag'), 'W/"2"');
    const afterNames = await get(user.id);
    assert.deepEqual(afterNames.body.name, { givenName: 'New', familyName: 'Surname' });
    assert.equal(afterNames.body.meta.version, 'W/"2"');

    const rest = await patch(user.id, { op: 'replace', value: { userName: 'renamed@example.com', externalId: 'ext-renamed', active: true } });
    assert.equal(rest.status, 200, rest.text);
    assert.equal(rest.body.meta.version, 'W/"3"');
    const afterRest = await get(user.id);
    assert.equal(afterRest.body.userName, 'renamed@example.com');
    assert.equal(afterRest.body.externalId, 'ext-renamed');
    assert.equal(afterRest.body.active, true);
    const byFilter = await scim('GET', `${base}/Users?filter=${encodeURIComponent('externalId eq "ext-renamed"')}`);
    assert.deepEqual(byFilter.body.Resources.map((r: ScimUserBody) => r.id), [user.id]);

    // `add` takes the same keys; a bare path of the same name means the same attribute.
    const add = await patch(user.id, { op: 'add', value: { givenName: 'Added' } }, { op: 'replace', path: 'familyName', value: 'Pathed' });
    assert.equal(add.status, 200, add.text);
    assert.deepEqual((await get(user.id)).body.name, { givenName: 'Added', familyName: 'Pathed' });

    // The schema makes each key nullable: null unassigns (lenient mode has no required name).
    const cleared = await patch(user.id, { op: 'replace', value: { externalId: null } });
    assert.equal(cleared.status, 200, cleared.text);
    const afterClear = await get(user.id);
    assert.equal(afterClear.body.externalId, undefined);
    assert.equal(afterClear.body.meta.version, 'W/"5"');

    // The same values again change nothing: no new version.
    const same = await patch(user.id, { op: 'replace', value: { givenName: 'Added', familyName: 'Pathed' } });
    assert.equal(same.status, 200);
    assert.equal(same.body.meta.version, 'W/"5"');

    // A refused request changes nothing.
    const refused = await patch(user.id, { op: 'replace', value: { givenName: 'Never', userName: null } });
    assert.equal(refused.status, 400);
    assertSchema('ghec', 'PATCH', USER, 400, refused.body, SCIM);
    const unchanged = await get(user.id);
    assert.deepEqual(unchanged.body.name, { givenName: 'Added', familyName: 'Pathed' });
    assert.equal(unchanged.body.meta.version, 'W/"5"');
  });

  it('PATCH active:false through the path-less key still deprovisions: the member leaves, the identity is gone', async () => {
    const person = await userWithToken(t.ctx, ['user']);
    const user = await provision(person.user.login);
    assert.ok((await invitations()).some((i) => i.login === person.user.login));
    const off = await patch(user.id, { op: 'replace', value: { active: false, givenName: 'Gone' } });
    assert.equal(off.status, 200, off.text);
    assert.equal((await get(user.id)).status, 404);
    assert.ok(!(await invitations()).some((i) => i.login === person.user.login));
  });

  it('plain-string emails (GitHub\'s own example) are stored as {value, primary: true} for the first; the email is invited', async () => {
    const res = await scim<ScimUserBody>('POST', `${base}/Users`, {
      schemas: [USER_URN],
      userName: 'strings@example.com',
      name: { givenName: 'givenName', familyName: 'familyName' },
      emails: ['octocat@github.com', 'second@github.com'],
    });
    assert.equal(res.status, 201, res.text);
    assertSchema('ghec', 'POST', USERS, 201, res.body, SCIM);
    assert.deepEqual(res.body.emails, [{ value: 'octocat@github.com', primary: true }, { value: 'second@github.com' }]);
    assert.deepEqual((await get(res.body.id)).body.emails, [{ value: 'octocat@github.com', primary: true }, { value: 'second@github.com' }]);
    assert.ok((await invitations()).some((i) => i.email === 'octocat@github.com' && i.invitation_source === 'scim'));
    const filtered = await scim('GET', `${base}/Users?filter=${encodeURIComponent('emails eq "octocat@github.com"')}`);
    assert.deepEqual(filtered.body.Resources.map((r: ScimUserBody) => r.id), [res.body.id]);

    // PUT takes them too; an object marked primary keeps that role.
    const put = await scim<ScimUserBody>('PUT', `${base}/Users/${res.body.id}`, {
      userName: 'strings@example.com',
      name: { givenName: 'givenName', familyName: 'familyName' },
      emails: ['plain@github.com', { value: 'marked@github.com', primary: true }],
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await get(res.body.id)).body.emails, [{ value: 'plain@github.com' }, { value: 'marked@github.com', primary: true }]);

    // PATCH too: an add beside existing values keeps the primary; a replace makes the first string primary.
    const added = await patch(res.body.id, { op: 'add', path: 'emails', value: ['added@github.com'] });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual((await get(res.body.id)).body.emails, [{ value: 'plain@github.com' }, { value: 'marked@github.com', primary: true }, { value: 'added@github.com' }]);
    const replaced = await patch(res.body.id, { op: 'replace', value: { emails: ['only@github.com'] } });
    assert.equal(replaced.status, 200, replaced.text);
    const final = await get(res.body.id);
    assert.deepEqual(final.body.emails, [{ value: 'only@github.com', primary: true }]);
    assert.equal(final.body.meta.version, 'W/"4"');
  });

  it('strict mode rejects plain-string emails (GitHub types them as objects) and creates nothing', async () => {
    const strict = await startTestApp({ strictScim: true });
    try {
      const s = await seedEnterprise(strict.ctx);
      const path = `/scim/v2/organizations/${s.org.login}/Users`;
      const res = await strict.request('POST', path, {
        token: s.ownerToken,
        headers: { 'content-type': SCIM, 'user-agent': 'test' },
        rawBody: JSON.stringify({ schemas: [USER_URN], userName: 'strict@example.com', name: { givenName: 'A', familyName: 'B' }, emails: ['octocat@github.com'] }),
      });
      assert.equal(res.status, 400, res.text);
      assertSchema('ghec', 'POST', USERS, 400, res.body, SCIM);
      assert.equal(res.body.scimType, 'invalidValue');
      const list = await strict.request('GET', path, { token: s.ownerToken, headers: { 'user-agent': 'test' } });
      assert.equal(list.body.totalResults, 0);
      const invites = await strict.request('GET', `/orgs/${s.org.login}/invitations`, { token: s.ownerToken });
      assert.deepEqual(invites.body, []);
      // A PATCH with plain strings is refused too, and changes nothing.
      const made = await strict.request('POST', path, {
        token: s.ownerToken,
        headers: { 'content-type': SCIM, 'user-agent': 'test' },
        rawBody: JSON.stringify({ schemas: [USER_URN], userName: 'strict@example.com', name: { givenName: 'A', familyName: 'B' }, emails: [{ value: 'a@example.com', primary: true }] }),
      });
      assert.equal(made.status, 201, made.text);
      const patched = await strict.request('PATCH', `${path}/${made.body.id}`, {
        token: s.ownerToken,
        headers: { 'content-type': SCIM, 'user-agent': 'test' },
        rawBody: JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'emails', value: ['b@example.com'] }] }),
      });
      assert.equal(patched.status, 400, patched.text);
      const stored = await strict.request('GET', `${path}/${made.body.id}`, { token: s.ownerToken, headers: { 'user-agent': 'test' } });
      assert.deepEqual(stored.body.emails, [{ value: 'a@example.com', primary: true }]);
      assert.equal(stored.body.meta.version, 'W/"1"');
    } finally {
      await strict.close();
    }
  });

  it('an identity provisioned with active:false survives unrelated PATCH and PUT; only a request setting active:false deprovisions', async () => {
    const inactive = await provision('dormant@example.com', { active: false });
    assert.equal(inactive.active, false);
    assert.ok(!(await invitations()).some((i) => i.email === 'dormant@example.com'), 'no invitation while inactive');

    const renamed = await patch(inactive.id, { op: 'replace', path: 'displayName', value: 'Dormant Person' });
    assert.equal(renamed.status, 200, renamed.text);
    const afterPatch = await get(inactive.id);
    assert.equal(afterPatch.status, 200, 'an unrelated PATCH keeps the identity');
    assert.equal(afterPatch.body.displayName, 'Dormant Person');
    assert.equal(afterPatch.body.active, false);
    assert.equal(afterPatch.body.meta.version, 'W/"2"');

    const names = await patch(inactive.id, { op: 'replace', value: { givenName: 'Still', familyName: 'Here' } });
    assert.equal(names.status, 200);
    assert.equal((await get(inactive.id)).status, 200);

    // PUT without `active` keeps the stored state, and the identity.
    const put = await scim<ScimUserBody>('PUT', `${base}/Users/${inactive.id}`, userBody('dormant@example.com', { displayName: 'Put Person' }));
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.active, false);
    const afterPut = await get(inactive.id);
    assert.equal(afterPut.status, 200);
    assert.equal(afterPut.body.displayName, 'Put Person');
    assert.ok(!(await invitations()).some((i) => i.email === 'dormant@example.com'));

    // Activating invites, as provisioning an active identity does.
    const on = await patch(inactive.id, { op: 'replace', path: 'active', value: true });
    assert.equal(on.status, 200);
    assert.ok((await invitations()).some((i) => i.email === 'dormant@example.com'));

    // A PATCH that sets active:false on an identity that already is inactive deprovisions it.
    const other = await provision('again@example.com', { active: false });
    const off = await patch(other.id, { op: 'replace', value: { active: 'False' } });
    assert.equal(off.status, 200, off.text);
    assert.equal((await get(other.id)).status, 404);

    // A PUT that carries active:false deprovisions.
    const third = await provision('put-off@example.com', { active: false });
    const putOff = await scim('PUT', `${base}/Users/${third.id}`, userBody('put-off@example.com', { active: false, displayName: 'Changed' }));
    assert.equal(putOff.status, 200);
    assert.equal((await get(third.id)).status, 404);
  });

  it("an identity whose email is an organization member's gets no invitation; anyone else is invited", async () => {
    const member = await createUser(t.ctx, t.ctx.db, { login: `member-${org.id}`, email: 'Already.Member@example.com' }, null);
    await addOrgMember(t.ctx, t.ctx.db, org, member, 'member', null);
    const before = await invitations();
    const user = await scim<ScimUserBody>('POST', `${base}/Users`, { userName: 'idp-name-for-member', name: { givenName: 'A', familyName: 'B' }, emails: [{ value: 'already.member@example.com', primary: true }] });
    assert.equal(user.status, 201, user.text);
    assert.deepEqual(await invitations(), before, 'a member is not invited again');
    assert.ok((await memberLogins()).includes(member.login));
    const stranger = await provision('stranger@example.com');
    assert.ok((await invitations()).some((i) => i.email === 'stranger@example.com'));
    // Deprovisioning the identity takes away nothing SCIM did not give.
    assert.equal((await scim('DELETE', `${base}/Users/${user.body.id}`)).status, 204);
    assert.ok((await memberLogins()).includes(member.login));
    assert.equal((await get(stranger.id)).status, 200);
  });

  it('a member who is not an owner gets 403 with a SCIM body, and nothing changes; an outsider gets 404', async () => {
    const target = await provision('guarded@example.com');
    const member = await userWithToken(t.ctx, ['admin:org']);
    await addOrgMember(t.ctx, t.ctx.db, org, member.user, 'member', null);
    const outsider = await userWithToken(t.ctx, ['admin:org']);
    const countBefore = (await scim('GET', `${base}/Users?count=0`)).body.totalResults;

    for (const [method, path, body, operation] of [
      ['GET', `${base}/Users`, undefined, USERS],
      ['POST', `${base}/Users`, userBody('intruder@example.com'), USERS],
      ['PATCH', `${base}/Users/${target.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', value: { givenName: 'Hijacked' } }] }, USER],
      ['DELETE', `${base}/Users/${target.id}`, undefined, USER],
    ] as const) {
      const refused = await scim(method, path, body, member.token);
      assert.equal(refused.status, 403, `${method} ${path}`);
      assertSchema('ghec', method, operation, 403, refused.body, SCIM);
      assert.deepEqual(refused.body.schemas, [ERROR_URN]);
      assert.equal(refused.body.status, 403);
      assert.equal(refused.body.documentation_url, ORG_SCIM_DOCS);
      const hidden = await scim(method, path, body, outsider.token);
      assert.equal(hidden.status, 404, `${method} ${path}`);
      assertSchema('ghec', method, operation, 404, hidden.body, SCIM);
    }
    const after = await get(target.id);
    assert.equal(after.status, 200);
    assert.deepEqual(after.body.name, { givenName: 'Mona', familyName: 'Octocat' });
    assert.equal(after.body.meta.version, 'W/"1"');
    assert.equal((await scim('GET', `${base}/Users?count=0`)).body.totalResults, countBefore);
    assert.ok(!(await invitations()).some((i) => i.email === 'intruder@example.com'));
  });

  it('errors point at the organization SCIM page, at the root and under /api/v3 (GHES has no organization SCIM)', async () => {
    for (const prefix of ['', '/api/v3']) {
      const missing = await scim('GET', `${prefix}${base}/Users/no-such-id`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.documentation_url, ORG_SCIM_DOCS, prefix);
      const bad = await scim('POST', `${prefix}${base}/Users`, { name: { givenName: 'A', familyName: 'B' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.documentation_url, ORG_SCIM_DOCS, prefix);
      // GitHub's plain 401 on this surface names the same page.
      const anonymous = await t.request('GET', `${prefix}${base}/Users`, { headers: { accept: SCIM } });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.documentation_url, ORG_SCIM_DOCS, prefix);
    }
  });
});
