/** Paging, ListResponse and attribute projection (RFC 7644 §3.4.2.4, §3.4.2.5, §3.9). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  GROUP_RESOURCE,
  LIST_RESPONSE_SCHEMA,
  ScimError,
  USER_RESOURCE,
  buildListResponse,
  isAttributeReturned,
  parseListParams,
  parseProjection,
  projectResource,
  slicePage,
} from '../../src/scim/engine/index.ts';
import type { JsonObject, ResourceSchema } from '../../src/scim/engine/index.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OPTIONS = { defaultCount: 30, maxCount: 100 };

describe('parseListParams', () => {
  const cases: [string, { startIndex?: unknown; count?: unknown }, { startIndex: number; count: number }][] = [
    ['defaults', {}, { startIndex: 1, count: 30 }],
    ['Okta test connection', { startIndex: '1', count: '2' }, { startIndex: 1, count: 2 }],
    ['startIndex below 1 means 1', { startIndex: '0', count: '5' }, { startIndex: 1, count: 5 }],
    ['negative startIndex', { startIndex: -4 }, { startIndex: 1, count: 30 }],
    ['negative count means 0', { count: '-3' }, { startIndex: 1, count: 0 }],
    ['count is capped', { count: '5000' }, { startIndex: 1, count: 100 }],
    ['fractions are truncated', { startIndex: '2.9', count: 3.7 }, { startIndex: 2, count: 3 }],
    ['garbage falls back to defaults', { startIndex: 'abc', count: '' }, { startIndex: 1, count: 30 }],
    ['numbers are accepted', { startIndex: 101, count: 100 }, { startIndex: 101, count: 100 }],
    [
      'non-finite numbers fall back',
      { startIndex: Number.POSITIVE_INFINITY, count: Number.NaN },
      { startIndex: 1, count: 30 },
    ],
  ];
  for (const [name, query, expected] of cases) {
    it(name, () => assert.deepStrictEqual(parseListParams(query, OPTIONS), expected));
  }
});

describe('buildListResponse and slicePage', () => {
  it('emits integer fields and an empty page for no matches (idp-quirks.md X1, X10)', () => {
    assert.deepStrictEqual(buildListResponse([], 0, 1), {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });

  it('pages an in-memory set 1-based', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    assert.deepStrictEqual(slicePage(items, { startIndex: 1, count: 2 }), ['a', 'b']);
    assert.deepStrictEqual(slicePage(items, { startIndex: 4, count: 10 }), ['d', 'e']);
    assert.deepStrictEqual(slicePage(items, { startIndex: 6, count: 10 }), []);
    assert.deepStrictEqual(slicePage(items, { startIndex: 2, count: 0 }), []);
    const page = slicePage(items, { startIndex: 3, count: 2 });
    assert.deepStrictEqual(buildListResponse(page, items.length, 3), {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 5,
      itemsPerPage: 2,
      startIndex: 3,
      Resources: ['c', 'd'],
    });
  });
});

describe('parseProjection', () => {
  it('splits comma-separated, URN-qualified paths and ignores blanks', () => {
    assert.deepStrictEqual(parseProjection({ attributes: ` userName, name.givenName,,${ENTERPRISE}:manager ` }), {
      attributes: [{ name: 'userName' }, { name: 'name', subAttr: 'givenName' }, { uri: ENTERPRISE, name: 'manager' }],
    });
    assert.deepStrictEqual(parseProjection({ attributes: '', excludedAttributes: null }), {});
  });

  it('rejects malformed entries with invalidValue', () => {
    assert.throws(() => parseProjection({ excludedAttributes: 'members,emails[type eq "work"]' }), (error: unknown) => {
      return error instanceof ScimError && error.scimType === 'invalidValue';
    });
  });
});

const USER: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: 'u1',
  externalId: 'e1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  password: 'secret',
  emails: [
    { value: 'a@example.com', type: 'work', primary: true },
    { value: 'b@example.com', type: 'home' },
  ],
  meta: { resourceType: 'User', location: 'https://x/Users/u1' },
  [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1', displayName: 'Boss' } },
  gitHubExtra: 'kept unless attributes is given',
};

type ProjectionQuery = Parameters<typeof parseProjection>[0];
const SCHEMAS = USER['schemas'] ?? null;

const PROJECTIONS: {
  name: string;
  schema?: ResourceSchema;
  resource?: JsonObject;
  query: ProjectionQuery;
  expected: JsonObject;
}[] = [
  {
    name: 'default: everything but returned:never',
    query: {},
    expected: Object.fromEntries(Object.entries(USER).filter(([key]) => key !== 'password')),
  },
  {
    name: 'attributes keeps listed plus returned:always (id, schemas)',
    query: { attributes: 'userName,name.givenName' },
    expected: { schemas: SCHEMAS, id: 'u1', userName: 'bjensen', name: { givenName: 'Barbara' } },
  },
  {
    name: 'attributes with a sub-attribute of a multi-valued attribute',
    query: { attributes: 'emails.value' },
    expected: { schemas: SCHEMAS, id: 'u1', emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] },
  },
  {
    name: 'attributes never returns password, even when asked',
    query: { attributes: 'password,USERNAME' },
    expected: { schemas: SCHEMAS, id: 'u1', userName: 'bjensen' },
  },
  {
    name: 'attributes with an extension attribute and a bare extension URN',
    query: { attributes: `${ENTERPRISE}:department` },
    expected: { schemas: SCHEMAS, id: 'u1', [ENTERPRISE]: { department: 'R&D' } },
  },
  {
    name: 'a bare extension URN selects the whole extension',
    query: { attributes: ENTERPRISE },
    expected: { schemas: SCHEMAS, id: 'u1', [ENTERPRISE]: USER[ENTERPRISE] ?? null },
  },
  {
    name: 'excludedAttributes removes attributes and sub-attributes but never id or schemas',
    query: { excludedAttributes: 'emails,name.familyName,id,schemas,meta,gitHubExtra,manager' },
    expected: {
      schemas: SCHEMAS,
      id: 'u1',
      externalId: 'e1',
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
      [ENTERPRISE]: { department: 'R&D' },
    },
  },
  {
    name: 'excluding every extension attribute drops the extension object',
    query: { excludedAttributes: ENTERPRISE },
    expected: Object.fromEntries(Object.entries(USER).filter(([key]) => key !== 'password' && key !== ENTERPRISE)),
  },
  {
    name: 'both lists: attributes selects, excludedAttributes then removes',
    query: { attributes: 'name,emails', excludedAttributes: 'name.givenName' },
    expected: {
      schemas: SCHEMAS,
      id: 'u1',
      name: { familyName: 'Jensen' },
      emails: USER['emails'] ?? null,
    },
  },
  {
    name: 'Entra reads groups with excludedAttributes=members',
    schema: GROUP_RESOURCE,
    resource: { schemas: [GROUP_RESOURCE.core.id], id: 'g1', displayName: 'Eng', members: [{ value: 'u1' }] },
    query: { excludedAttributes: 'members' },
    expected: { schemas: [GROUP_RESOURCE.core.id], id: 'g1', displayName: 'Eng' },
  },
];

describe('projectResource', () => {
  for (const { name, schema = USER_RESOURCE, resource = USER, query, expected } of PROJECTIONS) {
    it(name, () => {
      const before = structuredClone(resource);
      assert.deepStrictEqual(projectResource(resource, schema, parseProjection(query)), expected);
      assert.deepStrictEqual(resource, before);
    });
  }

  it('keeps the input key order', () => {
    const keys = Object.keys(projectResource(USER, USER_RESOURCE, {}));
    assert.deepStrictEqual(keys, Object.keys(USER).filter((key) => key !== 'password'));
  });
});

describe('isAttributeReturned', () => {
  const cases: [string, ProjectionQuery, string, boolean][] = [
    ['members by default', {}, 'members', true],
    ['members excluded', { excludedAttributes: 'members' }, 'members', false],
    ['members excluded in another case', { excludedAttributes: 'Members' }, 'members', false],
    ['members not in attributes', { attributes: 'displayName' }, 'members', false],
    ['members.value in attributes', { attributes: 'members.value' }, 'members', true],
    ['one sub-attribute excluded leaves members', { excludedAttributes: 'members.display' }, 'members', true],
    ['id always', { attributes: 'displayName', excludedAttributes: 'id' }, 'id', true],
    ['unknown attribute', {}, 'owners', false],
  ];
  for (const [name, query, path, expected] of cases) {
    it(name, () => assert.equal(isAttributeReturned(GROUP_RESOURCE, parseProjection(query), path), expected));
  }

  it('password is never returned', () => {
    assert.equal(isAttributeReturned(USER_RESOURCE, parseProjection({ attributes: 'password' }), 'password'), false);
    assert.equal(isAttributeReturned(USER_RESOURCE, {}, 'name.givenName'), true);
    const familyOnly = parseProjection({ attributes: 'name.familyName' });
    assert.equal(isAttributeReturned(USER_RESOURCE, familyOnly, 'name.givenName'), false);
  });
});
