/**
 * Filter validation (unknown attributes, operator/type fit, canonical form) and evaluation
 * against the shared fixture `fixtures/filter-evaluate.json`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  GROUP_RESOURCE,
  ScimError,
  USER_RESOURCE,
  compileFilterPredicate,
  evaluateFilter,
  isJsonObject,
  parseFilter,
  validateFilter,
} from '../../src/scim/engine/index.ts';
import type { FilterNode, JsonObject, ResourceSchema } from '../../src/scim/engine/index.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface EvaluateFixture {
  resources: JsonObject[];
  cases: { filter: string; matches: string[]; why?: string }[];
}

function loadFixture(): EvaluateFixture {
  const parsed: unknown = JSON.parse(readFileSync(new URL('fixtures/filter-evaluate.json', import.meta.url), 'utf8'));
  assert.ok(isJsonObject(parsed) && Array.isArray(parsed['resources']) && Array.isArray(parsed['cases']));
  return parsed as unknown as EvaluateFixture;
}

const CANONICAL: { source: string; schema?: ResourceSchema; canonical: FilterNode }[] = [
  { source: 'USERNAME eq "x"', canonical: { kind: 'compare', path: { name: 'userName' }, op: 'eq', value: 'x' } },
  {
    source: 'urn:ietf:params:scim:schemas:core:2.0:User:name.GIVENNAME pr',
    canonical: { kind: 'present', path: { name: 'name', subAttr: 'givenName' } },
  },
  {
    source: 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "1"',
    canonical: { kind: 'compare', path: { uri: ENTERPRISE, name: 'employeeNumber' }, op: 'eq', value: '1' },
  },
  {
    source: 'manager.value eq "1"',
    canonical: { kind: 'compare', path: { uri: ENTERPRISE, name: 'manager', subAttr: 'value' }, op: 'eq', value: '1' },
  },
  {
    source: 'manager eq "1"',
    canonical: { kind: 'compare', path: { uri: ENTERPRISE, name: 'manager', subAttr: 'value' }, op: 'eq', value: '1' },
  },
  {
    source: 'emails co "x"',
    canonical: { kind: 'compare', path: { name: 'emails', subAttr: 'value' }, op: 'co', value: 'x' },
  },
  { source: 'active eq "True"', canonical: { kind: 'compare', path: { name: 'active' }, op: 'eq', value: true } },
  {
    source: 'EMAILS[TYPE eq "work"]',
    canonical: {
      kind: 'valuePath',
      path: { name: 'emails' },
      filter: { kind: 'compare', path: { name: 'type' }, op: 'eq', value: 'work' },
    },
  },
  {
    source: 'ID eq "1" and META.LASTMODIFIED gt "2020-01-01T00:00:00Z"',
    canonical: {
      kind: 'and',
      left: { kind: 'compare', path: { name: 'id' }, op: 'eq', value: '1' },
      right: { kind: 'compare', path: { name: 'meta', subAttr: 'lastModified' }, op: 'gt', value: '2020-01-01T00:00:00Z' },
    },
  },
  {
    source: 'members[value eq "1"] or displayname sw "Eng"',
    schema: GROUP_RESOURCE,
    canonical: {
      kind: 'or',
      left: {
        kind: 'valuePath',
        path: { name: 'members' },
        filter: { kind: 'compare', path: { name: 'value' }, op: 'eq', value: '1' },
      },
      right: { kind: 'compare', path: { name: 'displayName' }, op: 'sw', value: 'Eng' },
    },
  },
];

/** Each must fail validation with invalidFilter; `detail` must contain the fragment. */
const INVALID: { source: string; schema?: ResourceSchema; detail: string }[] = [
  { source: 'foo eq "x"', detail: 'Unknown attribute "foo"' },
  { source: 'name.foo pr', detail: 'Unknown attribute "name.foo"' },
  { source: 'userName.x pr', detail: 'Unknown attribute' },
  { source: 'emails[foo eq "x"]', detail: 'Unknown attribute "foo" in value filter' },
  { source: 'emails[type.value eq "x"]', detail: 'Unknown attribute' },
  { source: 'emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "x"]', detail: 'Unknown attribute' },
  { source: 'urn:example:unknown:1.0:Thing:userName eq "x"', detail: 'Unknown attribute' },
  { source: `${ENTERPRISE}:userName eq "x"`, detail: 'Unknown attribute' },
  { source: 'userName eq "x"', schema: GROUP_RESOURCE, detail: 'Unknown attribute "userName"' },
  { source: 'active gt true', detail: 'Operator "gt" cannot be applied to boolean' },
  { source: 'active co "t"', detail: 'Operator "co" cannot be applied to boolean' },
  { source: 'meta.created co "2011"', detail: 'Operator "co" cannot be applied to dateTime' },
  { source: 'x509Certificates.value gt "a"', detail: 'Operator "gt" cannot be applied to binary' },
  { source: 'name eq "x"', detail: 'must be compared through a sub-attribute' },
  { source: 'password eq "secret"', detail: 'cannot be used in a filter' },
  { source: 'active eq "yes"', detail: 'true or false' },
  { source: 'userName eq 1', detail: 'a string' },
  { source: 'meta.created gt "yesterday"', detail: 'date-time' },
  { source: 'userName gt null', detail: 'cannot compare with null' },
  { source: 'emails[primary eq "x"]', detail: 'true or false' },
  { source: 'userName[value eq "x"]', detail: 'needs a complex attribute' },
  { source: 'name.givenName[value eq "x"]', detail: 'sub-attribute' },
];

