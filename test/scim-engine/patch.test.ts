/**
 * PATCH request parsing, application and group planning beyond the IdP fixtures: RFC 7644
 * §3.5.2 rules, mutability, errors and atomicity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  GROUP_RESOURCE,
  PATCH_OP_SCHEMA,
  ScimError,
  USER_RESOURCE,
  applyPatch,
  parseFilter,
  parsePatchRequest,
  planGroupPatch,
  validateValueFilter,
  findAttribute,
  GROUP_SCHEMA,
} from '../../src/scim/engine/index.ts';
import type { JsonObject, JsonValue, PatchOptions, ResourceSchema, ScimType } from '../../src/scim/engine/index.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function baseUser(): JsonObject {
  return {
    schemas: [CORE_USER],
    id: 'u-1',
    userName: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    groups: [{ value: 'g-1', display: 'Eng' }],
    meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z' },
  };
}

function patch(
  operations: JsonValue[],
  resource: JsonObject = baseUser(),
  schema: ResourceSchema = USER_RESOURCE,
  options: PatchOptions = {},
): JsonObject {
  const request = parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
  return applyPatch(resource, request, schema, options).resource;
}

/** `patch` on the base user with options. */
const patchUser = (operations: JsonValue[], options: PatchOptions): JsonObject =>
  patch(operations, baseUser(), USER_RESOURCE, options);

