/**
 * The discovery documents tell the truth (RFC 7643 §5–§7, RFC 7644 §4): for every SCIM dialect (managed at the
 * enterprise and the instance paths, classic, organization), this test reads `/ResourceTypes` and `/Schemas` and
 * walks every attribute and sub-attribute they describe:
 *
 * - what is called writable (`readWrite`, `writeOnly`, or `immutable` where it can still be set) is written with a
 *   valid value (each of its `canonicalValues` when it has some) through PUT and through PATCH, and read back with
 *   GET, and the resource's version moves;
 * - what is `immutable` once set (the managed `userName`) is set on POST, read back, and a change is 400 `mutability`
 *   that changes nothing;
 * - what is `readOnly` is ignored (PUT) or rejected with 400 `mutability` (PATCH), and stays as it was;
 * - `returned: always` attributes come back even under `attributes=`, `returned: default` ones go under
 *   `excludedAttributes`, and nothing else the server always adds is left undescribed;
 * - `required` is what a POST cannot go without, by default and with `GATEHOUSE_STRICT_SCIM`; `uniqueness: server`
 *   values cannot be provisioned twice (409), and filters compare as `caseExact` says.
 *
 * `/ServiceProviderConfig` is checked against behaviour (PATCH, filter and its `maxResults`, no bulk, no password
 * change, no sorting, ETags), and `/ResourceTypes` against the endpoints actually served.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../src/domain/accounts/accounts.ts';
import { parseListParams } from '../src/scim/engine/index.ts';
import { classicDialect } from '../src/scim/dialects/classic.ts';
import { managedDialect } from '../src/scim/dialects/managed.ts';
import { orgDialect } from '../src/scim/dialects/org.ts';
import type { ScimDialect } from '../src/scim/dialects/dialect.ts';
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type TestApp } from './helpers/app.ts';

const SCIM = 'application/scim+json';
const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const COMMON = new Set(['schemas', 'id', 'externalId', 'meta']);

/** SCIM documents are walked generically. */
type Json = any;

