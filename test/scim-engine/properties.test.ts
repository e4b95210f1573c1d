/**
 * Property-based tests (fast-check):
 * (a) any text fed to the filter or PATCH-path parser parses or throws ScimError, nothing else;
 * (b) generated filters survive format → parse unchanged, and evaluation is consistent;
 * (c) any PATCH on a valid user succeeds or throws ScimError, leaving the input as it was;
 * (d) group PATCHes planned as member deltas agree with applyPatch on the full group.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  GROUP_RESOURCE,
  ScimError,
  USER_RESOURCE,
  applyPatch,
  evaluateFilter,
  formatFilter,
  isJsonObject,
  parseFilter,
  parsePatchPath,
  parsePatchRequest,
  planGroupPatch,
  validateFilter,
} from '../../src/scim/engine/index.ts';
import type {
  AttributePath,
  ComparisonOperator,
  ComparisonValue,
  FilterNode,
  JsonObject,
  JsonValue,
} from '../../src/scim/engine/index.ts';
import { applyMemberOperations } from './member-model.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const RUNS = { numRuns: 300 };

/** Run `fn`; anything thrown must be a ScimError. */
function onlyScimErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Letter-case variants: attribute names, operators and URNs are case-insensitive. */
const caseOf = (text: string): fc.Arbitrary<string> => fc.constantFrom(text, text.toUpperCase(), text.toLowerCase());

function pathArbitrary(text: string, uri?: string): fc.Arbitrary<AttributePath> {
  const [name = '', subAttr] = text.split('.');
  const optional = (part: string | undefined): fc.Arbitrary<string | undefined> =>
    part === undefined ? fc.constant(undefined) : caseOf(part);
  return fc
    .tuple(optional(uri), caseOf(name), optional(subAttr))
    .map(([u, n, s]) => ({
      ...(u === undefined ? {} : { uri: u }),
      name: n,
      ...(s === undefined ? {} : { subAttr: s }),
    }));
}

/** Strings with quotes, backslashes, control characters, astral and lone surrogate code units. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
  fc.constantFrom('"', '\\', "'", '\\"', ']', ') or (', 'a"b', ''),
);
const dateTime = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

type LeafType = 'string' | 'boolean' | 'dateTime';
const STRING_OPS: ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const OPS: Record<LeafType, ComparisonOperator[]> = {
  string: STRING_OPS,
  boolean: ['eq', 'ne'],
  dateTime: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
};
const VALUES: Record<LeafType, fc.Arbitrary<ComparisonValue>> = {
  string: anyString,
  boolean: fc.boolean(),
  dateTime,
};

function leaf(paths: fc.Arbitrary<AttributePath>, type: LeafType): fc.Arbitrary<FilterNode> {
  const compare = fc
    .tuple(paths, fc.constantFrom(...OPS[type]), VALUES[type], fc.boolean())
    .map(([path, op, value, useNull]): FilterNode => ({
      kind: 'compare',
      path,
      op,
      // null compares only with eq/ne (validateFilter rejects the rest).
      value: useNull && (op === 'eq' || op === 'ne') ? null : value,
    }));
  const present = paths.map((path): FilterNode => ({ kind: 'present', path }));
  return fc.oneof({ weight: 4, arbitrary: compare }, { weight: 1, arbitrary: present });
}

/** Attribute paths of the User resource type, with the type of value they compare with. */
const USER_LEAVES: fc.Arbitrary<FilterNode> = fc.oneof(
  leaf(pathArbitrary('userName'), 'string'),
  leaf(pathArbitrary('userName', CORE_USER), 'string'),
  leaf(pathArbitrary('name.givenName'), 'string'),
  leaf(pathArbitrary('title'), 'string'),
  leaf(pathArbitrary('externalId'), 'string'),
  leaf(pathArbitrary('emails'), 'string'),
  leaf(pathArbitrary('emails.value'), 'string'),
  leaf(pathArbitrary('emails.type'), 'string'),
  leaf(pathArbitrary('employeeNumber', ENTERPRISE), 'string'),
  leaf(pathArbitrary('manager.value'), 'string'),
  leaf(pathArbitrary('active'), 'boolean'),
  leaf(pathArbitrary('emails.primary'), 'boolean'),
  leaf(pathArbitrary('meta.lastModified'), 'dateTime'),
);

/** Sub-attributes of `emails`, for value filters. */
const EMAIL_LEAVES: fc.Arbitrary<FilterNode> = fc.oneof(
  leaf(pathArbitrary('value'), 'string'),
  leaf(pathArbitrary('type'), 'string'),
  leaf(pathArbitrary('display'), 'string'),
  leaf(pathArbitrary('primary'), 'boolean'),
);

