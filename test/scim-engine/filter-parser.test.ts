/**
 * Filter and PATCH path parser: `{source, ast}` tables. Sources marked RFC are the examples of
 * RFC 7644 §3.4.2.2 (Figure 2) and §3.5.2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ScimError, formatFilter, formatPatchPath, parseFilter, parsePatchPath } from '../../src/scim/engine/index.ts';
import type {
  AttributePath,
  ComparisonOperator,
  ComparisonValue,
  FilterNode,
  PatchPath,
} from '../../src/scim/engine/index.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function path(text: string, uri?: string): AttributePath {
  const [name = '', subAttr] = text.split('.');
  return { ...(uri === undefined ? {} : { uri }), name, ...(subAttr === undefined ? {} : { subAttr }) };
}
const cmp = (attr: string, op: ComparisonOperator, value: ComparisonValue, uri?: string): FilterNode => ({
  kind: 'compare',
  path: path(attr, uri),
  op,
  value,
});
const pr = (attr: string): FilterNode => ({ kind: 'present', path: path(attr) });
const and = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: 'and', left, right });
const or = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: 'or', left, right });
const not = (filter: FilterNode): FilterNode => ({ kind: 'not', filter });
const vp = (attr: string, filter: FilterNode): FilterNode => ({ kind: 'valuePath', path: path(attr), filter });

const FILTERS: { source: string; ast: FilterNode }[] = [
  // RFC 7644 §3.4.2.2, Figure 2
  { source: 'userName Eq "john"', ast: cmp('userName', 'eq', 'john') },
  { source: 'Username eq "john"', ast: cmp('Username', 'eq', 'john') },
  { source: 'userName eq "bjensen"', ast: cmp('userName', 'eq', 'bjensen') },
  { source: 'name.familyName co "O\'Malley"', ast: cmp('name.familyName', 'co', "O'Malley") },
  { source: 'userName sw "J"', ast: cmp('userName', 'sw', 'J') },
  { source: `${CORE_USER}:userName sw "J"`, ast: cmp('userName', 'sw', 'J', CORE_USER) },
  { source: 'title pr', ast: pr('title') },
  { source: 'meta.lastModified gt "2011-05-13T04:42:34Z"', ast: cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z') },
  { source: 'meta.lastModified ge "2011-05-13T04:42:34Z"', ast: cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z') },
  { source: 'meta.lastModified lt "2011-05-13T04:42:34Z"', ast: cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z') },
  { source: 'meta.lastModified le "2011-05-13T04:42:34Z"', ast: cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z') },
  { source: 'title pr and userType eq "Employee"', ast: and(pr('title'), cmp('userType', 'eq', 'Employee')) },
  { source: 'title pr or userType eq "Intern"', ast: or(pr('title'), cmp('userType', 'eq', 'Intern')) },
  { source: `schemas eq "${ENTERPRISE}"`, ast: cmp('schemas', 'eq', ENTERPRISE) },
  {
    source: 'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    ast: and(
      cmp('userType', 'eq', 'Employee'),
      or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
    ),
  },
  {
    source: 'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    ast: and(
      cmp('userType', 'ne', 'Employee'),
      not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
    ),
  },
  {
    source: 'userType eq "Employee" and (emails.type eq "work")',
    ast: and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
  },
  {
    source: 'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    ast: and(
      cmp('userType', 'eq', 'Employee'),
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
    ),
  },
  {
    source: 'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    ast: or(
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
    ),
  },
  // Precedence: and binds tighter than or; both associate to the left.
  { source: 'a pr or b pr and c pr', ast: or(pr('a'), and(pr('b'), pr('c'))) },
  { source: 'a pr and b pr or c pr', ast: or(and(pr('a'), pr('b')), pr('c')) },
  { source: 'a pr and b pr and c pr', ast: and(and(pr('a'), pr('b')), pr('c')) },
  { source: 'a pr or b pr or c pr', ast: or(or(pr('a'), pr('b')), pr('c')) },
  { source: '(a pr or b pr) and c pr', ast: and(or(pr('a'), pr('b')), pr('c')) },
  { source: 'a pr and (b pr and c pr)', ast: and(pr('a'), and(pr('b'), pr('c'))) },
  { source: '((a pr))', ast: pr('a') },
  // Comparison values are JSON: numbers, literals in any case, escapes.
  { source: 'x eq 42', ast: cmp('x', 'eq', 42) },
  { source: 'x gt -1.5e3', ast: cmp('x', 'gt', -1500) },
  { source: 'x eq 0.25', ast: cmp('x', 'eq', 0.25) },
  { source: 'x co -0', ast: cmp('x', 'co', 0) }, // one zero: -0 prints back as 0 and compares equal to it
  { source: 'active eq true', ast: cmp('active', 'eq', true) },
  { source: 'active eq FALSE', ast: cmp('active', 'eq', false) },
  { source: 'x eq null', ast: cmp('x', 'eq', null) },
  { source: 'displayName eq "a \\"q\\" \\\\ \\u00e9\\n"', ast: cmp('displayName', 'eq', 'a "q" \\ é\n') },
  { source: 'displayName eq ""', ast: cmp('displayName', 'eq', '') },
  { source: 'displayName eq "Ünïcödé 👩‍💻"', ast: cmp('displayName', 'eq', 'Ünïcödé 👩‍💻') },
  // GitHub's own docs send single quotes.
  { source: "emails[type eq 'work']", ast: vp('emails', cmp('type', 'eq', 'work')) },
  { source: "displayName eq 'it\\'s'", ast: cmp('displayName', 'eq', "it's") },
  // Keywords and operators in any case, `not` with or without a space.
  { source: 'NOT(title PR)', ast: not(pr('title')) },
  {
    source: 'title pr AND userName EQ "x" Or nickName Sw "y"',
    ast: or(and(pr('title'), cmp('userName', 'eq', 'x')), cmp('nickName', 'sw', 'y')),
  },
  { source: 'not (not (title pr))', ast: not(not(pr('title'))) },
  // URN-qualified extension attributes and `$ref`.
  { source: `${ENTERPRISE}:employeeNumber eq "701984"`, ast: cmp('employeeNumber', 'eq', '701984', ENTERPRISE) },
  { source: `${ENTERPRISE}:manager.value eq "26118915"`, ast: cmp('manager.value', 'eq', '26118915', ENTERPRISE) },
  { source: 'members[$ref eq "https://x/Users/1"]', ast: vp('members', cmp('$ref', 'eq', 'https://x/Users/1')) },
  // Errata 7322: logic and grouping inside a value filter.
  {
    source: 'emails[type eq "work" or (type eq "home" and value ew "@example.com")]',
    ast: vp('emails', or(cmp('type', 'eq', 'work'), and(cmp('type', 'eq', 'home'), cmp('value', 'ew', '@example.com')))),
  },
  { source: 'emails[not (type eq "work")]', ast: vp('emails', not(cmp('type', 'eq', 'work'))) },
  // Whitespace is flexible.
  { source: '  userName   eq\t"x"\n', ast: cmp('userName', 'eq', 'x') },
  { source: '(title pr)and(nickName pr)', ast: and(pr('title'), pr('nickName')) },
  // An attribute may be named like a keyword; context decides.
  { source: 'not pr', ast: pr('not') },
];

/** Each must fail with invalidFilter; `detail` must contain the fragment. */
const INVALID: { source: string; detail: string }[] = [
  { source: '', detail: 'empty' },
  { source: '   ', detail: 'empty' },
  { source: 'userName eq', detail: 'comparison value' },
  { source: 'externalId eq jyoung', detail: 'must be a JSON string' },
  { source: 'userName xx "a"', detail: 'Unknown operator' },
  { source: 'userName eq "a" and', detail: 'attribute path' },
  { source: '(userName pr', detail: 'Expected ")"' },
  { source: 'userName pr)', detail: 'Unexpected' },
  { source: 'emails[type eq "work"', detail: 'Expected "]"' },
  { source: 'emails[type eq "work"].value eq "x"', detail: 'Unexpected' },
  { source: 'emails[type[value pr]]', detail: 'cannot be nested' },
  { source: 'emails.value[type eq "work"]', detail: 'sub-attribute' },
  { source: 'emails[]', detail: 'Empty value filter' },
  { source: 'userName eq "unterminated', detail: 'Unterminated' },
  { source: 'userName eq "bad \\x escape"', detail: 'escape' },
  { source: 'userName eq "raw\ttab"', detail: 'control character' },
  { source: 'userName eq 01', detail: 'Unexpected number' },
  { source: 'userName eq 1e999', detail: 'Malformed number' },
  { source: 'userName eq -', detail: 'Malformed number' },
  { source: 'name..givenName pr', detail: 'not a valid attribute path' },
  { source: 'name.givenName.x pr', detail: 'not a valid attribute path' },
  { source: 'not title pr', detail: 'Unknown operator' },
  { source: 'userName eq "a" or or x pr', detail: 'Unknown operator "x"' },
  { source: '@foo eq 1', detail: 'Unexpected character' },
  { source: 'userName eq "a" userName eq "b"', detail: 'Unexpected' },
  { source: 'userName pr "x"', detail: 'Unexpected' },
  { source: '"userName" eq "x"', detail: 'Expected an attribute path' },
  { source: `${'('.repeat(40)}a pr${')'.repeat(40)}`, detail: 'nested more than' },
  { source: Array.from({ length: 251 }, (_, i) => `a${i} pr`).join(' or '), detail: 'more than 250' },
];