interface Attribute {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: string;
  caseExact?: boolean;
  subAttributes?: Attribute[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

type Kind = 'User' | 'Group';

/** The resource a walk writes to (replaced when a write deprovisions it), and what the walk covered. */
interface WalkState {
  id: string;
  walked: string[];
}

/** A dialect at one of its base URLs, and what the test needs to know about its semantics. */
interface Target {
  label: string;
  app: TestApp;
  dialect: ScimDialect;
  base: string;
  token: string;
  /** `active: false` suspends (managed) or deprovisions and deletes the identity (classic, org). */
  activeFalse: 'keeps' | 'deletes';
  /** A new resource's POST body. */
  newBody(kind: Kind): Promise<Json>;
  /** A valid value for an attribute whose values the dialect constrains beyond its type (`path` as `name.sub`). */
  valueFor(kind: Kind, path: string): Promise<Json>;
}

describe(`SCIM discovery documents describe what each dialect does (${storageKind})`, () => {
  let t: TestApp;
  let strictApp: TestApp;
  let n = 0;
  const next = (): number => ++n;
  let targets: Target[] = [];
  let strictTargets: Target[] = [];

  const scim = (target: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<Json>> =>
    target.app.request(method, `${target.base}${path}`, {
      token: target.token,
      headers: { accept: SCIM, 'content-type': SCIM, ...headers },
      ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }),
    });

  async function create(target: Target, kind: Kind, extra: Json = {}): Promise<Json> {
    const res = await scim(target, 'POST', `/${kind}s`, { ...(await target.newBody(kind)), ...extra });
    assert.equal(res.status, 201, `${target.label}: POST /${kind}s ${res.text}`);
    return res.body;
  }

  async function read(target: Target, kind: Kind, id: string): Promise<ApiResponse<Json>> {
    return scim(target, 'GET', `/${kind}s/${id}`);
  }

  /** The body a client sends back on PUT: the resource as read, without what the server maintains. */
  function echo(resource: Json): Json {
    const { id: _id, meta: _meta, ...rest } = resource;
    return rest;
  }

  /** Every dialect at its base URLs, in `app`: managed (enterprise and instance paths), classic, organization. */
  async function targetsIn(app: TestApp): Promise<Target[]> {
    const managed = await seedEnterprise(app.ctx, { kind: 'managed' });
    const classic = await seedEnterprise(app.ctx, { kind: 'classic' });
    const orgSeed = await seedEnterprise(app.ctx, { kind: 'classic' });
    // What GitHub's reference requires of a user, so that the body also passes in strict mode.
    const userBody = (): Json => {
      const i = next();
      return {
        schemas: [USER_URN],
        externalId: `ext-${i}`,
        userName: `walker${i}`,
        name: { givenName: 'Wal', familyName: `Ker${i}` },
        displayName: `Walker ${i}`,
        emails: [{ value: `walker${i}@example.com`, type: 'work', primary: true }],
        active: true,
      };
    };
    const newOrgLogin = async (): Promise<string> => {
      const org = await createOrganization(app.ctx, { login: `walk-org-${next()}`, enterpriseSlug: classic.enterprise.slug, adminLogin: classic.owner.login }, null);
      return org.login;
    };
    /** Constrained values shared by every dialect: member and group ids must name resources of the tenant. */
    const shared = async (target: Target, kind: Kind, path: string): Promise<Json> => {
      if (kind === 'Group' && path === 'members.value') return (await create(target, 'User')).id;
      if (kind === 'User' && path === 'groups.value' && target.dialect.rules.groupSchema !== undefined) return (await create(target, 'Group')).id;
      if (kind === 'User' && path === 'userName') return `walker${next()}`;
      if (kind === 'User' && path === 'emails.value') return `walker${next()}@example.com`;
      return undefined;
    };

    const managedTarget = (label: string, base: string): Target => {
      const target: Target = {
        label,
        app,
        dialect: managedDialect,
        base,
        token: managed.ownerToken,
        activeFalse: 'keeps',
        newBody: async (kind) => (kind === 'User' ? userBody() : { schemas: [GROUP_URN], externalId: `gext-${next()}`, displayName: `Walkers ${next()}` }),
        valueFor: (kind, path) => shared(target, kind, path),
      };
      return target;
    };
    const classicTarget: Target = {
      label: 'classic',
      app,
      dialect: classicDialect,
      base: `/scim/v2/enterprises/${classic.enterprise.slug}`,
      token: classic.ownerToken,
      activeFalse: 'deletes',
      newBody: async (kind) => (kind === 'User' ? userBody() : { schemas: [GROUP_URN], displayName: await newOrgLogin() }),
      // A classic group is the organization whose login is its displayName.
      valueFor: async (kind, path) => (kind === 'Group' && path === 'displayName' ? newOrgLogin() : shared(classicTarget, kind, path)),
    };
    const orgTarget: Target = {
      label: 'org',
      app,
      dialect: orgDialect,
      base: `/scim/v2/organizations/${orgSeed.org.login}`,
      token: orgSeed.ownerToken,
      activeFalse: 'deletes',
      newBody: async () => userBody(),
      valueFor: (kind, path) => shared(orgTarget, kind, path),
    };
    return [
      managedTarget('managed', `/scim/v2/enterprises/${managed.enterprise.slug}`),
      // The instance enterprise is the first managed one: this one.
      managedTarget('managed (instance)', '/scim/v2'),
      classicTarget,
      orgTarget,
    ];
  }

  before(async () => {
    t = await startTestApp();
    targets = await targetsIn(t);
    strictApp = await startTestApp({ strictScim: true });
    strictTargets = await targetsIn(strictApp);
  });
  after(async () => {
    await t.close();
    await strictApp.close();
  });

  /** A valid value of `attribute` (one of its canonical values when it has them), distinct on every call. */
  async function valueOf(target: Target, kind: Kind, path: string, attribute: Attribute, canonical?: string): Promise<Json> {
    if (canonical !== undefined) return canonical;
    const constrained = await target.valueFor(kind, path);
    if (constrained !== undefined) return constrained;
    const i = next();
    // The dialect may accept only its canonical values (managed `roles.value`): one of them, a different one each time.
    if (attribute.canonicalValues !== undefined) return attribute.canonicalValues[i % attribute.canonicalValues.length];
    switch (attribute.type) {
      case 'boolean':
        return true;
      case 'integer':
        return i;
      case 'decimal':
        return i + 0.5;
      case 'dateTime':
        return new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)).toISOString();
      case 'binary':
        return Buffer.from(`certificate ${i}`).toString('base64');
      case 'reference':
        return `https://example.com/${path}/${i}`;
      default:
        return `${path}-${i}`;
    }
  }