/** Boolean combinations of `leaves`, optionally with value paths built from `elementLeaves`. */
function filterArbitrary(
  leaves: fc.Arbitrary<FilterNode>,
  elementLeaves?: fc.Arbitrary<FilterNode>,
): fc.Arbitrary<FilterNode> {
  const tree = fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaves,
      fc
        .tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), tie('node'), tie('node'))
        .map(([kind, left, right]): FilterNode => ({ kind, left, right })),
      tie('node').map((filter): FilterNode => ({ kind: 'not', filter })),
    ),
  }));
  if (elementLeaves === undefined) return tree.node;
  const valuePath = fc
    .tuple(pathArbitrary('emails'), filterArbitrary(elementLeaves))
    .map(([path, filter]): FilterNode => ({ kind: 'valuePath', path, filter }));
  return filterArbitrary(fc.oneof({ weight: 3, arbitrary: leaves }, { weight: 1, arbitrary: valuePath }));
}

/** Syntactic filters over arbitrary names and numeric values, beyond any schema. */
const SYNTACTIC_LEAVES: fc.Arbitrary<FilterNode> = fc
  .tuple(
    fc.stringMatching(/^\$?[A-Za-z][A-Za-z0-9_-]{0,8}$/),
    fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/), { nil: undefined }),
    fc.constantFrom(...STRING_OPS),
    fc.oneof(
      anyString,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.boolean(),
      fc.constant(null),
    ),
  )
  .map(([name, subAttr, op, value]): FilterNode => ({
    kind: 'compare',
    path: { name, ...(subAttr === undefined ? {} : { subAttr }) },
    op,
    value,
  }));

const USERS: JsonObject[] = [
  {
    schemas: [CORE_USER, ENTERPRISE],
    id: 'u1',
    externalId: 'ext-1',
    userName: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    title: 'Tour Guide',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    meta: { resourceType: 'User', lastModified: '2011-08-01T18:29:49.793Z' },
    [ENTERPRISE]: { employeeNumber: '701984', manager: { value: 'm1' } },
  },
  { schemas: [CORE_USER], id: 'u2', userName: 'JSmith', active: false, emails: [{ value: 'js@example.org', type: 'work' }] },
  { schemas: [CORE_USER], id: 'u3', userName: 'carol', title: '' },
];

// ---------------------------------------------------------------------------------------------

describe('property (a): the parsers throw nothing but ScimError', () => {
  const fragments = fc.constantFrom(
    'userName', 'emails', 'name.givenName', `${CORE_USER}:`, `${ENTERPRISE}:manager`, '$ref', '.value', '..',
    '[', ']', '(', ')', '"', "'", '"x"', "'y'", '"\\u00e9"', '"\\uZZ"', '\\', 'eq', 'EQ', 'co', 'gt', 'pr', 'and', 'or',
    'not', 'NOT(', 'true', 'null', 'False', '1.5', '-', '-0', '1e999', '01', ' ', '\t', ':', '@', '\u0000', '😀',
  );
  const filterLike = fc.array(fragments, { maxLength: 24 }).chain((parts) =>
    fc.array(fc.constantFrom('', ' '), { minLength: parts.length, maxLength: parts.length }).map((separators) =>
      parts.map((part, i) => `${separators[i] ?? ''}${part}`).join(''),
    ),
  );
  const mutated = filterArbitrary(USER_LEAVES, EMAIL_LEAVES).chain((ast) => {
    const text = formatFilter(ast);
    return fc
      .tuple(fc.nat(text.length), fc.nat(text.length), anyString)
      .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut));
  });
  const inputs = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), filterLike, mutated);

  it('parseFilter, then validateFilter against the User schema', () => {
    fc.assert(
      fc.property(inputs, (source) =>
        onlyScimErrors(() => {
          const ast = parseFilter(source);
          // Whatever parses must also print back to itself.
          assert.deepStrictEqual(parseFilter(formatFilter(ast)), ast);
          validateFilter(ast, USER_RESOURCE);
        }),
      ),
      { numRuns: 1000 },
    );
  });

  it('parsePatchPath', () => {
    fc.assert(fc.property(inputs, (source) => onlyScimErrors(() => parsePatchPath(source))), { numRuns: 1000 });
  });
});