function assertScimError(fn: () => unknown, scimType: ScimType, detail?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected ScimError, got ${String(error)}`);
    assert.equal(error.scimType, scimType, error.detail);
    if (detail !== undefined) {
      assert.ok(error.detail.includes(detail), `detail ${JSON.stringify(error.detail)} lacks ${JSON.stringify(detail)}`);
    }
    return true;
  });
}

describe('parsePatchRequest', () => {
  const op = { op: 'add', path: 'nickName', value: 'B' };

  it('accepts a missing schemas unless requirePatchSchema is set', () => {
    assert.equal(parsePatchRequest({ Operations: [op] }).operations.length, 1);
    assertScimError(() => parsePatchRequest({ Operations: [op] }, { requirePatchSchema: true }), 'invalidSyntax', 'schemas');
  });

  it('rejects a schemas list without the PatchOp URN', () => {
    assertScimError(() => parsePatchRequest({ schemas: [CORE_USER], Operations: [op] }), 'invalidSyntax', PATCH_OP_SCHEMA);
    assertScimError(() => parsePatchRequest({ schemas: PATCH_OP_SCHEMA, Operations: [op] }), 'invalidSyntax');
  });

  it('matches the PatchOp URN, member names and op names in any case', () => {
    const request = parsePatchRequest({
      Schemas: [PATCH_OP_SCHEMA.toUpperCase()],
      operations: [{ OP: 'REPLACE', Path: 'nickName', Value: 'x' }],
    });
    assert.deepStrictEqual(request.operations, [{ op: 'replace', path: { attribute: { name: 'nickName' } }, value: 'x' }]);
  });

  const malformed: [string, unknown, ScimType][] = [
    ['a non-object body', [op], 'invalidSyntax'],
    ['missing Operations', { schemas: [PATCH_OP_SCHEMA] }, 'invalidSyntax'],
    ['empty Operations', { Operations: [] }, 'invalidSyntax'],
    ['Operations as an object', { Operations: op }, 'invalidSyntax'],
    ['a non-object operation', { Operations: ['add'] }, 'invalidSyntax'],
    ['an unknown op', { Operations: [{ op: 'merge', path: 'nickName', value: 'x' }] }, 'invalidSyntax'],
    ['a missing op', { Operations: [{ path: 'nickName', value: 'x' }] }, 'invalidSyntax'],
    ['a numeric path', { Operations: [{ op: 'add', path: 7, value: 'x' }] }, 'invalidPath'],
    ['a malformed path', { Operations: [{ op: 'add', path: 'emails[type eq', value: 'x' }] }, 'invalidPath'],
    ['remove without path', { Operations: [{ op: 'remove' }] }, 'noTarget'],
    ['add without value', { Operations: [{ op: 'add', path: 'nickName' }] }, 'invalidSyntax'],
    ['path-less replace with a string', { Operations: [{ op: 'replace', value: 'x' }] }, 'invalidValue'],
    ['a non-JSON value', { Operations: [{ op: 'add', path: 'nickName', value: Number.NaN }] }, 'invalidSyntax'],
  ];
  for (const [what, body, scimType] of malformed) {
    it(`rejects ${what} with ${scimType}`, () => assertScimError(() => parsePatchRequest(body), scimType));
  }

  it('treats an empty path as no path', () => {
    const request = parsePatchRequest({ Operations: [{ op: 'replace', path: ' ', value: { active: false } }] });
    assert.deepStrictEqual(request.operations, [{ op: 'replace', value: { active: false } }]);
  });
});

describe('applyPatch', () => {
  it('adds and replaces sub-attributes of a single complex attribute, creating it when absent', () => {
    const { name: _name, ...noName } = baseUser();
    const result = patch([{ op: 'add', path: 'name.middleName', value: 'Jane' }], noName);
    assert.deepStrictEqual(result['name'], { middleName: 'Jane' });
  });

  it('merges a complex value, leaving unspecified sub-attributes (RFC 7644 §3.5.2.3)', () => {
    const result = patch([{ op: 'replace', path: 'name', value: { givenName: 'Babs', FAMILYNAME: null } }]);
    assert.deepStrictEqual(result['name'], { givenName: 'Babs' });
  });

  it('removes a sub-attribute and then the emptied parent', () => {
    const once = patch([{ op: 'remove', path: 'name.givenName' }]);
    assert.deepStrictEqual(once['name'], { familyName: 'Jensen' });
    const twice = patch([{ op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'name.familyName' }]);
    assert.equal('name' in twice, false);
  });

  it('appends to a multi-valued attribute, merging an equal value case-insensitively', () => {
    const result = patch([
      {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'BJENSEN@example.com', display: 'Work' },
          { value: 'third@x.org', type: 'other' },
        ],
      },
    ]);
    assert.deepStrictEqual(result['emails'], [
      { value: 'BJENSEN@example.com', type: 'work', primary: true, display: 'Work' },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'third@x.org', type: 'other' },
    ]);
  });

  it('accepts a single object for a multi-valued add', () => {
    const result = patch([{ op: 'add', path: 'phoneNumbers', value: { value: '+1 555', type: 'work' } }]);
    assert.deepStrictEqual(result['phoneNumbers'], [{ value: '+1 555', type: 'work' }]);
  });

  it('keeps a single primary when a new primary element is added (RFC 7643 §2.4)', () => {
    const result = patch([{ op: 'add', path: 'emails', value: [{ value: 'new@x.org', primary: 'true' }] }]);
    assert.deepStrictEqual(
      (result['emails'] as JsonObject[]).map((email) => email['primary']),
      [false, undefined, true],
    );
  });

  it('replaces a whole multi-valued attribute; an empty list unassigns it', () => {
    const replaced = patch([{ op: 'replace', path: 'emails', value: [{ value: 'only@x.org' }] }]);
    assert.deepStrictEqual(replaced['emails'], [{ value: 'only@x.org' }]);
    assert.equal('emails' in patch([{ op: 'replace', path: 'emails', value: [] }]), false);
  });

  it('merges into matching elements on replace through a value filter (RFC 7644 §3.5.2.3)', () => {
    const value = { value: 'new@work.org', display: null };
    const result = patch([{ op: 'replace', path: 'emails[type eq "work"]', value }]);
    assert.deepStrictEqual((result['emails'] as JsonObject[])[0], { value: 'new@work.org', type: 'work', primary: true });
  });

  it('merges into matching elements on add through a value filter', () => {
    const result = patch([{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }]);
    const home = (result['emails'] as JsonObject[])[1];
    assert.deepStrictEqual(home, { value: 'babs@jensen.org', type: 'home', display: 'Home' });
  });

  it('creates an element from an and-filter of equalities', () => {
    const path = 'addresses[type eq "work" and primary eq true].locality';
    const result = patch([{ op: 'replace', path, value: 'Hollywood' }]);
    assert.deepStrictEqual(result['addresses'], [{ type: 'work', primary: true, locality: 'Hollywood' }]);
  });

  it('answers noTarget when nothing matches and the filter cannot describe a new element', () => {
    const path = 'emails[type eq "a" or type eq "b"].value';
    assertScimError(() => patch([{ op: 'replace', path, value: 'x' }]), 'noTarget');
    assertScimError(() => patch([{ op: 'replace', path: 'emails[value co "zzz"].type', value: 'x' }]), 'noTarget');
  });

  it('removes matching elements, the matched sub-attribute, or answers noTarget', () => {
    const withoutWork = patch([{ op: 'remove', path: 'emails[type eq "work"]' }]);
    assert.deepStrictEqual(withoutWork['emails'], [{ value: 'babs@jensen.org', type: 'home' }]);
    assert.deepStrictEqual(patch([{ op: 'remove', path: 'emails[type eq "home"].type' }])['emails'], [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org' },
    ]);
    assert.equal('emails' in patch([{ op: 'remove', path: 'emails[value ew ".com" or value ew ".org"]' }]), false);
    assertScimError(() => patch([{ op: 'remove', path: 'emails[type eq "other"]' }]), 'noTarget', 'emails');
    const ignored = patchUser([{ op: 'remove', path: 'emails[type eq "other"]' }], { onRemoveNoMatch: 'ignore' });
    assert.deepStrictEqual(ignored, baseUser());
  });

  it('removes an unassigned attribute as a no-op', () => {
    const request = parsePatchRequest({ Operations: [{ op: 'remove', path: 'nickName' }] });
    const result = applyPatch(baseUser(), request, USER_RESOURCE);
    assert.equal(result.changed, false);
    assert.deepStrictEqual(result.resource, baseUser());
  });

  it('sets a sub-attribute of every element when no filter is given', () => {
    const result = patch([{ op: 'replace', path: 'emails.display', value: 'mail' }]);
    assert.deepStrictEqual(
      (result['emails'] as JsonObject[]).map((email) => email['display']),
      ['mail', 'mail'],
    );
  });

  it('treats add with null as a no-op and replace with null as removal (RFC 7643 §2.5)', () => {
    assert.deepStrictEqual(patch([{ op: 'add', path: 'title', value: null }]), baseUser());
    assert.equal('active' in patch([{ op: 'replace', path: 'active', value: null }]), false);
  });

  it('adds, replaces and removes extension attributes, keeping schemas in step', () => {
    const added = patch([{ op: 'add', path: `${ENTERPRISE}:department`, value: 'R&D' }]);
    assert.deepStrictEqual(added['schemas'], [CORE_USER, ENTERPRISE]);
    assert.deepStrictEqual(added[ENTERPRISE], { department: 'R&D' });
    const whole = patch([{ op: 'add', path: ENTERPRISE, value: { costCenter: '4130', unknown: 1 } }], added);
    assert.deepStrictEqual(whole[ENTERPRISE], { department: 'R&D', costCenter: '4130' });
    const removed = patch([{ op: 'remove', path: ENTERPRISE }], whole);
    assert.equal(ENTERPRISE in removed, false);
    assert.deepStrictEqual(removed['schemas'], [CORE_USER]);
    const emptied = patch([{ op: 'remove', path: `${ENTERPRISE}:department` }], added);
    assert.equal(ENTERPRISE in emptied, false);
  });

  it('expands a URN key holding the extension object in a path-less value', () => {
    const extension = { Manager: { value: 'm-1', displayName: 'ignored' } };
    const result = patch([{ op: 'replace', value: { [ENTERPRISE.toUpperCase()]: extension } }]);
    assert.deepStrictEqual(result[ENTERPRISE], { manager: { value: 'm-1' } });
  });

  it('ignores unknown keys, unknown URNs and schemas in a path-less value (idp-quirks.md X6, X7)', () => {
    const result = patch([
      {
        op: 'replace',
        value: {
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User': { x: 1 },
          'urn:scim:schemas:extension:enterprise:2.0': { department: 'x' },
          somethingElse: true,
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          nickName: 'B',
        },
      },
    ]);
    assert.deepStrictEqual(result, { ...baseUser(), nickName: 'B' });
  });

  it('rejects unknown attributes named by an explicit path', () => {
    assertScimError(() => patch([{ op: 'add', path: 'nickname2', value: 'x' }]), 'invalidPath');
    assertScimError(() => patch([{ op: 'add', path: 'name.nick', value: 'x' }]), 'invalidPath');
    assertScimError(() => patch([{ op: 'add', path: 'emails[type eq "work"].nick', value: 'x' }]), 'invalidPath');
    const unknownInFilter = 'emails[nick eq "work"].value';
    assertScimError(() => patch([{ op: 'add', path: unknownInFilter, value: 'x' }]), 'invalidPath', 'Unknown attribute');
    assertScimError(() => patch([{ op: 'add', path: 'name[givenName eq "x"].familyName', value: 'x' }]), 'invalidPath');
    assertScimError(() => patch([{ op: 'add', path: `${ENTERPRISE}:nick`, value: 'x' }]), 'invalidPath');
  });

  describe('mutability (RFC 7643 §2.2)', () => {
    it('rejects changes to read-only attributes', () => {
      assertScimError(() => patch([{ op: 'replace', path: 'id', value: 'other' }]), 'mutability', '"id" is read-only');
      assertScimError(() => patch([{ op: 'remove', path: 'meta' }]), 'mutability');
      assertScimError(() => patch([{ op: 'replace', path: 'meta.created', value: '2025-01-01T00:00:00Z' }]), 'mutability');
      assertScimError(() => patch([{ op: 'add', path: 'groups', value: [{ value: 'g-2' }] }]), 'mutability');
      assertScimError(() => patch([{ op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'x' }]), 'mutability');
      assertScimError(() => patch([{ op: 'add', path: 'schemas', value: [ENTERPRISE] }]), 'mutability', 'schemas');
    });

    it('accepts writing the value a read-only attribute already has', () => {
      assert.deepStrictEqual(patch([{ op: 'replace', path: 'id', value: 'u-1' }]), baseUser());
      assert.deepStrictEqual(patch([{ op: 'replace', path: 'groups', value: baseUser()['groups'] ?? null }]), baseUser());
    });

    it('ignores read-only attributes in a path-less value, as in POST and PUT (Okta group rename sends id)', () => {
      const echoed = { id: 'other', meta: { created: 'x' }, groups: [], 'manager.displayName': 'x', nickName: 'B' };
      assert.deepStrictEqual(patch([{ op: 'replace', value: echoed }]), { ...baseUser(), nickName: 'B' });
    });

    it('honours immutableAttributes: set once, never changed', () => {
      const options = { immutableAttributes: ['userName', 'name.givenName'] };
      assertScimError(() => patchUser([{ op: 'replace', path: 'userName', value: 'other' }], options), 'mutability');
      assertScimError(() => patchUser([{ op: 'replace', path: 'name.givenName', value: 'B' }], options), 'mutability');
      assertScimError(() => patchUser([{ op: 'replace', path: 'name', value: { givenName: 'B' } }], options), 'mutability');
      const { name: _name, ...noName } = baseUser();
      const named = patch([{ op: 'add', path: 'name.givenName', value: 'B' }], noName, USER_RESOURCE, options);
      assert.deepStrictEqual(named['name'], { givenName: 'B' });
      const bogus = { immutableAttributes: ['bogus'] };
      assert.throws(() => patchUser([{ op: 'add', path: 'title', value: 'x' }], bogus), TypeError);
    });

    it('rejects changes to immutable member sub-attributes', () => {
      const group = { schemas: [GROUP_SCHEMA.id], id: 'g', displayName: 'G', members: [{ value: 'u1', display: 'One' }] };
      const patchGroup = (operation: JsonValue): JsonObject => patch([operation], group, GROUP_RESOURCE);
      const display = 'members[value eq "u1"].display';
      assertScimError(() => patchGroup({ op: 'replace', path: display, value: 'Uno' }), 'mutability');
      assertScimError(() => patchGroup({ op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u2' } }), 'mutability');
      // Re-adding an existing member with another display is idempotent, not a change.
      assert.deepStrictEqual(patchGroup({ op: 'add', path: 'members', value: [{ value: 'U1', display: 'Uno' }] }), group);
    });

    it('rejects removing a required attribute', () => {
      assertScimError(() => patch([{ op: 'remove', path: 'userName' }]), 'invalidValue', 'required');
      assertScimError(() => patch([{ op: 'replace', path: 'userName', value: null }]), 'invalidValue', 'required');
    });

    it('requires value in every new member', () => {
      const group = { id: 'g', displayName: 'G' };
      const operation = { op: 'add', path: 'members', value: [{ display: 'x' }] };
      assertScimError(() => patch([operation], group, GROUP_RESOURCE), 'invalidValue', 'value');
    });
  });

  it('rejects values of the wrong type with invalidValue', () => {
    assertScimError(() => patch([{ op: 'replace', path: 'active', value: 'yes' }]), 'invalidValue', 'boolean');
    assertScimError(() => patch([{ op: 'replace', path: 'userName', value: 5 }]), 'invalidValue', 'string');
    assertScimError(() => patch([{ op: 'add', path: 'emails', value: ['a@b.c'] }]), 'invalidValue', 'object');
    assertScimError(() => patch([{ op: 'replace', path: 'name', value: 'Barbara' }]), 'invalidValue', 'object');
    assertScimError(() => patch([{ op: 'replace', path: ENTERPRISE, value: 'x' }]), 'invalidValue');
  });

  it('is atomic: a failing operation leaves the input untouched and returns nothing', () => {
    const user = baseUser();
    const snapshot = structuredClone(user);
    const request = parsePatchRequest({
      Operations: [
        { op: 'replace', path: 'nickName', value: 'B' },
        { op: 'remove', path: 'emails' },
        { op: 'replace', path: 'id', value: 'hijack' },
      ],
    });
    assertScimError(() => applyPatch(user, request, USER_RESOURCE), 'mutability');
    assert.deepStrictEqual(user, snapshot);
  });

  it('reports whether anything changed', () => {
    const request = parsePatchRequest({ Operations: [{ op: 'replace', value: { active: 'TRUE', userName: 'bjensen' } }] });
    const same = applyPatch(baseUser(), request, USER_RESOURCE);
    assert.equal(same.changed, false);
    assert.equal(same.memberChanges, undefined);
  });

  it('canonicalises stored key spellings it writes', () => {
    const result = patch([{ op: 'replace', path: 'nickname', value: 'B' }], { ...baseUser(), NICKNAME: 'old' });
    assert.equal(result['nickName'], 'B');
    assert.equal('NICKNAME' in result, false);
  });
});

describe('planGroupPatch', () => {
  const plan = (operations: JsonValue[], options: PatchOptions = {}): ReturnType<typeof planGroupPatch> =>
    planGroupPatch(parsePatchRequest({ Operations: operations }), GROUP_RESOURCE, options);
  const members = findAttribute(GROUP_SCHEMA.attributes, 'members');
  assert.ok(members !== undefined);

  it('separates attribute operations from member operations, in order', () => {
    const result = plan([
      { op: 'replace', path: 'displayName', value: 'New' },
      { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'A' }, { value: 'b' }] },
      { op: 'remove', path: 'members' },
      { op: 'replace', value: { externalId: 'x', Members: [{ value: 'c' }] } },
      { op: 'add', value: { 'urn:ietf:params:scim:schemas:core:2.0:Group:members': [{ value: 'd' }] } },
    ]);
    assert.deepStrictEqual(result.attributeOps, [
      { op: 'replace', path: { attribute: { name: 'displayName' } }, value: 'New' },
      { op: 'replace', value: { externalId: 'x' } },
    ]);
    assert.deepStrictEqual(result.memberOps, [
      { kind: 'add', values: ['a', 'b'] },
      { kind: 'removeAll' },
      { kind: 'replace', values: ['c'] },
      { kind: 'add', values: ['d'] },
    ]);
  });

  it('turns a value-eq disjunction into a remove by ids and anything else into removeByFilter', () => {
    assert.deepStrictEqual(plan([{ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }]).memberOps, [
      { kind: 'remove', values: ['a', 'b'], requireMatch: true },
    ]);
    const byType = plan([{ op: 'remove', path: 'members[TYPE eq "Group"]' }], { onRemoveNoMatch: 'ignore' });
    const filter = validateValueFilter(parseFilter('type eq "Group"'), members);
    assert.deepStrictEqual(byType.memberOps, [{ kind: 'removeByFilter', filter, requireMatch: false }]);
    assert.deepStrictEqual(plan([{ op: 'replace', path: 'members[value eq "a"]', value: null }]).memberOps, [
      { kind: 'remove', values: ['a'], requireMatch: false },
    ]);
  });

  it('turns add/replace on members[value eq "id"] into an add of that id', () => {
    const ensured = plan([{ op: 'add', path: 'members[value eq "a"]', value: {} }]);
    assert.deepStrictEqual(ensured.memberOps, [{ kind: 'add', values: ['a'] }]);
    assert.deepStrictEqual(plan([{ op: 'replace', path: 'members[value eq "a"]', value: { value: 'A' } }]).memberOps, [
      { kind: 'add', values: ['a'] },
    ]);
    assertScimError(() => plan([{ op: 'add', path: 'members[value eq "a"]', value: { value: 'b' } }]), 'invalidPath');
    assertScimError(() => plan([{ op: 'add', path: 'members[display eq "a"]', value: {} }]), 'invalidPath');
  });

  it('rejects what applyPatch would reject, before any member is touched', () => {
    assertScimError(() => plan([{ op: 'replace', path: 'members.display', value: 'x' }]), 'mutability');
    assertScimError(() => plan([{ op: 'add', path: 'members', value: [{ display: 'no id' }] }]), 'invalidValue');
    assertScimError(() => plan([{ op: 'add', path: 'members', value: 'u1' }]), 'invalidValue');
    assertScimError(() => plan([{ op: 'add', path: 'owners', value: [] }]), 'invalidPath');
  });

  it('needs a resource type with members', () => {
    const request = parsePatchRequest({ Operations: [{ op: 'remove', path: 'title' }] });
    assert.throws(() => planGroupPatch(request, USER_RESOURCE), TypeError);
  });
});