describe('validateFilter', () => {
  for (const { source, schema = USER_RESOURCE, canonical } of CANONICAL) {
    it(`canonicalises ${JSON.stringify(source)}`, () => {
      assert.deepStrictEqual(validateFilter(parseFilter(source), schema), canonical);
    });
  }

  for (const { source, schema = USER_RESOURCE, detail } of INVALID) {
    it(`rejects ${JSON.stringify(source)}`, () => {
      assert.throws(
        // The parser rejects some shapes itself; either way the client sees invalidFilter.
        () => validateFilter(parseFilter(source), schema),
        (error: unknown) => {
          assert.ok(error instanceof ScimError);
          assert.equal(error.scimType, 'invalidFilter');
          assert.ok(error.detail.includes(detail), `detail ${JSON.stringify(error.detail)} lacks ${JSON.stringify(detail)}`);
          return true;
        },
      );
    });
  }

  it('is idempotent', () => {
    for (const { source, schema = USER_RESOURCE } of CANONICAL) {
      const once = validateFilter(parseFilter(source), schema);
      assert.deepStrictEqual(validateFilter(once, schema), once);
    }
  });
});

describe('evaluateFilter (fixtures/filter-evaluate.json)', () => {
  const fixture = loadFixture();
  for (const { filter, matches, why } of fixture.cases) {
    it(`${filter}${why === undefined ? '' : ` (${why})`}`, () => {
      const ast = parseFilter(filter);
      const selected = fixture.resources.filter((resource) => evaluateFilter(ast, resource, USER_RESOURCE));
      assert.deepStrictEqual(
        selected.map((resource) => resource['id']),
        matches,
      );
      const predicate = compileFilterPredicate(ast, USER_RESOURCE);
      assert.deepStrictEqual(fixture.resources.filter(predicate).map((resource) => resource['id']), matches);
    });
  }

  it('matches stored keys in any letter case', () => {
    const resource: JsonObject = { UserName: 'x', EMAILS: [{ VALUE: 'a@b.c', Type: 'work' }] };
    assert.equal(evaluateFilter(parseFilter('userName eq "X"'), resource, USER_RESOURCE), true);
    assert.equal(evaluateFilter(parseFilter('emails[type eq "work" and value eq "A@B.C"]'), resource, USER_RESOURCE), true);
  });

  it('treats values of the wrong JSON type as non-matching', () => {
    const resource: JsonObject = { userName: 5, active: 'maybe', meta: { created: 'not a date' } };
    assert.equal(evaluateFilter(parseFilter('userName eq "5"'), resource, USER_RESOURCE), false);
    assert.equal(evaluateFilter(parseFilter('active eq true'), resource, USER_RESOURCE), false);
    assert.equal(evaluateFilter(parseFilter('meta.created lt "2100-01-01T00:00:00Z"'), resource, USER_RESOURCE), false);
  });

  it('rejects a filter that does not fit the schema', () => {
    assert.throws(() => evaluateFilter(parseFilter('nope pr'), {}, USER_RESOURCE), { scimType: 'invalidFilter' });
  });
});