describe('property (b): format → parse round trip', () => {
  it('holds for schema-valid filters with value paths, URNs and awkward strings', () => {
    fc.assert(
      fc.property(filterArbitrary(USER_LEAVES, EMAIL_LEAVES), (ast) => {
        assert.deepStrictEqual(parseFilter(formatFilter(ast)), ast);
      }),
      RUNS,
    );
  });

  it('holds for arbitrary attribute names and JSON numbers', () => {
    fc.assert(
      fc.property(filterArbitrary(SYNTACTIC_LEAVES), (ast) => {
        assert.deepStrictEqual(parseFilter(formatFilter(ast)), ast);
      }),
      RUNS,
    );
  });

  it('canonical forms validate to themselves and evaluate like the original', () => {
    fc.assert(
      fc.property(filterArbitrary(USER_LEAVES, EMAIL_LEAVES), (ast) => {
        const canonical = validateFilter(ast, USER_RESOURCE);
        assert.deepStrictEqual(validateFilter(parseFilter(formatFilter(canonical)), USER_RESOURCE), canonical);
        for (const user of USERS) {
          const result = evaluateFilter(ast, user, USER_RESOURCE);
          assert.equal(evaluateFilter(canonical, user, USER_RESOURCE), result);
          assert.equal(evaluateFilter({ kind: 'not', filter: ast }, user, USER_RESOURCE), !result);
        }
      }),
      RUNS,
    );
  });

  it('evaluates and/or as the boolean operators on their operands', () => {
    const filter = filterArbitrary(USER_LEAVES, EMAIL_LEAVES);
    fc.assert(
      fc.property(filter, filter, (left, right) => {
        for (const user of USERS) {
          const l = evaluateFilter(left, user, USER_RESOURCE);
          const r = evaluateFilter(right, user, USER_RESOURCE);
          assert.equal(evaluateFilter({ kind: 'and', left, right }, user, USER_RESOURCE), l && r);
          assert.equal(evaluateFilter({ kind: 'or', left, right }, user, USER_RESOURCE), l || r);
        }
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

const PATCH_PATHS = [
  'userName', 'USERNAME', 'name', 'name.givenName', 'nickName', 'active', 'title', 'displayName', 'password',
  'emails', 'emails.value', 'emails.primary', 'emails[type eq "work"]', 'emails[type eq "work"].value',
  'emails[type eq "home"].primary', 'emails[type eq "work" or type eq "x"].display', 'emails[value co "@"].type',
  'phoneNumbers[type eq "mobile" and primary eq true].value', 'addresses', 'roles', 'roles[primary eq true].value',
  'x509Certificates', 'id', 'meta', 'meta.created', 'groups', 'groups[value eq "g"].display', 'schemas',
  `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.displayName`, `${ENTERPRISE}:department`, ENTERPRISE, 'manager.value',
  `${CORE_USER}:name.familyName`, 'bogus', 'name.bogus', 'emails[bogus eq 1]', 'emails[type eq "work"].bogus',
  'userName[value eq "x"]', 'emails[type eq', '', ' ',
];

const patchValue: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(
    'x', 'a@example.com', 'True', 'false', true, false, null, 7, [], {}, [{ value: 'a@b.c', type: 'work', primary: true }],
    [{ value: 'z@b.c', primary: 'TRUE' }, { value: 'y@b.c', primary: true }], { value: 'm', $ref: null },
    [{ value: 'one' }], { givenName: 'G', familyName: null, bogus: 1 }, { type: 'work', value: 'w@x.org' },
  ),
  fc.jsonValue({ maxDepth: 3 }).map((value) => value as JsonValue),
);

const pathlessKey = fc.constantFrom(...PATCH_PATHS, 'schemas', ENTERPRISE.toUpperCase(), 'urn:unknown:2.0:Thing');
const pathlessValue: fc.Arbitrary<JsonValue> = fc
  .array(fc.tuple(pathlessKey, patchValue), { maxLength: 4 })
  .map((entries) => {
    const object: JsonObject = {};
    for (const [key, value] of entries) {
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return object;
  });

const operation: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add', 'Add', 'replace', 'REPLACE', 'remove', 'Remove', 'merge'),
    path: fc.constantFrom(...PATCH_PATHS),
    value: patchValue,
  }),
  fc.record({ op: fc.constantFrom('remove', 'Remove'), path: fc.constantFrom(...PATCH_PATHS) }),
  fc.record({ op: fc.constantFrom('add', 'replace', 'Replace'), value: pathlessValue }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => value as JsonValue),
);

const patchBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .array(operation, { minLength: 1, maxLength: 5 })
      .map((Operations) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** No literal dotted or URN-qualified keys may be stored (entra-021), and one primary per attribute. */
function assertWellFormedUser(resource: JsonObject): void {
  for (const key of Object.keys(resource)) {
    if (key === ENTERPRISE) continue;
    assert.ok(!key.includes('.') && !key.includes(':'), `stored literal key ${JSON.stringify(key)}`);
  }
  for (const value of Object.values(resource)) {
    if (!Array.isArray(value)) continue;
    const primaries = value.filter((element) => isJsonObject(element) && element['primary'] === true);
    assert.ok(primaries.length <= 1, 'at most one primary (RFC 7643 §2.4)');
  }
  const extension = resource[ENTERPRISE];
  if (extension !== undefined) {
    assert.ok(isJsonObject(extension) && Object.keys(extension).length > 0, 'no empty extension object');
    const schemas = resource['schemas'];
    assert.ok(Array.isArray(schemas) && schemas.includes(ENTERPRISE), 'extension URN listed in schemas');
  }
  assert.deepStrictEqual(JSON.parse(JSON.stringify(resource)), resource, 'plain JSON');
}

describe('property (c): PATCH succeeds or throws ScimError, atomically', () => {
  it('holds for random requests on a valid user', () => {
    fc.assert(
      fc.property(fc.constantFrom(...USERS), patchBody, fc.boolean(), (user, body, managed) => {
        const before = structuredClone(user);
        const options = managed ? { immutableAttributes: ['userName'] } : {};
        try {
          const result = applyPatch(user, parsePatchRequest(body), USER_RESOURCE, options);
          assertWellFormedUser(result.resource);
          assert.equal(result.resource['id'], user['id'], 'id never changes');
          if (managed) assert.equal(result.resource['userName'], user['userName'], 'immutable userName never changes');
          if (!result.changed) assert.deepStrictEqual(result.resource, user);
        } catch (error) {
          if (!(error instanceof ScimError)) throw error;
        }
        assert.deepStrictEqual(user, before, 'the input resource is never modified');
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

const MEMBER_IDS = ['u1', 'u2', 'U1', 'u3', 'g1'];
const memberIds = fc.array(fc.constantFrom(...MEMBER_IDS), { maxLength: 4 });
const memberList = memberIds.map((ids) => ids.map((value) => ({ value })));
const memberById = fc.constantFrom(...MEMBER_IDS).map((id) => `members[value eq "${id}"]`);
const memberFilter = fc.oneof(
  memberById,
  fc
    .tuple(fc.constantFrom(...MEMBER_IDS), fc.constantFrom(...MEMBER_IDS))
    .map(([a, b]) => `members[value eq "${a}" or value eq "${b}"]`),
  fc.constantFrom(
    'members[value sw "u"]',
    'members[not (value eq "u1")]',
    'members[type eq "Group"]',
    'members[value co "1" and value pr]',
  ),
);
const memberOperation: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.record({ op: fc.constantFrom('add', 'Add', 'replace'), path: fc.constant('members'), value: memberList }),
  fc.record({ op: fc.constant('remove'), path: fc.constant('members'), value: memberList }),
  fc.record({ op: fc.constant('remove'), path: fc.constant('members') }),
  fc.record({ op: fc.constant('remove'), path: memberFilter }),
  fc.record({ op: fc.constant('replace'), path: memberById, value: fc.constant(null) }),
  fc.record({ op: fc.constantFrom('add', 'replace'), path: memberById, value: fc.constant({}) }),
  fc.record({
    op: fc.constant('replace'),
    value: fc.record({ displayName: fc.constantFrom('A', 'B'), members: memberList }),
  }),
  fc.record({ op: fc.constant('replace'), path: fc.constant('displayName'), value: fc.constantFrom('A', 'B') }),
);

/** The outcome of `run`: its result, or the ScimError it threw. */
function outcome(run: () => JsonObject): JsonObject | ScimError {
  try {
    return run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
}

describe('property (d): planGroupPatch agrees with applyPatch', () => {
  it('gives the same members, attributes and errors', () => {
    const initialIds = memberIds.map((ids) =>
      // Distinct ids, as a membership table holds them (`members.value` is caseExact false).
      ids.filter((id, index) => ids.findIndex((other) => other.toLowerCase() === id.toLowerCase()) === index),
    );
    const operations = fc.array(memberOperation, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(initialIds, operations, fc.boolean(), (ids, Operations, ignore) => {
        const group: JsonObject = { schemas: [GROUP_RESOURCE.core.id], id: 'g', displayName: 'G' };
        if (ids.length > 0) group['members'] = ids.map((value) => ({ value }));
        const request = parsePatchRequest({ Operations });
        const options = { onRemoveNoMatch: ignore ? ('ignore' as const) : ('error' as const) };

        const expected = outcome(() => applyPatch(group, request, GROUP_RESOURCE, options).resource);
        const actual = outcome(() => {
          const plan = planGroupPatch(request, GROUP_RESOURCE, options);
          const { members: _members, ...attributes } = group;
          const patched = applyPatch(attributes, { operations: plan.attributeOps }, GROUP_RESOURCE, options);
          const after = applyMemberOperations(ids, plan.memberOps);
          const result: JsonObject = { ...patched.resource };
          if (after.length > 0) result['members'] = after.map((value) => ({ value }));
          return result;
        });
        if (expected instanceof ScimError || actual instanceof ScimError) {
          assert.ok(expected instanceof ScimError && actual instanceof ScimError, 'both fail or both succeed');
          assert.equal(actual.scimType, expected.scimType);
          return;
        }
        assert.deepStrictEqual(actual, expected);
      }),
      { numRuns: 1000 },
    );
  });
});