  async function schemasOf(target: Target): Promise<Map<Kind, { endpoint: string; attributes: Attribute[] }>> {
    const types = await scim(target, 'GET', '/ResourceTypes');
    assert.equal(types.status, 200);
    const schemas = await scim(target, 'GET', '/Schemas');
    assert.equal(schemas.status, 200);
    const byId = new Map<string, Json>(schemas.body.Resources.map((s: Json) => [s.id, s]));
    const out = new Map<Kind, { endpoint: string; attributes: Attribute[] }>();
    for (const type of types.body.Resources) {
      const core = byId.get(type.schema);
      assert.ok(core !== undefined, `${target.label}: /Schemas lists ${type.schema}`);
      const attributes: Attribute[] = [...core.attributes];
      for (const extension of type.schemaExtensions) {
        assert.ok(byId.has(extension.schema), `${target.label}: /Schemas lists ${extension.schema}`);
      }
      out.set(type.name as Kind, { endpoint: type.endpoint, attributes });
    }
    return out;
  }

  /** Whether `actual` (an element read back) holds every key of `written` with the same value. */
  function holds(actual: Json, written: Json): boolean {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(written).every(([key, value]) => JSON.stringify(actual[key]) === JSON.stringify(value));
  }

  /** Writes through `write` (PUT or PATCH), reads the resource back, hands it to `check`; the version must move. */
  async function writeAndRead(target: Target, kind: Kind, id: string, what: string, write: () => Promise<ApiResponse<Json>>, check: (resource: Json) => void): Promise<void> {
    const before = await read(target, kind, id);
    const res = await write();
    assert.ok(res.status === 200 || res.status === 204, `${target.label} ${kind} ${what}: ${res.status} ${res.text}`);
    const after = await read(target, kind, id);
    assert.equal(after.status, 200, `${target.label} ${kind} ${what}: GET after the write`);
    check(after.body);
    assert.notEqual(after.body.meta.version, before.body.meta.version, `${target.label} ${kind} ${what}: the version moves`);
  }

  const put = (target: Target, kind: Kind, id: string, change: (body: Json) => void) => async (): Promise<ApiResponse<Json>> => {
    const body = echo((await read(target, kind, id)).body);
    change(body);
    return scim(target, 'PUT', `/${kind}s/${id}`, body);
  };

  const patch = (target: Target, kind: Kind, id: string, operations: Json[]) => (): Promise<ApiResponse<Json>> =>
    scim(target, 'PATCH', `/${kind}s/${id}`, { schemas: [PATCH_URN], Operations: operations });

  /** A write the attribute's mutability forbids: 400 `mutability`, or ignored; either way nothing changes. */
  async function refused(target: Target, kind: Kind, id: string, what: string, write: () => Promise<ApiResponse<Json>>): Promise<void> {
    const before = await read(target, kind, id);
    const res = await write();
    if (res.status === 400) assert.equal(res.body.scimType, 'mutability', `${target.label} ${kind} ${what}: ${res.text}`);
    else assert.ok(res.status === 200 || res.status === 204, `${target.label} ${kind} ${what}: ${res.status} ${res.text}`);
    const after = await read(target, kind, id);
    const { meta: _m1, ...b } = before.body;
    const { meta: _m2, ...a } = after.body;
    assert.deepEqual(a, b, `${target.label} ${kind} ${what}: nothing changed`);
  }

  /** The element every write of a multi-valued attribute carries besides the sub-attribute under test. */
  async function baseElement(target: Target, kind: Kind, attribute: Attribute, except: string): Promise<Json> {
    // `value` (a fresh one, so that every write is a change), or another writable string without canonical values.
    if (!attribute.multiValued) return {};
    const subs = attribute.subAttributes ?? [];
    const value = subs.find((s) => s.name === 'value');
    const carrier = value ?? subs.find((s) => s.type === 'string' && s.canonicalValues === undefined && s.mutability !== 'readOnly' && s.name !== except);
    if (carrier === undefined || except === carrier.name || carrier.mutability === 'readOnly') return {};
    return { [carrier.name]: await valueOf(target, kind, `${attribute.name}.${carrier.name}`, carrier) };
  }

