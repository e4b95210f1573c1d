/**
 * SCIM filter → SQL (`src/storage/scim-filter-sql.ts`) on the store under test (SQLite, or PostgreSQL with
 * DATABASE_URL): every filter answers exactly what the engine's in-memory evaluator answers on the same resources
 * (fixture table for the whole grammar, then random filters), stays inside its tenant, and an `eq` on `userName` or
 * `externalId` (and on an indexed value such as `emails.value`) is an index lookup, not a scan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CompiledQuery } from 'kysely';
import * as groupService from '../src/domain/scim/groups.ts';
import type { ScimTenant } from '../src/domain/scim/types.ts';
import * as userService from '../src/domain/scim/users.ts';
import { managedDialect } from '../src/scim/dialects/managed.ts';
import {
  ScimError,
  compileFilterPredicate,
  formatFilter,
  parseFilter,
  validateFilter,
  type ComparisonOperator,
  type FilterNode,
  type JsonObject,
} from '../src/scim/engine/index.ts';
import { groupResource, userResource } from '../src/scim/http/representation.ts';
import { groupFilterSql, userFilterSql, withScimTables } from '../src/storage/scim-filter-sql.ts';
import { seedEnterprise, startTestApp, storageKind, type TestApp } from './helpers/app.ts';

const rules = managedDialect.rules;
const userSchema = rules.userSchema;
const groupSchema = rules.groupSchema!;

describe(`SCIM filter → SQL (${storageKind})`, () => {
  let t: TestApp;
  let tenant: ScimTenant;
  let otherTenant: ScimTenant;
  /** label → SCIM id */
  const ids = new Map<string, string>();
  const labelOf = new Map<string, string>();
  let userResources: JsonObject[] = [];
  let groupResources: JsonObject[] = [];

  const options = (ten = tenant) => ({ dialect: t.ctx.dialect, scope: ten.scope, baseUrl: ten.baseUrl });
  const write = { strict: false, actor: null, withRelations: false };

  async function sqlUsers(filter: string, ten = tenant): Promise<string[]> {
    const ast = validateFilter(parseFilter(filter), userSchema);
    const { users } = await userService.listUsers(t.ctx, rules, ten, { filter: ast, startIndex: 1, count: 1000, withRelations: false });
    return users.map((u) => labelOf.get(u.user.scimId) ?? u.user.scimId).sort();
  }

  function evalUsers(filter: string): string[] {
    const predicate = compileFilterPredicate(parseFilter(filter), userSchema);
    return userResources.filter((r) => predicate(r)).map((r) => labelOf.get(r.id as string) ?? (r.id as string)).sort();
  }

  async function sqlGroups(filter: string): Promise<string[]> {
    const ast = validateFilter(parseFilter(filter), groupSchema);
    const { groups } = await groupService.listGroups(t.ctx, rules, tenant, { filter: ast, startIndex: 1, count: 1000, withRelations: false });
    return groups.map((g) => labelOf.get(g.group.scimId) ?? g.group.scimId).sort();
  }

  function evalGroups(filter: string): string[] {
    const predicate = compileFilterPredicate(parseFilter(filter), groupSchema);
    return groupResources.filter((r) => predicate(r)).map((r) => labelOf.get(r.id as string) ?? (r.id as string)).sort();
  }

  async function addUser(label: string, body: JsonObject, ten = tenant): Promise<void> {
    t.clock.advance(60_000);
    const view = await userService.createUser(t.ctx, rules, ten, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...body }, write);
    if (ten === tenant) {
      ids.set(label, view.user.scimId);
      labelOf.set(view.user.scimId, label);
    }
  }

  before(async () => {
    t = await startTestApp();
    const seed = await seedEnterprise(t.ctx, { kind: 'managed' });
    const other = await seedEnterprise(t.ctx, { kind: 'managed' });
    const base = `${t.url}/scim/v2/enterprises`;
    tenant = { scope: `enterprise:${seed.enterprise.id}`, dialect: 'managed', enterprise: seed.enterprise, org: null, baseUrl: `${base}/${seed.enterprise.slug}` };
    otherTenant = { scope: `enterprise:${other.enterprise.id}`, dialect: 'managed', enterprise: other.enterprise, org: null, baseUrl: `${base}/${other.enterprise.slug}` };

    await addUser('mona', {
      externalId: 'E-Mona',
      userName: 'mona.lisa@example.com',
      active: true,
      displayName: 'Mona Lisa',
      name: { givenName: 'Mona', familyName: 'Lisa', formatted: 'Ms. Mona Lisa' },
      emails: [
        { value: 'mona@example.com', type: 'work', primary: true },
        { value: 'mona@home.example', type: 'home', primary: false },
      ],
      roles: [{ value: 'enterprise_owner', primary: true }],
      title: 'Painter',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
    });
    await addUser('hubot', {
      externalId: 'e-hubot',
      userName: 'hubot',
      active: true,
      displayName: 'HUBOT',
      emails: [{ value: 'Hubot@Example.COM', type: 'work', primary: false }],
      roles: [{ value: 'user' }],
      nickName: '',
      addresses: [{ locality: 'San Francisco', country: 'US', type: 'work' }],
    });
    await addUser('octo', {
      userName: 'CORP\\octocat',
      active: false,
      name: { givenName: 'Octo', familyName: 'Cat' },
      emails: [{ value: 'octo@corp.example', type: 'other' }],
      roles: [{ value: '0e338b8c-cc7f-498a-928d-ea3470d7e7e3' }],
      locale: 'en-US',
      x509Certificates: [{ value: 'TUlJREVUQ0NBaWFnQXdJQkFnSUlB' }],
    });
    await addUser('zoe', { externalId: 'Z9', userName: 'zoe.strasse', active: true, displayName: 'Zoë Straße', userType: 'Employee' });
    await addUser('bare', { userName: 'bare', active: true });
    // The same names in another enterprise: filters never see them.
    await addUser('elsewhere', { externalId: 'E-Mona', userName: 'mona.lisa@example.com', active: true }, otherTenant);

    t.clock.advance(60_000);
    const eng = await groupService.createGroup(t.ctx, rules, tenant, { displayName: 'Engineering', externalId: 'G-Eng', members: [{ value: ids.get('mona')! }, { value: ids.get('hubot')! }] }, write);
    t.clock.advance(60_000);
    const ops = await groupService.createGroup(t.ctx, rules, tenant, { displayName: 'Ops Team', members: [{ value: ids.get('octo')! }] }, write);
    t.clock.advance(60_000);
    const empty = await groupService.createGroup(t.ctx, rules, tenant, { displayName: 'empty', externalId: 'g-empty' }, write);
    for (const [label, view] of [['eng', eng], ['ops', ops], ['empty', empty]] as const) {
      ids.set(label, view.group.scimId);
      labelOf.set(view.group.scimId, label);
    }
    // A later change gives one user a distinct lastModified and version 2.
    t.clock.advance(60_000);
    await userService.patchUser(t.ctx, rules, tenant, ids.get('zoe')!, { Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] }, write);

    const users = await userService.listUsers(t.ctx, rules, tenant, { filter: undefined, startIndex: 1, count: 1000, withRelations: true });
    userResources = users.users.map((v) => userResource(v, tenant, managedDialect));
    const groups = await groupService.listGroups(t.ctx, rules, tenant, { filter: undefined, startIndex: 1, count: 1000, withRelations: true });
    groupResources = groups.groups.map((v) => groupResource(v, tenant, managedDialect));
  });
  after(() => t.close());

  /** [filter, expected labels]; every row is also checked against the in-memory evaluator. */
  const USER_CASES: Array<[string, string[]]> = [
    ['userName eq "mona.lisa@example.com"', ['mona']],
    ['userName eq "MONA.LISA@EXAMPLE.COM"', ['mona']],
    ["userName eq 'hubot'", ['hubot']],
    ['userName eq "CORP\\\\octocat"', ['octo']],
    ['userName eq "nobody"', []],
    ['externalId eq "E-Mona"', ['mona']],
    ['externalId eq "e-mona"', []],
    ['externalId pr', ['hubot', 'mona', 'zoe']],
    ['externalId eq null', ['bare', 'octo']],
    ['externalId ne "E-Mona"', ['bare', 'hubot', 'octo', 'zoe']],
    ['displayName eq "hubot"', ['hubot']],
    ['displayName co "lisa"', ['mona']],
    ['displayName sw "ZOË"', ['zoe']],
    ['displayName ew "STRASSE"', []],
    ['displayName ew "straße"', ['zoe']],
    ['displayName co "ß"', ['zoe']],
    ['userName co "ß"', []],
    ['userName gt "m"', ['mona', 'zoe']],
    ['userName le "bare"', ['bare']],
    ['userName ge "corp"', ['hubot', 'mona', 'octo', 'zoe']],
    ['userName lt "corp"', ['bare']],
    ['active eq true', ['bare', 'hubot', 'mona', 'zoe']],
    ['active eq "False"', ['octo']],
    ['active ne true', ['octo']],
    ['not (active eq true)', ['octo']],
    ['emails.value eq "HUBOT@example.com"', ['hubot']],
    ['emails co "example"', ['hubot', 'mona', 'octo']],
    ['emails.type eq "work"', ['hubot', 'mona']],
    ['emails.type ne "work"', ['bare', 'octo', 'zoe']],
    ['emails[type eq "work" and primary eq true]', ['mona']],
    ['emails[type eq "work" and primary eq false]', ['hubot']],
    ['emails[type eq "home" and primary eq true]', []],
    ['emails[type eq "work"] and emails[primary eq false]', ['hubot', 'mona']],
    ['emails[not (type eq "work") and value ew ".example"]', ['mona', 'octo']],
    ['emails[value sw "octo" or type eq "home"]', ['mona', 'octo']],
    ['emails.primary eq true', ['mona']],
    ['emails pr', ['hubot', 'mona', 'octo']],
    ['emails eq null', ['bare', 'zoe']],
    ['name.givenName eq "mona"', ['mona']],
    ['name.familyName sw "c"', ['octo']],
    ['name pr', ['mona', 'octo']],
    ['name[givenName eq "Octo" and familyName eq "Cat"]', ['octo']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.formatted co "ms."', ['mona']],
    ['roles.value eq "enterprise_owner"', ['mona']],
    ['roles[value eq "user"]', ['hubot']],
    ['roles.primary eq true', ['mona']],
    ['title pr', ['mona', 'zoe']],
    ['title eq "lead"', ['zoe']],
    ['nickName pr', []],
    ['nickName eq ""', ['hubot']],
    ['nickName eq null', ['bare', 'mona', 'octo', 'zoe']],
    ['addresses[locality sw "san" and country eq "us"]', ['hubot']],
    ['phoneNumbers.value co "555"', ['mona']],
    ['x509Certificates.value eq "tuljrevuq0nbawfnqxdjqkfnsulb"', ['octo']],
    ['locale eq "EN-us" or userType eq "employee"', ['octo', 'zoe']],
    ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"', ['bare', 'hubot', 'mona', 'octo', 'zoe']],
    ['id eq "00000000-0000-4000-8000-000000000000"', []],
    ['meta.resourceType eq "User"', ['bare', 'hubot', 'mona', 'octo', 'zoe']],
    ['meta.resourceType eq "user"', []],
    ['meta.created gt "2026-11-15T12:02:30Z"', ['bare', 'octo', 'zoe']],
    ['meta.created le "2026-11-15T13:02:00+01:00"', ['hubot', 'mona']],
    ['meta.lastModified ge "2026-11-15T12:09:00.000Z"', ['zoe']],
    ['meta.created eq "2026-11-15T12:01:00Z"', ['mona']],
    ['meta.location co "/Users/"', ['bare', 'hubot', 'mona', 'octo', 'zoe']],
    // Version 2: a group membership (mona, hubot, octo: their `groups` changed) or a PATCH (zoe).
    ['meta.version eq "W/\\"2\\""', ['hubot', 'mona', 'octo', 'zoe']],
    ['meta[resourceType eq "User" and version eq "W/\\"1\\""]', ['bare']],
    ['meta pr', ['bare', 'hubot', 'mona', 'octo', 'zoe']],
    ['groups.display eq "engineering"', ['hubot', 'mona']],
    ['groups pr', ['hubot', 'mona', 'octo']],
    ['not (groups pr)', ['bare', 'zoe']],
    ['groups[display sw "ops" or display eq "nothing"]', ['octo']],
    ['groups.type eq "direct"', []],
    ['(userName sw "m" or userName sw "h") and not (emails[type eq "home"])', ['hubot']],
    ['userName sw "m" or userName sw "h" and active eq false', ['mona']],
    ['not (not (active eq false))', ['octo']],
    ['USERNAME EQ "bare"', ['bare']],
  ];

  it('answers the whole filter grammar as the evaluator does', async () => {
    for (const [filter, expected] of USER_CASES) {
      assert.deepEqual(await sqlUsers(filter), [...expected].sort(), `SQL: ${filter}`);
      assert.deepEqual(evalUsers(filter), [...expected].sort(), `evaluator: ${filter}`);
    }
  });

  it('filters by id, group membership ids and $ref', async () => {
    const mona = ids.get('mona')!;
    assert.deepEqual(await sqlUsers(`id eq "${mona}"`), ['mona']);
    assert.deepEqual(await sqlUsers(`id eq "${mona.toUpperCase()}"`), [], 'id is caseExact');
    assert.deepEqual(await sqlUsers(`groups.value eq "${ids.get('ops')!.toUpperCase()}"`), ['octo'], 'groups.value is not caseExact');
    assert.deepEqual(await sqlUsers(`meta.location eq "${tenant.baseUrl}/Users/${mona}"`), ['mona']);
    assert.deepEqual(evalUsers(`meta.location eq "${tenant.baseUrl}/Users/${mona}"`), ['mona']);
    assert.deepEqual(await sqlUsers(`groups.$ref ew "/Groups/${ids.get('eng')!}"`), ['hubot', 'mona']);
    assert.deepEqual(evalUsers(`groups.$ref ew "/Groups/${ids.get('eng')!}"`), ['hubot', 'mona']);
  });

  it('stays inside the tenant', async () => {
    // The other enterprise holds one identity with Mona's userName and externalId; each tenant sees only its own.
    const elsewhere = await sqlUsers('userName eq "mona.lisa@example.com" and externalId eq "E-Mona"', otherTenant);
    assert.equal(elsewhere.length, 1);
    assert.notEqual(elsewhere[0], ids.get('mona'));
    assert.deepEqual(await sqlUsers('userName eq "mona.lisa@example.com" and externalId eq "E-Mona"'), ['mona']);
    assert.equal((await sqlUsers('emails pr or not (emails pr)', otherTenant)).length, 1);
    assert.equal((await sqlUsers('emails pr or not (emails pr)')).length, 5);
  });

  const GROUP_CASES: Array<[string, string[]]> = [
    ['displayName eq "ENGINEERING"', ['eng']],
    ['displayName co "team"', ['ops']],
    ['externalId eq "G-Eng"', ['eng']],
    ['externalId eq "g-eng"', []],
    ['externalId eq null', ['ops']],
    ['members pr', ['eng', 'ops']],
    ['not (members pr)', ['empty']],
    ['members.display eq "mona lisa"', ['eng']],
    ['members.display eq "OCTO cat"', ['ops']],
    ['members[display sw "hub" or display sw "OCTO"]', ['eng', 'ops']],
    ['members.type eq "User"', []],
    ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', ['empty', 'eng', 'ops']],
    ['meta.resourceType eq "Group" and meta.created gt "2026-11-15T12:07:30Z"', ['empty', 'ops']],
    ['meta.version eq "W/\\"1\\""', ['empty', 'eng', 'ops']],
    ['displayName gt "f" and displayName lt "p"', ['ops']],
  ];

  it('filters Groups (columns and the members join) as the evaluator does', async () => {
    for (const [filter, expected] of GROUP_CASES) {
      assert.deepEqual(await sqlGroups(filter), [...expected].sort(), `SQL: ${filter}`);
      assert.deepEqual(evalGroups(filter), [...expected].sort(), `evaluator: ${filter}`);
    }
    const hubot = ids.get('hubot')!;
    assert.deepEqual(await sqlGroups(`members.value eq "${hubot}"`), ['eng']);
    assert.deepEqual(await sqlGroups(`members[value eq "${hubot.toUpperCase()}"]`), ['eng']);
    assert.deepEqual(await sqlGroups(`members.$ref eq "${tenant.baseUrl}/Users/${ids.get('octo')!}"`), ['ops']);
    assert.deepEqual(evalGroups(`members.$ref eq "${tenant.baseUrl}/Users/${ids.get('octo')!}"`), ['ops']);
  });

  it('rejects filters the schema does not allow (invalidFilter), in SQL as in the evaluator', async () => {
    for (const filter of ['active gt true', 'password eq "x"', 'nosuch eq "x"', 'name eq "x"', 'emails[type eq "work"].value eq "x"', 'meta.created co "2026"', 'userName eq']) {
      await assert.rejects(sqlUsers(filter), (error: unknown) => error instanceof ScimError && error.scimType === 'invalidFilter', filter);
    }
  });

  // ---- Random filters: SQL equals the evaluator ------------------------------------------------------------

  const stringPaths = [
    'userName', 'externalId', 'displayName', 'name.givenName', 'name.familyName', 'emails.value', 'emails.type', 'roles.value', 'title',
    'nickName', 'locale', 'groups.display', 'meta.resourceType', 'addresses.locality', 'emails.display',
  ];
  const words = ['mona', 'MONA', 'hubot', 'Lisa', 'lisa', 'example', '.com', 'work', 'home', 'e-', 'E-', 'user', 'ß', 'Straße', 'zoë', 'corp', '', 'Engineering', 'Ops', 'User', 'a', 'z'];
  const stringOps: ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
  const instants = ['2026-11-15T12:00:00Z', '2026-11-15T12:01:00Z', '2026-11-15T12:03:30Z', '2026-11-15T13:05:00+01:00', '2027-01-01T00:00:00Z'];

  const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom(...stringPaths).map(pathOf), op: fc.constantFrom(...stringOps), value: fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 3 })) }),
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom('active', 'emails.primary', 'roles.primary').map(pathOf), op: fc.constantFrom<ComparisonOperator>('eq', 'ne'), value: fc.boolean() }),
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom('meta.created', 'meta.lastModified').map(pathOf), op: fc.constantFrom<ComparisonOperator>('eq', 'ne', 'gt', 'ge', 'lt', 'le'), value: fc.constantFrom(...instants) }),
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom('externalId', 'title', 'emails.type', 'name.givenName').map(pathOf), op: fc.constantFrom<ComparisonOperator>('eq', 'ne'), value: fc.constant(null) }),
    fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom('externalId', 'emails', 'name', 'groups', 'title', 'nickName', 'emails.value', 'roles', 'addresses').map(pathOf) }),
  );
  const emailLeaf: fc.Arbitrary<FilterNode> = fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom('type', 'value', 'display').map((name) => ({ name })), op: fc.constantFrom(...stringOps), value: fc.constantFrom(...words) }),
    fc.record({ kind: fc.constant('compare' as const), path: fc.constant({ name: 'primary' }), op: fc.constantFrom<ComparisonOperator>('eq', 'ne'), value: fc.boolean() }),
  );
  const innerFilter: fc.Arbitrary<FilterNode> = fc.letrec<{ f: FilterNode }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      emailLeaf,
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
    ),
  })).f;
  const filterArb: fc.Arbitrary<FilterNode> = fc.letrec<{ f: FilterNode }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ kind: fc.constant('valuePath' as const), path: fc.constant({ name: 'emails' }), filter: innerFilter }),
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
    ),
  })).f;

  function pathOf(text: string) {
    const [name, subAttr] = text.split('.');
    return subAttr === undefined ? { name: name! } : { name: name!, subAttr };
  }

  it('random filters: SQL answers what the evaluator answers', async () => {
    await fc.assert(
      fc.asyncProperty(filterArb, async (ast) => {
        const text = formatFilter(ast);
        let expected: string[];
        try {
          expected = evalUsers(text);
        } catch (error) {
          assert.ok(error instanceof ScimError, `evaluator threw ${String(error)} for ${text}`);
          await assert.rejects(sqlUsers(text), ScimError);
          return;
        }
        assert.deepEqual(await sqlUsers(text), expected, text);
      }),
      { numRuns: 150, seed: 20261115 },
    );
  });

  // ---- Index use -------------------------------------------------------------------------------------------

  it('an eq on userName, externalId or emails.value is an index lookup, not a scan', async () => {
    const db = withScimTables(t.ctx.db);
    // Enough rows that a planner with statistics prefers the index for real.
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      scim_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      scope: tenant.scope,
      dialect: 'managed' as const,
      enterprise_id: tenant.enterprise!.id,
      org_id: null,
      user_id: null,
      user_name: `bulk${i}`,
      user_name_lower: `bulk${i}`,
      external_id: `X${i}`,
      display_name: null,
      display_name_lower: null,
      login_lower: null,
      active: 1 as const,
      resource: '{}',
      version: 1,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    }));
    for (let i = 0; i < rows.length; i += 500) {
      const inserted = await db.insertInto('scim_users').values(rows.slice(i, i + 500)).returning(['id', 'user_name']).execute();
      await db
        .insertInto('scim_user_values')
        .values(inserted.map((r) => ({ user_id: r.id, scope: tenant.scope, attr: 'emails.value', elem: 0, str: `${r.user_name}@bulk.example`, str_lower: `${r.user_name}@bulk.example`, num: null })))
        .execute();
    }
    if (t.ctx.dialect === 'postgres') await t.ctx.db.executeQuery(CompiledQuery.raw('ANALYZE'));

    const plan = async (filter: string): Promise<string> => {
      const where = userFilterSql(validateFilter(parseFilter(filter), userSchema), userSchema, options());
      const compiled = db.selectFrom('scim_users').selectAll().where('scim_users.scope', '=', tenant.scope).where(where).orderBy('scim_users.id').limit(30).compile();
      const prefix = t.ctx.dialect === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
      const result = await t.ctx.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]));
      return result.rows.map((r) => (r['QUERY PLAN'] ?? r.detail ?? JSON.stringify(r)) as string).join('\n');
    };

    // [filter, PostgreSQL index, SQLite plan line]
    for (const [filter, index, sqlitePlan] of [
      ['userName eq "BULK1999"', 'scim_users_scope_user_name', /SEARCH scim_users USING INDEX \S+ \(scope=\? AND user_name_lower=\?\)/],
      ['externalId eq "X1234"', 'scim_users_scope_external_id', /SEARCH scim_users USING INDEX \S+ \(scope=\? AND external_id=\?\)/],
      ['emails.value eq "bulk17@bulk.example"', 'scim_user_values_lookup', /SEARCH v1 USING INDEX scim_user_values_lookup \(scope=\? AND attr=\? AND str_lower=\?\)/],
    ] as const) {
      const text = await plan(filter);
      if (process.env.SHOW_PLANS) console.log(text);
      if (t.ctx.dialect === 'postgres') {
        assert.match(text, new RegExp(`Index (Only )?Scan using ${index}|Bitmap Index Scan on ${index}`), `${filter}:\n${text}`);
        assert.doesNotMatch(text, /Seq Scan/, `${filter}:\n${text}`);
      } else {
        assert.match(text, sqlitePlan, `${filter}:\n${text}`);
        assert.doesNotMatch(text, /\bSCAN /, `${filter}:\n${text}`);
      }
    }
    assert.deepEqual(await sqlUsers('userName eq "BULK1999"'), [(await db.selectFrom('scim_users').select('scim_id').where('user_name', '=', 'bulk1999').executeTakeFirstOrThrow()).scim_id]);
    await db.deleteFrom('scim_users').where('user_name', 'like', 'bulk%').execute();
  });

  it('compiles group filters to a predicate over scim_groups', () => {
    const where = groupFilterSql(validateFilter(parseFilter('displayName eq "x" and members[value eq "y"]'), groupSchema), groupSchema, options());
    const compiled = withScimTables(t.ctx.db).selectFrom('scim_groups').select('id').where(where).compile();
    assert.match(compiled.sql, /scim_group_members/);
    assert.ok(compiled.parameters.includes('x'));
  });
});