const WORK = cmp('type', 'eq', 'work');

const PATCH_PATHS: { source: string; path: PatchPath }[] = [
  { source: 'members', path: { attribute: path('members') } },
  { source: 'name.givenName', path: { attribute: path('name.givenName') } },
  { source: 'emails[type eq "work"].value', path: { attribute: path('emails'), filter: WORK, subAttr: 'value' } },
  { source: "emails[type eq 'work'].value", path: { attribute: path('emails'), filter: WORK, subAttr: 'value' } },
  { source: 'members[value eq "2819c223"]', path: { attribute: path('members'), filter: cmp('value', 'eq', '2819c223') } },
  {
    source: 'addresses[type eq "work" and primary eq true].streetAddress',
    path: { attribute: path('addresses'), filter: and(WORK, cmp('primary', 'eq', true)), subAttr: 'streetAddress' },
  },
  { source: `${ENTERPRISE}:employeeNumber`, path: { attribute: path('employeeNumber', ENTERPRISE) } },
  { source: `${CORE_USER}:name.givenName`, path: { attribute: path('name.givenName', CORE_USER) } },
  // A bare extension URN parses as URI + name; resolution against the schema recognises it.
  {
    source: ENTERPRISE,
    path: { attribute: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', name: 'User' } },
  },
];

const INVALID_PATCH_PATHS = [
  '',
  'emails[type eq "work"].value.x',
  'emails[type eq "work"]value',
  'emails[type eq "work"].',
  'emails[type eq "work"]]',
  'name.givenName[type eq "work"]',
  '"members"',
  'members eq "x"',
  'emails[type eq work]',
  'emails[type eq "work"].1x',
];

describe('parseFilter', () => {
  for (const { source, ast } of FILTERS) {
    it(`parses ${JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}…` : source)}`, () => {
      assert.deepStrictEqual(parseFilter(source), ast);
    });
  }

  for (const { source, detail } of INVALID) {
    it(`rejects ${JSON.stringify(source.length > 60 ? `${source.slice(0, 60)}…` : source)}`, () => {
      assert.throws(
        () => parseFilter(source),
        (error: unknown) => {
          assert.ok(error instanceof ScimError);
          assert.equal(error.status, 400);
          assert.equal(error.scimType, 'invalidFilter');
          assert.ok(error.detail.includes(detail), `detail ${JSON.stringify(error.detail)} lacks ${JSON.stringify(detail)}`);
          return true;
        },
      );
    });
  }

  it('formats every fixture back to text that parses to the same AST', () => {
    for (const { ast } of FILTERS) assert.deepStrictEqual(parseFilter(formatFilter(ast)), ast);
  });

  it('prints only the parentheses the tree needs', () => {
    assert.equal(formatFilter(parseFilter('(a pr and b pr) or (c pr)')), 'a pr and b pr or c pr');
    assert.equal(formatFilter(parseFilter('a pr and (b pr or c pr)')), 'a pr and (b pr or c pr)');
    assert.equal(formatFilter(parseFilter('a pr or (b pr or c pr)')), 'a pr or (b pr or c pr)');
  });
});

describe('parsePatchPath', () => {
  for (const { source, path: expected } of PATCH_PATHS) {
    it(`parses ${JSON.stringify(source)}`, () => {
      assert.deepStrictEqual(parsePatchPath(source), expected);
      assert.deepStrictEqual(parsePatchPath(formatPatchPath(expected)), expected);
    });
  }

  for (const source of INVALID_PATCH_PATHS) {
    it(`rejects ${JSON.stringify(source)} with invalidPath`, () => {
      assert.throws(
        () => parsePatchPath(source),
        (error: unknown) => error instanceof ScimError && error.scimType === 'invalidPath' && error.status === 400,
      );
    });
  }
});