  async function walkSimple(target: Target, kind: Kind, attribute: Attribute, state: WalkState): Promise<void> {
    const name = attribute.name;
    if (attribute.mutability === 'readOnly') {
      state.walked.push(`${kind} ${name} readOnly`);
      const value = await valueOf(target, kind, name, attribute);
      await refused(target, kind, state.id, `PUT ${name}`, put(target, kind, state.id, (body) => { body[name] = value; }));
      await refused(target, kind, state.id, `PATCH ${name}`, patch(target, kind, state.id, [{ op: 'replace', path: name, value }]));
      return;
    }
    if (attribute.mutability === 'immutable') {
      state.walked.push(`${kind} ${name} immutable`);
      const value = await valueOf(target, kind, name, attribute);
      const created = await create(target, kind, { [name]: value });
      assert.deepEqual((await read(target, kind, created.id)).body[name], value, `${target.label} ${kind} POST ${name}`);
      const other = await valueOf(target, kind, name, attribute);
      for (const [what, write] of [
        [`PUT ${name}`, put(target, kind, created.id, (body) => { body[name] = other; })],
        [`PATCH ${name}`, patch(target, kind, created.id, [{ op: 'replace', path: name, value: other }])],
      ] as const) {
        const res = await write();
        assert.equal(res.status, 400, `${target.label} ${kind} ${what}: an immutable attribute does not change`);
        assert.equal(res.body.scimType, 'mutability');
        assert.deepEqual((await read(target, kind, created.id)).body[name], value);
      }
      return;
    }
    if (attribute.mutability === 'writeOnly') {
      // Written, never read back (RFC 7643 §2.2: writeOnly attributes are returned: never).
      state.walked.push(`${kind} ${name} writeOnly`);
      const value = await valueOf(target, kind, name, attribute);
      const res = await put(target, kind, state.id, (body) => { body[name] = value; })();
      assert.equal(res.status, 200, `${target.label} ${kind} PUT ${name}: ${res.text}`);
      assert.ok(!(name in (await read(target, kind, state.id)).body), `${target.label} ${kind}: ${name} is not returned`);
      return;
    }
    state.walked.push(`${kind} ${name} written`);
    if (attribute.type === 'boolean') {
      // Both values, through both methods; `active: false` deprovisions where the dialect says so.
      for (const [method, value] of [['PUT', false], ['PATCH', true], ['PATCH', false], ['PUT', true]] as const) {
        const write = method === 'PUT' ? put(target, kind, state.id, (body) => { body[name] = value; }) : patch(target, kind, state.id, [{ op: 'replace', path: name, value }]);
        if (name === 'active' && !value && target.activeFalse === 'deletes') {
          const res = await write();
          assert.ok(res.status === 200 || res.status === 204, `${target.label} ${kind} ${method} active false: ${res.text}`);
          assert.equal((await read(target, kind, state.id)).status, 404, `${target.label}: active false deletes the identity`);
          state.id = (await create(target, kind)).id;
          continue;
        }
        const current = (await read(target, kind, state.id)).body[name];
        if (current === value) continue;
        await writeAndRead(target, kind, state.id, `${method} ${name}=${String(value)}`, write, (resource) => assert.equal(resource[name], value));
      }
      return;
    }
    // Each canonical value, PUT and PATCH in turn; otherwise a fresh value through each.
    const writes = attribute.canonicalValues ?? [undefined, undefined];
    for (const [index, c] of writes.entries()) {
      const value = await valueOf(target, kind, name, attribute, c);
      if (JSON.stringify((await read(target, kind, state.id)).body[name]) === JSON.stringify(value)) continue;
      const method = index % 2 === 0 ? 'PUT' : 'PATCH';
      const write = method === 'PUT' ? put(target, kind, state.id, (body) => { body[name] = value; }) : patch(target, kind, state.id, [{ op: 'replace', path: name, value }]);
      await writeAndRead(target, kind, state.id, `${method} ${name}`, write, (r) => assert.deepEqual(r[name], value));
    }
  }

