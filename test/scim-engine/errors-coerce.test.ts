/** `ScimError` and its body (RFC 7644 §3.12, GitHub's "Scim Error" schema); input normalisation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_DOCUMENTATION_URL,
  ERROR_SCHEMA,
  ScimError,
  USER_RESOURCE,
  GROUP_RESOURCE,
  coerceBoolean,
  isDateTime,
  normalizeResource,
  toScimErrorBody,
} from '../../src/scim/engine/index.ts';
import type { ScimType } from '../../src/scim/engine/index.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('ScimError', () => {
  const presets: [ScimError, number, ScimType | undefined][] = [
    [ScimError.invalidFilter('d'), 400, 'invalidFilter'],
    [ScimError.tooMany('d'), 400, 'tooMany'],
    [ScimError.uniqueness('d'), 409, 'uniqueness'],
    [ScimError.mutability('d'), 400, 'mutability'],
    [ScimError.invalidSyntax('d'), 400, 'invalidSyntax'],
    [ScimError.invalidPath('d'), 400, 'invalidPath'],
    [ScimError.noTarget('d'), 400, 'noTarget'],
    [ScimError.invalidValue('d'), 400, 'invalidValue'],
    [ScimError.invalidVers('d'), 400, 'invalidVers'],
    [ScimError.sensitive('d'), 403, 'sensitive'],
    [ScimError.notFound('d'), 404, undefined],
  ];
  for (const [error, status, scimType] of presets) {
    it(`${scimType ?? 'notFound'} → ${status}`, () => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'ScimError');
      assert.equal(error.status, status);
      assert.equal(error.scimType, scimType);
      assert.equal(error.detail, 'd');
      assert.equal(error.message, 'd');
    });
  }

  it('renders the body with an integer status, as GitHub types it', () => {
    assert.deepStrictEqual(toScimErrorBody(ScimError.uniqueness('User name already exists')), {
      schemas: [ERROR_SCHEMA],
      status: 409,
      scimType: 'uniqueness',
      detail: 'User name already exists',
      message: 'User name already exists',
      documentation_url: DEFAULT_DOCUMENTATION_URL,
    });
  });

  it('omits scimType when there is none and takes a documentation URL', () => {
    const body = toScimErrorBody(ScimError.notFound('Resource 0 not found'), 'https://docs.github.com/rest/scim/scim');
    assert.equal('scimType' in body, false);
    assert.equal(body.status, 404);
    assert.equal(body.documentation_url, 'https://docs.github.com/rest/scim/scim');
  });
});

describe('coerceBoolean', () => {
  const cases: [unknown, boolean | undefined][] = [
    [true, true],
    [false, false],
    ['True', true],
    ['FALSE', false],
    [' false ', false],
    ['yes', undefined],
    [1, undefined],
    [null, undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(coerceBoolean(input), expected));
  }
});

describe('isDateTime', () => {
  it('accepts RFC 3339 date-times with a zone and rejects the rest', () => {
    assert.equal(isDateTime('2011-05-13T04:42:34Z'), true);
    assert.equal(isDateTime('2011-05-13T04:42:34.123+02:00'), true);
    assert.equal(isDateTime('2011-05-13'), false);
    assert.equal(isDateTime('04-12-2018 00:00:00'), false, "Okta's echoed meta dates");
    assert.equal(isDateTime('2011-13-45T99:99:99Z'), false);
  });
});

describe('normalizeResource', () => {
  it('normalises an Entra user create (idp-quirks.md §2 Create, X6, X7)', () => {
    const body = {
      // The last URN is the malformed one of Microsoft's older sample (idp-quirks.md entra-090).
      schemas: [USER_RESOURCE.core.id, ENTERPRISE, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: '0a21f0f2',
      UserName: 'Test_User@contoso.com',
      active: 'True',
      emails: [{ Primary: true, type: 'work', value: 'Test_User@contoso.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      id: 'client-chosen',
      groups: [],
    };
    assert.deepStrictEqual(normalizeResource(body, USER_RESOURCE), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: '0a21f0f2',
      userName: 'Test_User@contoso.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User@contoso.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    });
  });

  it('normalises an Okta user create: keeps password, drops groups and unknown keys', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
      meta: { created: '04-12-2018 00:00:00', version: 'v1.0' },
      okta: 'unknown',
    };
    const { groups: _groups, meta: _meta, okta: _okta, ...expected } = body;
    assert.deepStrictEqual(normalizeResource(body, USER_RESOURCE), expected);
  });

  it('places dotted and URN-qualified keys and merges them with objects', () => {
    const body = {
      'name.givenName': 'A',
      name: { familyName: 'B' },
      [`${ENTERPRISE}:department`]: 'R&D',
      [ENTERPRISE.toUpperCase()]: { costCenter: '1', manager: { value: 'm', displayName: 'computed' } },
      'emails.value': 'ambiguous@x.org',
    };
    assert.deepStrictEqual(normalizeResource(body, USER_RESOURCE), {
      name: { givenName: 'A', familyName: 'B' },
      [ENTERPRISE]: { department: 'R&D', costCenter: '1', manager: { value: 'm' } },
    });
  });

  it('drops nulls, empty lists and empty entries (OneLogin, idp-quirks.md §4)', () => {
    const body = { displayName: 'G', members: [{}, { value: 'u1', $ref: null }, null], externalId: null };
    assert.deepStrictEqual(normalizeResource(body, GROUP_RESOURCE), { displayName: 'G', members: [{ value: 'u1' }] });
  });

  it('rejects values of the wrong type and non-object bodies', () => {
    const reject = (body: unknown, scimType: ScimType): void => {
      const matches = (error: unknown): boolean => error instanceof ScimError && error.scimType === scimType;
      assert.throws(() => normalizeResource(body, USER_RESOURCE), matches);
    };
    reject({ active: 'sometimes' }, 'invalidValue');
    reject({ userName: ['a', 'b'] }, 'invalidValue');
    reject({ emails: 'a@b.c' }, 'invalidValue');
    reject({ [ENTERPRISE]: 'x' }, 'invalidValue');
    reject([], 'invalidSyntax');
    reject('x', 'invalidSyntax');
  });

  it('keeps a __proto__ key from becoming a prototype', () => {
    const body: unknown = JSON.parse('{"__proto__": {"polluted": true}, "userName": "x"}');
    const result = normalizeResource(body, USER_RESOURCE);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepStrictEqual(result, { userName: 'x' });
  });
});
