/**
 * GitHub Enterprise Server's instance SCIM (`/scim/v2/Users`, `/api/v3/scim/v2/Users`) against Enterprise Managed
 * Users (`/scim/v2/enterprises/{enterprise}` on a managed enterprise), over HTTP, checking the resulting state:
 * 1. logins: GHES normalizes `userName` as for SAML and appends nothing (`E012345` → `E012345`); EMU appends the
 *    shortcode; an identity keeps the rules it was provisioned under whichever path later changes it;
 * 2. GHES links an identity to an existing account of the same login (local or SAML JIT): same id, tokens keep
 *    working while active, suspension/restore/DELETE act on that account; one identity per account (409);
 * 3. role values in every spelling GitHub's pages and specs use, answered in the product's spelling.
 * Docs: https://docs.github.com/enterprise-server@latest/rest/enterprise-admin/scim,
 * https://docs.github.com/enterprise-server@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication,
 * https://docs.github.com/enterprise-cloud@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addOrgMember, findUserByLogin } from '../src/domain/accounts/accounts.ts';
import type { EnterpriseRow } from '../src/storage/tables.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const SPEC = {
  users: '/scim/v2/enterprises/{enterprise}/Users',
  user: '/scim/v2/enterprises/{enterprise}/Users/{scim_user_id}',
} as const;

/**
 * The role values GHES's instance SCIM answers with: its display forms (GHES 3.9's description of these very paths,
 * https://docs.github.com/enterprise-server@3.9/rest/enterprise-admin/scim, lists them; its examples return
 * `"value": "User"`) and the Entra app-role GUIDs.
 */
const GHES_ROLE_VALUES = [
  'User',
  'Restricted User',
  'Enterprise Owner',
  'Billing Manager',
  '27d9891d-2c17-4f45-a262-781a0e55c80a',
  '1ebc4a02-e56c-43a6-92a5-02ee09b90824',
  '981df190-8801-4618-a08a-d91f6206c954',
  'ba4987ab-a1c3-412a-b58c-360fc407cb10',
  '0e338b8c-cc7f-498a-928d-ea3470d7e7e3',
  'e6be2762-e4ad-4108-b72d-1bbe884a0f91',
];

/**
 * Validates an instance-path User body: GHEC's enterprise operation (the same contract) for everything but the role
 * values, which must be GHES's spellings.
 */
function checkInstance(method: string, path: keyof typeof SPEC, res: ApiResponse): void {
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const body = res.body as Record<string, unknown>;
  const roles = Array.isArray(body.roles) ? (body.roles as Array<{ value: string }>) : [];
  for (const role of roles) assert.ok(GHES_ROLE_VALUES.includes(role.value), `GHES role value ${role.value}`);
  assertSchema('ghec', method, SPEC[path], res.status, res.status < 300 ? { ...body, roles: undefined } : body, type);
}

/** Validates an EMU-path body against GHEC's operation as is (the enum's role names). */
function checkEmu(method: string, path: keyof typeof SPEC, res: ApiResponse): void {
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  assertSchema('ghec', method, SPEC[path], res.status, res.body, type);
}

let counter = 0;
function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    schemas: [USER_SCHEMA],
    externalId: `ext-${counter}`,
    userName,
    active: true,
    displayName: `Person ${counter}`,
    name: { givenName: 'Person', familyName: String(counter) },
    emails: [{ value: `person${counter}@idp.example`, type: 'work', primary: true }],
    ...extra,
  };
}