  async function walkComplex(target: Target, kind: Kind, attribute: Attribute, state: WalkState): Promise<void> {
    const name = attribute.name;
    const subs = attribute.subAttributes ?? [];
    if (attribute.mutability === 'readOnly') {
      state.walked.push(`${kind} ${name} readOnly`);
      // Nothing of it can be written: a whole value is ignored (PUT) or refused (PATCH).
      const element: Json = {};
      for (const sub of subs) element[sub.name] = await valueOf(target, kind, `${name}.${sub.name}`, sub);
      const value = attribute.multiValued ? [element] : element;
      await refused(target, kind, state.id, `PUT ${name}`, put(target, kind, state.id, (body) => { body[name] = value; }));
      await refused(target, kind, state.id, `PATCH ${name}`, patch(target, kind, state.id, [{ op: 'add', path: name, value }]));
      return;
    }
    for (const sub of subs) {
      const path = `${name}.${sub.name}`;
      if (sub.mutability === 'readOnly') {
        state.walked.push(`${kind} ${path} readOnly`);
        // A read-only sub-attribute sent along is ignored (or refused); what is read back is the server's.
        const bogus = sub.type === 'boolean' ? true : sub.type === 'reference' ? 'https://example.com/bogus' : `bogus-${next()}`;
        const element = { ...(await baseElement(target, kind, attribute, sub.name)), [sub.name]: bogus };
        const value = attribute.multiValued ? [element] : element;
        for (const [method, write] of [
          ['PUT', put(target, kind, state.id, (body) => { body[name] = value; })],
          ['PATCH', patch(target, kind, state.id, [{ op: 'replace', path: name, value }])],
        ] as const) {
          const res = await write();
          if (res.status === 400) {
            assert.equal(res.body.scimType, 'mutability', `${target.label} ${kind} ${method} ${path}: ${res.text}`);
            continue;
          }
          assert.ok(res.status === 200 || res.status === 204, `${target.label} ${kind} ${method} ${path}: ${res.status} ${res.text}`);
          const now = (await read(target, kind, state.id)).body[name];
          const elements = attribute.multiValued ? (now ?? []) : [now];
          assert.ok(!elements.some((e: Json) => e?.[sub.name] === bogus), `${target.label} ${kind} ${method} ${path}: a read-only value is not taken`);
        }
        continue;
      }
      if (attribute.mutability === 'immutable') {
        state.walked.push(`${kind} ${path} immutable`);
        // Settable when the resource is created (classic POST `groups`); a later write changes nothing.
        const element = { ...(await baseElement(target, kind, attribute, sub.name)), [sub.name]: await valueOf(target, kind, path, sub) };
        const value = attribute.multiValued ? [element] : element;
        const created = await create(target, kind, { [name]: value });
        const stored = (await read(target, kind, created.id)).body[name];
        assert.ok((attribute.multiValued ? stored : [stored]).some((e: Json) => holds(e, element)), `${target.label} ${kind} POST ${path}: ${JSON.stringify(stored)}`);
        const other = { ...(await baseElement(target, kind, attribute, sub.name)), [sub.name]: await valueOf(target, kind, path, sub) };
        const otherValue = attribute.multiValued ? [other] : other;
        await refused(target, kind, created.id, `PUT ${path}`, put(target, kind, created.id, (body) => { body[name] = otherValue; }));
        await refused(target, kind, created.id, `PATCH ${path}`, patch(target, kind, created.id, [{ op: 'add', path: name, value: otherValue }]));
        continue;
      }
      state.walked.push(`${kind} ${path} written`);
      const canonical = sub.canonicalValues ?? [undefined, undefined];
      let method: 'PUT' | 'PATCH' = 'PUT';
      for (const c of canonical) {
        const element = { ...(await baseElement(target, kind, attribute, sub.name)), [sub.name]: await valueOf(target, kind, path, sub, c) };
        if (sub.type === 'boolean') {
          // `primary: true` is the meaningful write (false is the default); write it on an element of its own.
          element[sub.name] = true;
        }
        const check = (resource: Json): void => {
          const now = resource[name];
          if (attribute.multiValued) assert.ok(Array.isArray(now) && now.some((e: Json) => holds(e, element)), `${target.label} ${kind} ${method} ${path}: ${JSON.stringify(now)} lacks ${JSON.stringify(element)}`);
          else assert.ok(holds(now, element), `${target.label} ${kind} ${method} ${path}: ${JSON.stringify(now)}`);
        };
        if (method === 'PUT') {
          await writeAndRead(target, kind, state.id, `PUT ${path}`, put(target, kind, state.id, (body) => {
            body[name] = attribute.multiValued ? [element] : { ...(body[name] ?? {}), ...element };
          }), check);
        } else {
          const operation = attribute.multiValued ? { op: 'replace', path: name, value: [element] } : { op: 'replace', path, value: element[sub.name] };
          await writeAndRead(target, kind, state.id, `PATCH ${path}`, patch(target, kind, state.id, [operation]), check);
        }
        method = method === 'PUT' ? 'PATCH' : 'PUT';
      }
    }
  }

  it('lists only the resource types it serves, and /Schemas every schema they use', async () => {
    for (const target of targets) {
      const schemas = await schemasOf(target);
      const kinds = [...schemas.keys()];
      assert.deepEqual(kinds, target.dialect.rules.groupSchema === undefined ? ['User'] : ['User', 'Group'], target.label);
      for (const kind of ['User', 'Group'] as const) {
        const res = await scim(target, 'GET', `/${kind}s`);
        assert.equal(res.status, schemas.has(kind) ? 200 : 404, `${target.label}: GET /${kind}s`);
        const type = await scim(target, 'GET', `/ResourceTypes/${kind}`);
        assert.equal(type.status, schemas.has(kind) ? 200 : 404, `${target.label}: GET /ResourceTypes/${kind}`);
      }
      const listed = await scim(target, 'GET', '/Schemas');
      for (const schema of listed.body.Resources) {
        const one = await scim(target, 'GET', `/Schemas/${schema.id}`);
        assert.equal(one.status, 200);
        assert.deepEqual(one.body, schema, `${target.label}: /Schemas/${schema.id} is the listed entry`);
      }
    }
  });

