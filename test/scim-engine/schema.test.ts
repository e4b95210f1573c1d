/** Schema data, path resolution and discovery documents (RFC 7643 §4, §6, §7, §8.7). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE,
  GROUP_SCHEMA,
  USER_RESOURCE,
  USER_SCHEMA,
  collectSchemas,
  deriveSchema,
  resolveAttributePath,
  toResourceTypeRepresentation,
  toSchemaRepresentation,
} from '../../src/scim/engine/index.ts';
import type { AttributeDefinition } from '../../src/scim/engine/index.ts';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA.id;
const BASE = 'https://gh.example.com/api/v3/scim/v2/';

function names(attributes: readonly AttributeDefinition[]): string[] {
  return attributes.map((attribute) => attribute.name);
}

describe('schema data', () => {
  it('lists the core User attributes of RFC 7643 §4.1', () => {
    assert.deepStrictEqual(names(USER_SCHEMA.attributes), [
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage',
      'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses',
      'groups', 'entitlements', 'roles', 'x509Certificates',
    ]);
  });

  it('lists the Enterprise User and Group attributes of RFC 7643 §4.2, §4.3', () => {
    assert.deepStrictEqual(names(ENTERPRISE_USER_SCHEMA.attributes), [
      'employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager',
    ]);
    assert.deepStrictEqual(names(GROUP_SCHEMA.attributes), ['displayName', 'members']);
    const members = GROUP_SCHEMA.attributes[1];
    assert.deepStrictEqual(names(members?.subAttributes ?? []), ['value', '$ref', 'display', 'type']);
  });

  it('gives sub-attributes exactly to complex attributes', () => {
    const check = (attribute: AttributeDefinition): void => {
      assert.equal(attribute.subAttributes !== undefined, attribute.type === 'complex', attribute.name);
      for (const sub of attribute.subAttributes ?? []) {
        assert.notEqual(sub.type, 'complex', `${attribute.name}.${sub.name}: one level only (RFC 7643 §2.3.8)`);
      }
    };
    for (const schema of [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]) schema.attributes.forEach(check);
  });

  it('marks the RFC characteristics that drive behaviour', () => {
    const user = (path: string): AttributeDefinition | undefined => {
      const resolved = resolveAttributePath(USER_RESOURCE, path);
      return resolved?.subAttribute ?? resolved?.attribute;
    };
    assert.equal(user('password')?.returned, 'never');
    assert.equal(user('password')?.mutability, 'writeOnly');
    assert.equal(user('groups')?.mutability, 'readOnly');
    assert.equal(user('id')?.returned, 'always');
    assert.equal(user('id')?.caseExact, true);
    assert.equal(user('userName')?.uniqueness, 'server');
    assert.equal(user('userName')?.caseExact, false);
    assert.equal(user('x509Certificates.value')?.type, 'binary');
    assert.deepStrictEqual(user('emails.type')?.canonicalValues, ['work', 'home', 'other']);
  });
});

describe('resolveAttributePath', () => {
  const cases: [string, { extension?: string; name: string; sub?: string } | undefined][] = [
    ['userName', { name: 'userName' }],
    ['USERNAME', { name: 'userName' }],
    ['name.givenName', { name: 'name', sub: 'givenName' }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', { name: 'name', sub: 'givenName' }],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName', { name: 'userName' }],
    [`${ENTERPRISE}:employeeNumber`, { extension: ENTERPRISE, name: 'employeeNumber' }],
    [`${ENTERPRISE}:manager.value`, { extension: ENTERPRISE, name: 'manager', sub: 'value' }],
    ['manager', { extension: ENTERPRISE, name: 'manager' }],
    ['meta.lastModified', { name: 'meta', sub: 'lastModified' }],
    ['id', { name: 'id' }],
    ['schemas', { name: 'schemas' }],
    ['emails.$REF', undefined],
    ['groups.$ref', { name: 'groups', sub: '$ref' }],
    ['nope', undefined],
    ['name.nope', undefined],
    ['userName.x', undefined],
    [`${ENTERPRISE}:userName`, undefined],
    ['urn:unknown:1.0:Thing:userName', undefined],
    ['name.givenName.x', undefined],
    ['', undefined],
  ];
  for (const [path, expected] of cases) {
    it(`${JSON.stringify(path)} → ${expected === undefined ? 'unknown' : JSON.stringify(expected)}`, () => {
      const resolved = resolveAttributePath(USER_RESOURCE, path);
      if (expected === undefined) {
        assert.equal(resolved, undefined);
        return;
      }
      assert.ok(resolved !== undefined);
      assert.equal(resolved.extension, expected.extension);
      assert.equal(resolved.attribute.name, expected.name);
      assert.equal(resolved.subAttribute?.name, expected.sub);
      assert.deepStrictEqual(resolved.path, {
        ...(expected.extension === undefined ? {} : { uri: expected.extension }),
        name: expected.name,
        ...(expected.sub === undefined ? {} : { subAttr: expected.sub }),
      });
    });
  }

  it('resolves Group attributes only against the Group schema', () => {
    assert.equal(resolveAttributePath(GROUP_RESOURCE, 'members.value')?.subAttribute?.name, 'value');
    assert.equal(resolveAttributePath(GROUP_RESOURCE, 'userName'), undefined);
  });
});

describe('discovery documents', () => {
  it('renders /Schemas entries as RFC 7643 §7 describes', () => {
    const rendered = toSchemaRepresentation(USER_SCHEMA, BASE);
    assert.deepStrictEqual(rendered.schemas, ['urn:ietf:params:scim:schemas:core:2.0:Schema']);
    assert.equal(rendered.id, USER_SCHEMA.id);
    assert.deepStrictEqual(rendered.meta, {
      resourceType: 'Schema',
      location: `https://gh.example.com/api/v3/scim/v2/Schemas/${USER_SCHEMA.id}`,
    });
    assert.deepStrictEqual(rendered.attributes[0], {
      name: 'userName',
      type: 'string',
      multiValued: false,
      description: 'Unique identifier for the User, typically used to authenticate.',
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    });
    const emails = rendered.attributes.find((attribute) => attribute.name === 'emails');
    assert.equal(emails?.caseExact, undefined, 'complex attributes carry no caseExact');
    assert.deepStrictEqual(emails?.subAttributes?.map((sub) => sub.name), ['value', 'display', 'type', 'primary']);
    const profileUrl = rendered.attributes.find((attribute) => attribute.name === 'profileUrl');
    assert.deepStrictEqual(profileUrl?.referenceTypes, ['external']);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(rendered)), rendered, 'plain JSON');
  });

  it('renders /ResourceTypes entries as RFC 7643 §6 describes', () => {
    assert.deepStrictEqual(toResourceTypeRepresentation(USER_RESOURCE, BASE), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
      meta: { resourceType: 'ResourceType', location: 'https://gh.example.com/api/v3/scim/v2/ResourceTypes/User' },
    });
    assert.deepStrictEqual(toResourceTypeRepresentation(GROUP_RESOURCE, 'https://x/scim/v2').schemaExtensions, []);
  });

  it('collects each schema once, core schemas first', () => {
    assert.deepStrictEqual(
      collectSchemas([USER_RESOURCE, GROUP_RESOURCE, USER_RESOURCE]).map((schema) => schema.id),
      [USER_SCHEMA.id, GROUP_SCHEMA.id, ENTERPRISE],
    );
  });
});

describe('deriveSchema (a provider\'s version of a standard schema, RFC 7643 §7)', () => {
  it('leaves attributes out, changes characteristics of attributes and sub-attributes, replaces attributes', () => {
    const groups = { ...USER_SCHEMA.attributes.find((a) => a.name === 'groups')!, mutability: 'immutable' as const };
    const derived = deriveSchema(USER_SCHEMA, {
      omit: ['password', 'emails.display'],
      change: { userName: { mutability: 'immutable' }, 'roles.value': { canonicalValues: ['user'] }, active: { returned: 'always' } },
      replace: [groups],
    });
    assert.equal(derived.id, USER_SCHEMA.id, 'the standard URN stays');
    assert.ok(!names(derived.attributes).includes('password'));
    assert.deepStrictEqual(names(derived.attributes), names(USER_SCHEMA.attributes).filter((n) => n !== 'password'));
    const find = (name: string): AttributeDefinition | undefined => derived.attributes.find((a) => a.name === name);
    assert.deepStrictEqual(names(find('emails')?.subAttributes ?? []), ['value', 'type', 'primary']);
    assert.equal(find('userName')?.mutability, 'immutable');
    assert.equal(find('userName')?.uniqueness, 'server', 'what is not changed stays');
    assert.deepStrictEqual(find('roles')?.subAttributes?.find((a) => a.name === 'value')?.canonicalValues, ['user']);
    assert.equal(find('active')?.returned, 'always');
    assert.equal(find('groups'), groups);
    // The standard schema is not touched.
    assert.equal(USER_SCHEMA.attributes.find((a) => a.name === 'userName')?.mutability, 'readWrite');
    assert.ok(names(USER_SCHEMA.attributes).includes('password'));
  });

  it('refuses changes that name no attribute, so a typo cannot silently change nothing', () => {
    assert.throws(() => deriveSchema(USER_SCHEMA, { omit: ['pasword'] }), /no attribute pasword/);
    assert.throws(() => deriveSchema(USER_SCHEMA, { change: { 'roles.valu': { canonicalValues: [] } } }), /roles\.valu/);
    assert.throws(() => deriveSchema(GROUP_SCHEMA, { replace: [USER_SCHEMA.attributes[0]!] }), /replace:userName/);
  });
});