function patch(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

describe(`GHES instance SCIM vs Enterprise Managed Users (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let ent: EnterpriseRow;
  let emu: SeededEnterprise;
  let siteAdmin: string;

  const call = (method: string, path: string, body?: unknown, token = seed.ownerToken) =>
    t.request(method, path, {
      token,
      headers: { accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { body }),
    });
  /** The instance paths (both roots). */
  const instance = (method: string, path: string, body?: unknown, root = '/scim/v2') => call(method, `${root}${path}`, body);
  /** The instance enterprise at its EMU path. */
  const sameEnterpriseEmu = (method: string, path: string, body?: unknown) => call(method, `/scim/v2/enterprises/${ent.slug}${path}`, body);
  /** Another managed enterprise (EMU). */
  const otherEmu = (method: string, path: string, body?: unknown) => call(method, `/scim/v2/enterprises/${emu.enterprise.slug}${path}`, body, emu.ownerToken);

  const identityRow = (scimId: string) => t.ctx.db.selectFrom('scim_users').selectAll().where('scim_id', '=', scimId).executeTakeFirst();
  const accountById = (id: number) => t.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const accountOf = async (scimId: string) => accountById((await identityRow(scimId))!.user_id!);
  const roleOf = async (enterpriseId: number, userId: number) =>
    (await t.ctx.db.selectFrom('enterprise_members').select('role').where('enterprise_id', '=', enterpriseId).where('user_id', '=', userId).executeTakeFirst())?.role;
  const audits = (action: string) => t.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('enterprise_id', '=', ent.id).execute();
  const counts = async () => ({
    identities: (await t.ctx.db.selectFrom('scim_users').select('id').execute()).length,
    accounts: (await t.ctx.db.selectFrom('users').select('id').execute()).length,
  });

  /** A local account made by a site administrator over REST, with a token holding `scopes`. */
  async function localAccount(login: string, scopes: string[] = ['read:user']): Promise<{ id: number; token: string }> {
    const created = await t.request('POST', '/admin/users', { token: siteAdmin, body: { login, email: `${login}@local.example`, name: `Local ${login}` } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const minted = await t.request('POST', `/admin/users/${login}/authorizations`, { token: siteAdmin, body: { scopes } });
    assert.equal(minted.status, 201);
    return { id: created.body.id as number, token: minted.body.token as string };
  }

  before(async () => {
    t = await startTestApp();
    // The first managed enterprise is the instance's.
    seed = await seedEnterprise(t.ctx, { kind: 'managed', slug: 'instance-ent' });
    ent = seed.enterprise;
    emu = await seedEnterprise(t.ctx, { kind: 'managed', slug: 'emu-ent' });
    siteAdmin = (await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true })).token;
  });
  after(() => t.close());

  // ---- 1. Logins ---------------------------------------------------------------------------------------------

  it('instance paths name the account after the normalized userName with no shortcode; EMU appends it', async () => {
    const created = await instance('POST', '/Users', userBody('E012345', { externalId: 'E012345' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    checkInstance('POST', 'users', created);
    assert.equal(created.body.userName, 'E012345');
    const account = await accountOf(created.body.id);
    assert.equal(account.login, 'E012345');
    assert.equal(account.managed_by_enterprise_id, ent.id);
    const rest = await t.request('GET', '/users/E012345', { token: seed.ownerToken });
    assert.equal(rest.status, 200);
    assert.equal(rest.body.id, account.id);
    assertSchema('ghec', 'GET', '/users/{username}', 200, rest.body);
    assert.equal((await findUserByLogin(t.ctx.db, `E012345_${ent.shortcode}`)), undefined, 'no shortcode account');

    // The same rules on /api/v3 and for every normalization GHES applies as for SAML.
    const cases: Array<[string, string]> = [
      ['mona.the.octocat', 'mona-the-octocat'],
      ['Adele.Vance@contoso.com', 'Adele-Vance'],
      ['CONTOSO\\jdoe', 'jdoe'],
      ['under_score', 'under-score'],
      ['x'.repeat(39), 'x'.repeat(39)],
    ];
    for (const [userName, login] of cases) {
      const res = await instance('POST', '/Users', userBody(userName), '/api/v3/scim/v2');
      assert.equal(res.status, 201, userName);
      checkInstance('POST', 'users', res);
      assert.equal((await accountOf(res.body.id)).login, login, userName);
      assert.equal((await t.request('GET', `/users/${login}`, { token: seed.ownerToken })).status, 200);
    }

    // EMU: another managed enterprise, and the instance enterprise itself at its enterprise path.
    const onEmu = await otherEmu('POST', '/Users', userBody('E012345'));
    assert.equal(onEmu.status, 201);
    checkEmu('POST', 'users', onEmu);
    assert.equal((await accountOf(onEmu.body.id)).login, `E012345_${emu.enterprise.shortcode}`);
    const viaSlug = await sameEnterpriseEmu('POST', '/Users', userBody('F054321'));
    assert.equal(viaSlug.status, 201);
    checkEmu('POST', 'users', viaSlug);
    assert.equal((await accountOf(viaSlug.body.id)).login, `F054321_${ent.shortcode}`);
  });

  it('instance paths reject what GitHub rejects (400 invalidValue, nothing created), including 40 characters', async () => {
    const before = await counts();
    for (const userName of ['!The.Octocat', 'The!!Octocat', 'trailing.', '-lead', 'a--b', '@example.com', 'y'.repeat(40)]) {
      const res = await instance('POST', '/Users', userBody(userName));
      assert.equal(res.status, 400, userName);
      checkInstance('POST', 'users', res);
      assert.equal(res.body.scimType, 'invalidValue');
    }
    assert.deepEqual(await counts(), before);
  });

  it('two userNames normalizing to one GHES login: the second is 409 uniqueness and changes nothing', async () => {
    const first = await instance('POST', '/Users', userBody('j.doe'));
    assert.equal(first.status, 201);
    const before = await counts();
    const second = await instance('POST', '/Users', userBody('j-doe@idp.example'));
    assert.equal(second.status, 409);
    assert.equal(second.body.scimType, 'uniqueness');
    assert.deepEqual(await counts(), before);
    assert.equal((await accountOf(first.body.id)).login, 'j-doe');
  });

  it('an identity keeps the rules it was provisioned under: suspended and restored through the EMU path, still E-style', async () => {
    const created = await instance('POST', '/Users', userBody('G777'));
    const accountId = (await accountOf(created.body.id)).id;
    const off = await sameEnterpriseEmu('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(off.status, 200);
    const suspended = await accountById(accountId);
    assert.notEqual(suspended.suspended_at, null);
    assert.match(suspended.login, /^[0-9a-f]{20}$/, 'GHES handles carry no shortcode');
    const on = await sameEnterpriseEmu('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'active', value: true }));
    assert.equal(on.status, 200);
    assert.equal((await accountById(accountId)).login, 'G777');
    // And the reverse: an EMU identity restored through the instance path keeps its shortcode.
    const emuMade = await sameEnterpriseEmu('POST', '/Users', userBody('H888'));
    const emuAccount = (await accountOf(emuMade.body.id)).id;
    assert.equal((await instance('PATCH', `/Users/${emuMade.body.id}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200);
    assert.match((await accountById(emuAccount)).login, new RegExp(`^[0-9a-f]{20}_${ent.shortcode}$`));
    assert.equal((await instance('PATCH', `/Users/${emuMade.body.id}`, patch({ op: 'replace', path: 'active', value: true }))).status, 200);
    assert.equal((await accountById(emuAccount)).login, `H888_${ent.shortcode}`);
  });

  // ---- 2. Linking existing accounts (GHES) -------------------------------------------------------------------

  it('provisioning bob when a local account bob exists links it: same id, tokens keep working, no bob_<shortcode>', async () => {
    const bob = await localAccount('bob');
    await addOrgMember(t.ctx, t.ctx.db, seed.org, await accountById(bob.id), 'member', null);
    const before = await counts();

    const res = await instance('POST', '/Users', userBody('bob', { displayName: 'Bob From IdP', emails: [{ value: 'bob@idp.example', type: 'work', primary: true }], roles: [{ value: 'User' }] }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    checkInstance('POST', 'users', res);
    assert.deepEqual(await counts(), { identities: before.identities + 1, accounts: before.accounts }, 'no new account');
    assert.equal((await identityRow(res.body.id))!.user_id, bob.id);
    assert.equal(await findUserByLogin(t.ctx.db, `bob_${ent.shortcode}`), undefined);

    const shown = await t.request('GET', '/users/bob', { token: seed.ownerToken });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.id, bob.id);
    // Profile details come from the IdP.
    assert.equal(shown.body.name, 'Bob From IdP');
    // The work email is not shown to others (only the account itself and site administrators see it).
    assert.equal(shown.body.email, null);
    const self = await t.request('GET', '/user', { token: bob.token });
    assert.equal(self.status, 200);
    assert.deepEqual([self.body.id, self.body.login, self.body.email], [bob.id, 'bob', 'bob@idp.example']);
    assert.equal(await roleOf(ent.id, bob.id), 'member');
    assert.equal((await accountById(bob.id)).managed_by_enterprise_id, ent.id);
    const [provisioned] = (await audits('external_identity.provision')).filter((a) => JSON.parse(a.data).scim_id === res.body.id);
    assert.equal(provisioned!.user_id, bob.id);

    // A second identity for the same account: 409 uniqueness, nothing changes.
    const again = await instance('POST', '/Users', userBody('bob@other.example'));
    assert.equal(again.status, 409);
    assert.equal(again.body.scimType, 'uniqueness');
    assert.deepEqual(await counts(), { identities: before.identities + 1, accounts: before.accounts });

    // active:false suspends and obfuscates bob; his token stops working.
    t.clock.advance(1000);
    const off = await instance('PATCH', `/Users/${res.body.id}`, patch({ op: 'Replace', path: 'active', value: false }));
    assert.equal(off.status, 200);
    checkInstance('PATCH', 'user', off);
    const suspended = await accountById(bob.id);
    assert.notEqual(suspended.suspended_at, null);
    assert.match(suspended.login, /^[0-9a-f]{20}$/);
    assert.match(suspended.email ?? '', /@obfuscated\.invalid$/);
    assert.equal((await t.request('GET', '/users/bob', { token: seed.ownerToken })).status, 404);
    const hidden = await t.request('GET', `/users/${suspended.login}`, { token: seed.ownerToken });
    assert.equal(hidden.body.suspended_at, suspended.suspended_at);
    assert.equal((await t.request('GET', '/user', { token: bob.token })).status, 401);
    assert.ok((await audits('user.suspend')).some((a) => a.user_id === bob.id));

    // active:true restores bob: same id, login and profile back, the same token works, still an org member.
    const on = await instance('PATCH', `/Users/${res.body.id}`, patch({ op: 'replace', value: { active: true } }));
    assert.equal(on.status, 200);
    const restored = await t.request('GET', '/users/bob', { token: bob.token });
    assert.deepEqual([restored.body.id, restored.body.email, 'suspended_at' in restored.body], [bob.id, 'bob@idp.example', false]);
    assert.equal((await t.request('GET', '/user', { token: bob.token })).status, 200);
    assert.equal((await t.request('GET', `/orgs/${seed.org.login}/members/bob`, { token: seed.ownerToken })).status, 204);
    assert.ok((await audits('user.unsuspend')).some((a) => a.user_id === bob.id));

    // DELETE deprovisions bob for good: the account stays (same id), anonymous, without tokens or memberships.
    const gone = await instance('DELETE', `/Users/${res.body.id}`);
    assert.equal(gone.status, 204);
    const row = await accountById(bob.id);
    assert.notEqual(row.suspended_at, null);
    assert.match(row.login, /^[0-9a-f]{20}$/);
    assert.equal(row.name, null);
    assert.equal((await t.request('GET', '/user', { token: bob.token })).status, 401);
    assert.equal((await t.ctx.db.selectFrom('access_tokens').select('id').where('user_id', '=', bob.id).execute()).length, 0);
    assert.equal((await t.ctx.db.selectFrom('org_members').select('org_id').where('user_id', '=', bob.id).execute()).length, 0);
    assert.equal(await roleOf(ent.id, bob.id), undefined);
    assert.ok((await audits('business.remove_member')).some((a) => a.user_id === bob.id));
    assert.equal((await t.request('GET', '/users/bob', { token: seed.ownerToken })).status, 404);
  });

  it('a linked account that is already an enterprise owner keeps its role unless the IdP sends roles', async () => {
    const carol = await localAccount('carol', ['admin:enterprise']);
    assert.equal((await t.request('PUT', `/admin/enterprises/${ent.slug}/members/carol`, { token: siteAdmin, body: { role: 'owner' } })).status, 204);

    const linked = await instance('POST', '/Users', userBody('carol@corp.example'));
    assert.equal(linked.status, 201);
    assert.equal(linked.body.roles, undefined);
    assert.equal((await identityRow(linked.body.id))!.user_id, carol.id);
    assert.equal(await roleOf(ent.id, carol.id), 'owner');
    // Her owner token still administers the enterprise (here: its SCIM).
    assert.equal((await call('GET', '/scim/v2/Users?count=0', undefined, carol.token)).status, 200);
    // A profile change without roles leaves the role alone; roles from the IdP set it.
    assert.equal((await instance('PATCH', `/Users/${linked.body.id}`, patch({ op: 'replace', path: 'displayName', value: 'Carol C.' }))).status, 200);
    assert.equal(await roleOf(ent.id, carol.id), 'owner');
    const demoted = await instance('PATCH', `/Users/${linked.body.id}`, patch({ op: 'add', path: 'roles', value: [{ value: 'Billing Manager' }] }));
    assert.equal(demoted.status, 200);
    checkInstance('PATCH', 'user', demoted);
    assert.deepEqual(demoted.body.roles, [{ value: 'Billing Manager' }]);
    assert.equal(await roleOf(ent.id, carol.id), 'billing_manager');
    assert.ok((await audits('business.add_billing_manager')).some((a) => a.user_id === carol.id));
  });

  it('an existing account provisioned inactive is linked and suspended at once', async () => {
    const dave = await localAccount('dave');
    const res = await instance('POST', '/Users', userBody('dave', { active: false }));
    assert.equal(res.status, 201);
    assert.equal(res.body.active, false);
    const row = await accountById(dave.id);
    assert.equal((await identityRow(res.body.id))!.user_id, dave.id);
    assert.notEqual(row.suspended_at, null);
    assert.match(row.login, /^[0-9a-f]{20}$/);
    assert.equal((await t.request('GET', '/user', { token: dave.token })).status, 401);
    // Reactivated by the IdP, dave is back with his token.
    assert.equal((await instance('PATCH', `/Users/${res.body.id}`, patch({ op: 'replace', path: 'active', value: true }))).status, 200);
    assert.equal((await t.request('GET', '/user', { token: dave.token })).body.login, 'dave');
  });

  it('the letter case of userName wins when it links an account (logins are case-insensitive)', async () => {
    const erin = await localAccount('erin');
    const res = await instance('POST', '/Users', userBody('Erin@corp.example'));
    assert.equal(res.status, 201);
    assert.equal((await accountById(erin.id)).login, 'Erin');
    assert.ok((await audits('user.rename')).some((a) => a.user_id === erin.id));
    assert.equal((await t.request('GET', '/users/erin', { token: seed.ownerToken })).body.id, erin.id);
  });

  it('EMU never links: a local account with the EMU login makes provisioning 409; a plain login is no conflict', async () => {
    await localAccount('frank');
    const res = await otherEmu('POST', '/Users', userBody('frank'));
    assert.equal(res.status, 201);
    const made = await accountOf(res.body.id);
    assert.equal(made.login, `frank_${emu.enterprise.shortcode}`);
    assert.notEqual(made.id, (await findUserByLogin(t.ctx.db, 'frank'))!.id);
    await localAccount(`gina`);
    // A local account already holding the EMU-style login (created by hand) is a conflict, not a link.
    await t.ctx.db.updateTable('users').set({ login: `gina_${emu.enterprise.shortcode}`, login_lower: `gina_${emu.enterprise.shortcode}`.toLowerCase() }).where('login_lower', '=', 'gina').execute();
    const before = await counts();
    const conflict = await otherEmu('POST', '/Users', userBody('gina'));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.scimType, 'uniqueness');
    assert.deepEqual(await counts(), before);
  });

  // ---- 3. Role spellings --------------------------------------------------------------------------------------

  it('every role spelling is accepted; the instance answers GHES display forms, EMU the enum names', async () => {
    const cases: Array<[string, string, string, string]> = [
      // sent, enterprise role, GHES answer, EMU answer
      ['User', 'member', 'User', 'user'],
      ['user', 'member', 'User', 'user'],
      ['Restricted User', 'guest_collaborator', 'Restricted User', 'guest_collaborator'],
      ['restricted_user', 'guest_collaborator', 'Restricted User', 'guest_collaborator'],
      ['guest_collaborator', 'guest_collaborator', 'Restricted User', 'guest_collaborator'],
      ['Enterprise Owner', 'owner', 'Enterprise Owner', 'enterprise_owner'],
      ['enterprise_owner', 'owner', 'Enterprise Owner', 'enterprise_owner'],
      ['ENTERPRISE OWNER', 'owner', 'Enterprise Owner', 'enterprise_owner'],
      ['Billing Manager', 'billing_manager', 'Billing Manager', 'billing_manager'],
      ['billing_manager', 'billing_manager', 'Billing Manager', 'billing_manager'],
      ['0E338B8C-CC7F-498A-928D-EA3470D7E7E3', 'billing_manager', '0e338b8c-cc7f-498a-928d-ea3470d7e7e3', '0e338b8c-cc7f-498a-928d-ea3470d7e7e3'],
      ['981df190-8801-4618-a08a-d91f6206c954', 'owner', '981df190-8801-4618-a08a-d91f6206c954', '981df190-8801-4618-a08a-d91f6206c954'],
      ['1ebc4a02-e56c-43a6-92a5-02ee09b90824', 'guest_collaborator', '1ebc4a02-e56c-43a6-92a5-02ee09b90824', '1ebc4a02-e56c-43a6-92a5-02ee09b90824'],
    ];
    let n = 0;
    for (const [sent, role, ghes, emuValue] of cases) {
      n += 1;
      const roles = [{ value: sent, primary: true }];
      const onInstance = await instance('POST', '/Users', userBody(`role-i${n}`, { roles }));
      assert.equal(onInstance.status, 201, sent);
      checkInstance('POST', 'users', onInstance);
      assert.deepEqual(onInstance.body.roles, [{ value: ghes, primary: true }], sent);
      assert.equal(await roleOf(ent.id, (await accountOf(onInstance.body.id)).id), role, sent);
      const onEmu = await otherEmu('POST', '/Users', userBody(`role-e${n}`, { roles }));
      assert.equal(onEmu.status, 201, sent);
      checkEmu('POST', 'users', onEmu);
      assert.deepEqual(onEmu.body.roles, [{ value: emuValue, primary: true }], sent);
      assert.equal(await roleOf(emu.enterprise.id, (await accountOf(onEmu.body.id)).id), role, sent);

      // The same identity read through the instance enterprise's EMU path answers in EMU's spelling, and back.
      const viaEmu = await sameEnterpriseEmu('GET', `/Users/${onInstance.body.id}`);
      checkEmu('GET', 'user', viaEmu);
      assert.deepEqual(viaEmu.body.roles, [{ value: emuValue, primary: true }], sent);
      const listed = await instance('GET', `/Users?filter=${encodeURIComponent(`userName eq "role-i${n}"`)}`);
      assert.deepEqual(listed.body.Resources[0].roles, [{ value: ghes, primary: true }], sent);
    }

    // Several roles: the most privileged gives the enterprise role; each is answered in the product's spelling.
    const mixed = await instance('POST', '/Users', userBody('role-mixed', { roles: [{ value: 'restricted_user' }, { value: 'Enterprise Owner' }, { value: 'billing_manager' }] }));
    assert.deepEqual(mixed.body.roles.map((r: { value: string }) => r.value), ['Restricted User', 'Enterprise Owner', 'Billing Manager']);
    assert.equal(await roleOf(ent.id, (await accountOf(mixed.body.id)).id), 'owner');
    // Filters match the stored enum names (README: "Identities are stored in the enum's names").
    const byRole = await instance('GET', `/Users?filter=${encodeURIComponent('roles.value eq "enterprise_owner" and userName eq "role-mixed"')}`);
    assert.deepEqual(byRole.body.Resources.map((u: { id: string }) => u.id), [mixed.body.id]);

    // An unknown value is 400 invalidValue on both, and nothing is created.
    const before = await counts();
    for (const res of [await instance('POST', '/Users', userBody('role-bad', { roles: [{ value: 'Site Admin' }] })), await otherEmu('POST', '/Users', userBody('role-bad', { roles: [{ value: 'superuser' }] }))]) {
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, 'invalidValue');
    }
    assert.deepEqual(await counts(), before);

    // PATCH on the instance path in another spelling moves the role and answers GHES's spelling.
    const promoted = await instance('PATCH', `/Users/${onInstanceId(mixed)}`, patch({ op: 'replace', path: 'roles', value: [{ value: 'user' }] }));
    assert.equal(promoted.status, 200);
    checkInstance('PATCH', 'user', promoted);
    assert.deepEqual(promoted.body.roles, [{ value: 'User' }]);
    assert.equal(await roleOf(ent.id, (await accountOf(mixed.body.id)).id), 'member');
  });
});