  it('ServiceProviderConfig says what the server does', async () => {
    for (const target of targets) {
      const config = (await scim(target, 'GET', '/ServiceProviderConfig')).body;
      // patch: supported (walked below). bulk: not supported, and there is no /Bulk endpoint.
      assert.deepEqual(config.patch, { supported: true });
      assert.equal(config.bulk.supported, false);
      assert.equal((await scim(target, 'POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] })).status, 404);
      // filter: supported, and no page is longer than maxResults.
      assert.equal(config.filter.supported, true);
      assert.equal(parseListParams({ count: String(config.filter.maxResults * 10) }, target.dialect.list).count, config.filter.maxResults);
      const user = await create(target, 'User');
      const found = await scim(target, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
      assert.deepEqual(found.body.Resources.map((r: Json) => r.id), [user.id]);
      // changePassword: not supported, so no password attribute is described, and none is kept.
      assert.equal(config.changePassword.supported, false);
      const userSchema = (await scim(target, 'GET', `/Schemas/${USER_URN}`)).body;
      assert.ok(!userSchema.attributes.some((a: Attribute) => a.name === 'password'), `${target.label}: no password attribute`);
      const withPassword = await create(target, 'User', { password: 'hunter2' });
      const row = await target.app.ctx.db.selectFrom('scim_users').select('resource').where('scim_id', '=', withPassword.id).executeTakeFirstOrThrow();
      assert.doesNotMatch(row.resource, /hunter2/, `${target.label}: a password sent is not stored`);
      // sort: not supported: sortBy is ignored, the order is the server's.
      await create(target, 'User');
      const plain = await scim(target, 'GET', '/Users?count=100');
      const sorted = await scim(target, 'GET', '/Users?count=100&sortBy=userName&sortOrder=descending');
      assert.equal(sorted.status, 200);
      assert.deepEqual(sorted.body.Resources.map((r: Json) => r.id), plain.body.Resources.map((r: Json) => r.id));
      // etag: supported: ETag equals meta.version, If-None-Match answers 304, a stale If-Match 412.
      assert.equal(config.etag.supported, true);
      const got = await read(target, 'User', user.id);
      assert.equal(got.headers.get('etag'), got.body.meta.version);
      assert.equal((await scim(target, 'GET', `/Users/${user.id}`, undefined, { 'if-none-match': got.body.meta.version })).status, 304);
      const stale = await scim(target, 'PATCH', `/Users/${user.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }, { 'if-match': 'W/"999"' });
      assert.equal(stale.status, 412);
    }
  });

  it('the managed dialect: userName immutable, roles with their canonical values, member display read-only', async () => {
    for (const target of targets.filter((x) => x.dialect === managedDialect)) {
      const user = (await scim(target, 'GET', `/Schemas/${USER_URN}`)).body;
      const userName = user.attributes.find((a: Attribute) => a.name === 'userName');
      assert.equal(userName.mutability, 'immutable');
      const roles = user.attributes.find((a: Attribute) => a.name === 'roles');
      const roleValue = roles.subAttributes.find((a: Attribute) => a.name === 'value');
      // Each product in its own spelling: GHES's instance paths answer the display forms, EMU the snake_case names.
      const expected = target.base.startsWith('/scim/v2/enterprises/')
        ? ['user', 'guest_collaborator', 'enterprise_owner', 'billing_manager']
        : ['User', 'Restricted User', 'Enterprise Owner', 'Billing Manager'];
      assert.deepEqual(roleValue.canonicalValues, expected);
      const group = (await scim(target, 'GET', `/Schemas/${GROUP_URN}`)).body;
      const members = group.attributes.find((a: Attribute) => a.name === 'members');
      assert.equal(members.subAttributes.find((a: Attribute) => a.name === 'display').mutability, 'readOnly');
    }
  });

  it('no attribute is described as writable that the classic dialect drops (roles, groups after POST)', async () => {
    const target = targets.find((x) => x.label === 'classic') as Target;
    const user = (await scim(target, 'GET', `/Schemas/${USER_URN}`)).body;
    assert.ok(!user.attributes.some((a: Attribute) => a.name === 'roles'), 'classic has no roles');
    assert.equal(user.attributes.find((a: Attribute) => a.name === 'groups').mutability, 'immutable');
  });

  it('returned: always is what comes back under attributes=, returned: default what excludedAttributes= removes', async () => {
    for (const target of targets) {
      for (const [kind, { attributes }] of await schemasOf(target)) {
        const resource = await create(target, kind);
        const always = attributes.filter((a) => a.returned === 'always').map((a) => a.name);
        const narrow = await scim(target, 'GET', `/${kind}s/${resource.id}?attributes=id`);
        assert.equal(narrow.status, 200);
        const described = new Set(attributes.map((a) => a.name));
        for (const key of Object.keys(narrow.body)) {
          if (key === 'meta' || key === 'schemas' || key === 'id') continue;
          assert.ok(described.has(key), `${target.label} ${kind}: "${key}" is returned but not described`);
          assert.ok(always.includes(key), `${target.label} ${kind}: "${key}" comes back under attributes=id, so it is returned: always`);
        }
        const full = await read(target, kind, resource.id);
        for (const name of always) {
          if (full.body[name] !== undefined) assert.ok(name in narrow.body, `${target.label} ${kind}: ${name} is returned: always`);
        }
        for (const attribute of attributes.filter((a) => a.returned === 'default' && full.body[a.name] !== undefined)) {
          const without = await scim(target, 'GET', `/${kind}s/${resource.id}?excludedAttributes=${attribute.name}`);
          assert.ok(!(attribute.name in without.body), `${target.label} ${kind}: ${attribute.name} is returned: default`);
        }
        for (const attribute of attributes.filter((a) => a.returned === 'never')) {
          assert.ok(!(attribute.name in full.body), `${target.label} ${kind}: ${attribute.name} is never returned`);
        }
      }
    }
  });

  /**
   * `required` is what the dialect refuses to do without: a POST missing a required attribute (or a required
   * sub-attribute of a value sent) is 400 `invalidValue` and creates nothing; one missing anything else is 201.
   */
  async function checkRequired(target: Target): Promise<string[]> {
    const refused: string[] = [];
    for (const [kind, { attributes }] of await schemasOf(target)) {
      const cases: { path: string; required: boolean; strip: (body: Json) => void }[] = [];
      const sample = await target.newBody(kind);
      for (const attribute of attributes) {
        if (COMMON.has(attribute.name) || sample[attribute.name] === undefined) continue;
        cases.push({ path: attribute.name, required: attribute.required, strip: (body) => { delete body[attribute.name]; } });
        for (const sub of attribute.subAttributes ?? []) {
          const element = attribute.multiValued ? sample[attribute.name][0] : sample[attribute.name];
          if (element?.[sub.name] === undefined) continue;
          cases.push({
            path: `${attribute.name}.${sub.name}`,
            required: sub.required,
            strip: (body) => { delete (attribute.multiValued ? body[attribute.name][0] : body[attribute.name])[sub.name]; },
          });
        }
      }
      for (const { path, required, strip } of cases) {
        const body = await target.newBody(kind);
        strip(body);
        const before = (await scim(target, 'GET', `/${kind}s?count=0`)).body.totalResults;
        const res = await scim(target, 'POST', `/${kind}s`, body);
        if (required) {
          assert.equal(res.status, 400, `${target.label} ${kind}: without the required ${path}: ${res.status} ${res.text}`);
          assert.equal(res.body.scimType, 'invalidValue');
          assert.equal((await scim(target, 'GET', `/${kind}s?count=0`)).body.totalResults, before, `${target.label} ${kind}: nothing created`);
          refused.push(`${kind} ${path}`);
        } else {
          assert.equal(res.status, 201, `${target.label} ${kind}: ${path} is not required: ${res.text}`);
        }
      }
    }
    return refused;
  }

  it('required is what each dialect refuses to go without, by default and in strict mode (GATEHOUSE_STRICT_SCIM)', async () => {
    for (const target of targets) {
      const refused = await checkRequired(target);
      assert.deepEqual(refused, target.dialect.rules.groupSchema === undefined ? ['User userName'] : ['User userName', 'Group displayName'], target.label);
    }
    for (const target of strictTargets) {
      const refused = await checkRequired(target);
      for (const path of target.dialect.strictRequired.User) {
        assert.ok(refused.includes(`User ${path}`), `${target.label} (strict): ${path} is required`);
      }
    }
    // Strict mode shows more as required; the default does not.
    const lenient = (await scim(targets[0] as Target, 'GET', `/Schemas/${USER_URN}`)).body;
    const strict = (await scim(strictTargets[0] as Target, 'GET', `/Schemas/${USER_URN}`)).body;
    const requiredOf = (schema: Json, name: string): boolean => schema.attributes.find((a: Attribute) => a.name === name).required;
    assert.deepEqual([requiredOf(lenient, 'emails'), requiredOf(strict, 'emails')], [false, true]);
  });

  it('uniqueness and caseExact: a duplicate of a unique value is 409, filters compare as caseExact says', async () => {
    for (const target of targets) {
      for (const [kind, { attributes }] of await schemasOf(target)) {
        const first = await create(target, kind);
        for (const attribute of attributes) {
          if (COMMON.has(attribute.name) || attribute.type !== 'string' || attribute.multiValued) continue;
          if (attribute.mutability === 'readOnly' || attribute.canonicalValues !== undefined || typeof first[attribute.name] !== 'string') continue;
          const value: string = first[attribute.name];
          const other = value.toUpperCase() === value ? value.toLowerCase() : value.toUpperCase();
          // A second resource with the same value in the other letter case.
          const body = await target.newBody(kind);
          const same = attribute.caseExact ? value : other;
          body[attribute.name] = same;
          const res = await scim(target, 'POST', `/${kind}s`, body);
          if (attribute.uniqueness === 'none') assert.equal(res.status, 201, `${target.label} ${kind}: ${attribute.name} is not unique: ${res.text}`);
          else {
            assert.equal(res.status, 409, `${target.label} ${kind}: ${attribute.name} is unique (${attribute.caseExact ? 'case-sensitively' : 'in any case'}): ${res.text}`);
            assert.equal(res.body.scimType, 'uniqueness');
          }
          // A filter in the other letter case finds the first resource exactly when the attribute is not caseExact.
          const found = await scim(target, 'GET', `/${kind}s?count=100&filter=${encodeURIComponent(`${attribute.name} eq ${JSON.stringify(other)}`)}`);
          assert.equal(found.status, 200, `${target.label} ${kind} filter ${attribute.name}: ${found.text}`);
          const ids = found.body.Resources.map((r: Json) => r.id);
          assert.equal(ids.includes(first.id), !attribute.caseExact, `${target.label} ${kind}: ${attribute.name} caseExact ${String(attribute.caseExact)}`);
        }
      }
    }
  });

  /** What the walk must at least have covered, per dialect: GitHub's documented attributes and the brief's. */
  const MUST_WALK: Record<string, readonly string[]> = {
    managed: [
      'User userName immutable', 'User name.givenName written', 'User name.familyName written', 'User name.formatted written',
      'User displayName written', 'User active written', 'User emails.value written', 'User emails.type written',
      'User emails.primary written', 'User roles.value written', 'User roles.primary written', 'User groups readOnly',
      'Group displayName written', 'Group members.value written', 'Group members.display readOnly', 'Group members.$ref readOnly',
    ],
    classic: [
      'User userName written', 'User name.givenName written', 'User name.familyName written', 'User emails.value written',
      'User emails.type written', 'User emails.primary written', 'User active written', 'User groups.value immutable',
      'User groups.display readOnly', 'Group displayName written', 'Group members.value written', 'Group members.display readOnly',
    ],
    org: [
      'User userName written', 'User name.givenName written', 'User name.familyName written', 'User emails.value written',
      'User emails.type written', 'User emails.primary written', 'User active written', 'User roles.value written', 'User groups readOnly',
    ],
  };

  for (const label of ['managed', 'managed (instance)', 'classic', 'org']) {
    it(`${label}: every attribute described as writable is written (PUT and PATCH) and read back; read-only ones are not taken`, async () => {
      const target = targets.find((x) => x.label === label) as Target;
      const walked: string[] = [];
      for (const [kind, { attributes }] of await schemasOf(target)) {
        const state: WalkState = { id: (await create(target, kind)).id, walked };
        for (const attribute of attributes) {
          if (COMMON.has(attribute.name)) continue;
          if (attribute.type === 'complex') await walkComplex(target, kind, attribute, state);
          else await walkSimple(target, kind, attribute, state);
        }
      }
      for (const expected of MUST_WALK[label.replace(/ \(instance\)$/, '')] ?? []) assert.ok(walked.includes(expected), `${label}: walked ${expected}`);
    });
  }
});