describe(`GHES instance SCIM when the instance enterprise changes (${storageKind})`, () => {
  it('an account linked to an identity of one enterprise is not linked again from another: 409 uniqueness', async () => {
    // Two servers on one store, configured with different instance enterprises (GATEHOUSE_INSTANCE_ENTERPRISE).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ghes-'));
    const first = await startTestApp({ instanceEnterprise: 'ghes-a', ...(storageKind === 'sqlite' ? { storage: { kind: 'sqlite', filename: path.join(dir, 'gatehouse.db') } } : {}) });
    let second: TestApp | undefined;
    try {
      const a = await seedEnterprise(first.ctx, { kind: 'managed', slug: 'ghes-a' });
      const b = await seedEnterprise(first.ctx, { kind: 'managed', slug: 'ghes-b' });
      const zoe = await userWithToken(first.ctx, ['read:user'], { login: 'zoe' });
      const headers = { accept: 'application/scim+json', 'content-type': 'application/scim+json' };
      const linked = await first.request('POST', '/scim/v2/Users', { token: a.ownerToken, headers, body: userBody('zoe') });
      assert.equal(linked.status, 201);
      const row = await first.ctx.db.selectFrom('scim_users').select(['user_id', 'enterprise_id']).where('scim_id', '=', linked.body.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { user_id: zoe.user.id, enterprise_id: a.enterprise.id });

      second = await startTestApp({ instanceEnterprise: 'ghes-b', storage: first.ctx.config.storage });
      const identities = async () => (await second!.ctx.db.selectFrom('scim_users').select('id').execute()).length;
      const before = await identities();
      const again = await second.request('POST', '/scim/v2/Users', { token: b.ownerToken, headers, body: userBody('zoe@b.example') });
      assert.equal(again.status, 409);
      assert.equal(again.body.scimType, 'uniqueness');
      assert.equal(await identities(), before);
      const account = await second.ctx.db.selectFrom('users').select(['login', 'managed_by_enterprise_id']).where('id', '=', zoe.user.id).executeTakeFirstOrThrow();
      assert.deepEqual(account, { login: 'zoe', managed_by_enterprise_id: a.enterprise.id });
      assert.equal((await second.request('GET', '/user', { token: zoe.token })).body.login, 'zoe');
    } finally {
      await second?.close();
      await first.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function onInstanceId(res: ApiResponse): string {
  return (res.body as { id: string }).id;
}
