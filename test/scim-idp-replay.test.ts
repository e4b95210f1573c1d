/**
 * Replays of the request sequences real identity providers send, as their vendors document them: Microsoft Entra ID
 * (the SCIM tutorial and the SCIM 2.0 compliance article) and Okta (the SCIM 2.0 protocol reference, Group Push and
 * the SCIM 2.0 SPEC test plan). The sequences live as data in `test/idp/{entra,okta}/*.json` (format below); this
 * file runs each one against every Gatehouse SCIM dialect it applies to, over HTTP, and checks every status, the
 * stated parts of every body, and every 2xx body against GitHub's OpenAPI description (idp-quirks.md, github-semantics.md §3).
 *
 * Fixture format: `{ name, source, applies_to: ("managed"|"classic"|"org")[], notes?, headers?, steps: Step[] }`.
 * A step is `{ name?, only?: dialects, method, path, headers?, body?, expect }`; `path` is relative to the dialect's
 * SCIM base; `{x.y}` placeholders in paths, headers and bodies are values captured by earlier steps. `expect` holds:
 * - `status`: a number, or the list of acceptable numbers (group PATCH may answer 200 or 204);
 * - `body_includes`: a partial JSON the body must contain (objects by key, arrays as a subset in any order);
 * - `body_excludes`: partial JSONs the body must NOT contain (e.g. a removed member);
 * - `body_has`: dotted paths that must hold a value (not absent, null or "");
 * - `body_lacks`: dotted paths (or arrays of literal keys) that must be absent or null;
 * - `body_at`: exact values at dotted paths (`length` of an array is a path segment, `emails.length`);
 * - `capture`: placeholder name → dotted path of the value to remember.
 *
 * Dialects: managed → `/scim/v2/enterprises/{slug}` on a managed enterprise, and once more at the instance base
 * `/scim/v2` (every managed fixture in turn, in the instance's enterprise); classic → `/scim/v2/enterprises/{slug}` on a
 * classic enterprise, with an organization for every group name (a classic Group is the org of the same name);
 * org → `/scim/v2/organizations/{org}`. A dialect whose base answers 404 both to `ServiceProviderConfig` and to `Users`
 * is not served yet: its cases are reported as todo, never skipped silently.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createOrganization } from '../src/domain/accounts/accounts.ts';
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

type Dialect = 'managed' | 'classic' | 'org';
const DIALECTS: readonly Dialect[] = ['managed', 'classic', 'org'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Expectation {
  status: number | number[];
  body_includes?: Json;
  body_excludes?: Json[];
  body_has?: string[];
  body_lacks?: Array<string | string[]>;
  body_at?: Record<string, Json>;
  capture?: Record<string, string>;
}

interface Step {
  name?: string;
  only?: Dialect[];
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Json;
  expect: Expectation;
}

interface Fixture {
  name: string;
  source: string;
  applies_to: Dialect[];
  notes?: string;
  headers?: Record<string, string>;
  steps: Step[];
}

interface LoadedFixture {
  /** `entra/tutorial-users` */
  id: string;
  idp: string;
  fixture: Fixture;
}

/** IDP_REPLAY_TRACE=1 prints every exchange to stderr. */
const TRACE = process.env.IDP_REPLAY_TRACE === '1';
const FIXTURE_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'idp');

function loadFixtures(): LoadedFixture[] {
  const out: LoadedFixture[] = [];
  for (const idp of fs.readdirSync(FIXTURE_ROOT).sort()) {
    const dir = path.join(FIXTURE_ROOT, idp);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const fixture = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Fixture;
      out.push({ id: `${idp}/${file.replace(/\.json$/, '')}`, idp, fixture });
    }
  }
  return out;
}

const FIXTURES = loadFixtures();

// ---------------------------------------------------------------------------------------------------------------
// JSON helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `actual` contains `expected`: objects by key (recursively), arrays as a subset matched element by element. */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    const used = new Set<number>();
    return expected.every((want) => {
      const index = actual.findIndex((have, i) => !used.has(i) && contains(have, want));
      if (index < 0) return false;
      used.add(index);
      return true;
    });
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    return Object.entries(expected).every(([key, want]) => key in actual && contains(actual[key], want));
  }
  return actual === expected;
}

/** The value at a dotted path (`Resources.0.id`, `emails.length`), or a list of literal keys; undefined if absent. */
function valueAt(body: unknown, where: string | string[]): unknown {
  const segments = Array.isArray(where) ? where : where.split('.');
  let current: unknown = body;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (segment === 'length') current = current.length;
      else if (/^\d+$/.test(segment)) current = current[Number(segment)];
      else return undefined;
    } else if (isObject(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A step needs a value that an earlier (failed) step did not capture. */
class MissingCapture extends Error {}

const PLACEHOLDER = /\{([A-Za-z0-9_]+\.[A-Za-z0-9_.]+)\}/g;

function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars.get(name);
    if (value === undefined) throw new MissingCapture(`placeholder ${whole} was not captured by an earlier step`);
    return value;
  });
}

function substituteJson(value: Json, vars: Map<string, string>): Json {
  if (typeof value === 'string') return substitute(value, vars);
  if (Array.isArray(value)) return value.map((v) => substituteJson(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k, vars), substituteJson(v, vars)]));
  }
  return value;
}

function placeholdersIn(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) into.add(m[1] ?? '');
  else if (Array.isArray(value)) value.forEach((v) => placeholdersIn(v, into));
  else if (isObject(value)) Object.entries(value).forEach(([k, v]) => (placeholdersIn(k, into), placeholdersIn(v, into)));
}

/** Group names a fixture uses: POST/PUT bodies on /Groups and displayName changes in group PATCHes. */
function groupNames(fixture: Fixture): string[] {
  const names = new Set<string>();
  for (const step of fixture.steps) {
    if (!step.path.startsWith('/Groups') || !isObject(step.body)) continue;
    const body = step.body;
    if (typeof body.displayName === 'string') names.add(body.displayName);
    const operations = Array.isArray(body.Operations) ? body.Operations : [];
    for (const op of operations) {
      if (!isObject(op)) continue;
      if (op.path === 'displayName' && typeof op.value === 'string') names.add(op.value);
      if (op.path === undefined && isObject(op.value) && typeof op.value.displayName === 'string') names.add(op.value.displayName);
    }
  }
  return [...names];
}

// ---------------------------------------------------------------------------------------------------------------
// Targets: a dialect at one base path, on one app

interface Target {
  /** Label used in test names. */
  label: string;
  dialect: Dialect;
  /** OpenAPI path prefix the operations validate against. */
  templateBase: string;
  /** Only these fixtures (ids), when set. */
  only?: string[];
  /** Prepares a fresh place for one fixture; returns the SCIM base path and the token to use. */
  prepare(t: TestApp, fixture: LoadedFixture): Promise<{ base: string; token: string }>;
}

const ENTERPRISE_TEMPLATE = '/scim/v2/enterprises/{enterprise}';
const ORG_TEMPLATE = '/scim/v2/organizations/{org}';
/** The enterprise the instance-level paths serve (Config.instanceEnterprise). */
const INSTANCE_SLUG = 'instance';

/**
 * A fresh enterprise per fixture and target. Its slug also gives the managed shortcode (first 8 letters or digits),
 * so slugs stay short and distinct: `entra-3-m` → `entra3m`.
 */
function slugFor(f: LoadedFixture, key: string): string {
  return `${f.idp}-${FIXTURES.indexOf(f) + 1}-${key}`;
}

let instanceToken: string | undefined;

const TARGETS: Target[] = [
  {
    label: 'managed at /scim/v2/enterprises/{enterprise}',
    dialect: 'managed',
    templateBase: ENTERPRISE_TEMPLATE,
    async prepare(t, f) {
      const seeded = await seedEnterprise(t.ctx, { kind: 'managed', slug: slugFor(f, 'm') });
      return { base: `/scim/v2/enterprises/${seeded.enterprise.slug}`, token: seeded.ownerToken };
    },
  },
  {
    label: 'managed at the instance base /scim/v2',
    dialect: 'managed',
    templateBase: ENTERPRISE_TEMPLATE,
    // The core sequence of each IdP, once per run; they share the instance's one enterprise, which works because
    // names are unique across fixtures (checked above).
    only: ['entra/tutorial-users', 'entra/tutorial-groups', 'okta/user-lifecycle', 'okta/group-push'],
    async prepare(t) {
      if (instanceToken === undefined) {
        const seeded = await seedEnterprise(t.ctx, { kind: 'managed', slug: INSTANCE_SLUG });
        instanceToken = seeded.ownerToken;
      }
      return { base: '/scim/v2', token: instanceToken };
    },
  },
  {
    label: 'classic at /scim/v2/enterprises/{enterprise}',
    dialect: 'classic',
    templateBase: ENTERPRISE_TEMPLATE,
    async prepare(t, f) {
      const seeded = await seedEnterprise(t.ctx, { kind: 'classic', slug: slugFor(f, 'c') });
      for (const login of groupNames(f.fixture)) {
        await createOrganization(t.ctx, { login, enterpriseSlug: seeded.enterprise.slug, adminLogin: seeded.owner.login }, null);
      }
      return { base: `/scim/v2/enterprises/${seeded.enterprise.slug}`, token: seeded.ownerToken };
    },
  },
  {
    label: 'org at /scim/v2/organizations/{org}',
    dialect: 'org',
    templateBase: ORG_TEMPLATE,
    async prepare(t, f) {
      const seeded = await seedEnterprise(t.ctx, { kind: 'classic', slug: slugFor(f, 'o') });
      return { base: `/scim/v2/organizations/${seeded.org.login}`, token: seeded.ownerToken };
    },
  },
];

/** The OpenAPI operation path for a step's relative path, or undefined for paths GitHub does not document. */
function templateFor(target: Target, relative: string): string | undefined {
  const resource = relative.split('?')[0] ?? '';
  if (resource === '/Users' || resource === '/Groups') return `${target.templateBase}${resource}`;
  if (/^\/Users\/[^/]+$/.test(resource)) return `${target.templateBase}/Users/{scim_user_id}`;
  if (/^\/Groups\/[^/]+$/.test(resource)) return `${target.templateBase}/Groups/{scim_group_id}`;
  return undefined;
}

/** Whether the dialect answers at `base` at all: anything but 404 on either discovery or the Users list. */
async function probe(t: TestApp, base: string, token: string): Promise<{ served: boolean; evidence: string }> {
  const config = await t.request('GET', `${base}/ServiceProviderConfig`, { token, headers: { accept: 'application/scim+json' } });
  const users = await t.request('GET', `${base}/Users?count=1`, { token, headers: { accept: 'application/scim+json' } });
  return {
    served: config.status !== 404 || users.status !== 404,
    evidence: `GET ${base}/ServiceProviderConfig → ${config.status}, GET ${base}/Users?count=1 → ${users.status}`,
  };
}

function describeExchange(step: Step, method: string, url: string, body: Json | undefined, res: ApiResponse<unknown>): string {
  const request = body === undefined ? '' : `\n  request body: ${JSON.stringify(body).slice(0, 600)}`;
  return `step "${step.name ?? ''}": ${method} ${url}${request}\n  → ${res.status} ${res.text.slice(0, 900)}`;
}

/**
 * Runs every step of a fixture. A failed step does not stop the sequence (later steps still tell what else is
 * wrong), but the fixture fails with every failed step listed; steps that need a value an earlier failure did not
 * capture are reported as not run.
 */
async function replay(t: TestApp, target: Target, loaded: LoadedFixture, base: string, token: string): Promise<void> {
  const vars = new Map<string, string>();
  const failures: string[] = [];
  for (const [index, step] of loaded.fixture.steps.entries()) {
    if (step.only !== undefined && !step.only.includes(target.dialect)) continue;
    try {
      await runStep(t, target, loaded, step, base, token, vars);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(error instanceof MissingCapture ? `step ${index + 1} "${step.name ?? ''}" not run: ${message}` : `step ${index + 1}: ${message}`);
    }
  }
  assert.ok(failures.length === 0, `${failures.length} step(s) of ${loaded.id} failed on ${target.label}:\n\n${failures.join('\n\n')}`);
}

async function runStep(t: TestApp, target: Target, loaded: LoadedFixture, step: Step, base: string, token: string, vars: Map<string, string>): Promise<void> {
  const relative = substitute(step.path, vars);
  const url = `${base}${relative}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...loaded.fixture.headers, ...step.headers })) headers[k.toLowerCase()] = substitute(v, vars);
  const body = step.body === undefined ? undefined : substituteJson(step.body, vars);
  const res = await t.request(step.method, url, {
    token: headers.authorization === undefined ? token : undefined,
    headers,
    ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }),
  });
  const where = `[${loaded.id} on ${target.label}] ${describeExchange(step, step.method, url, body, res)}`;
  if (TRACE) process.stderr.write(`${where}\n`);
  const expect = step.expect;

  // Capture first, so that a wrong detail in this response does not also stop the steps that need its id.
  const missing: string[] = [];
  for (const [name, p] of Object.entries(expect.capture ?? {})) {
    const value = valueAt(res.body, p);
    if (typeof value === 'string' || typeof value === 'number') vars.set(name, String(value));
    else missing.push(`${name} (from ${p})`);
  }

  const statuses = Array.isArray(expect.status) ? expect.status : [expect.status];
  assert.ok(statuses.includes(res.status), `expected status ${statuses.join(' or ')}\n${where}`);

  if (res.status >= 200 && res.status < 300) {
    if (res.status === 204) {
      assert.equal(res.text, '', `204 carries no body\n${where}`);
    } else {
      assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/, `SCIM success bodies are application/scim+json\n${where}`);
      const template = templateFor(target, relative);
      if (template !== undefined) {
        try {
          assertSchema('ghec', step.method, template, res.status, res.body, 'application/scim+json');
        } catch (error) {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n${where}`);
        }
      }
    }
  }

  if (expect.body_includes !== undefined) {
    const want = substituteJson(expect.body_includes, vars);
    assert.ok(contains(res.body, want), `body does not include ${JSON.stringify(want)}\n${where}`);
  }
  for (const partial of expect.body_excludes ?? []) {
    const unwanted = substituteJson(partial, vars);
    assert.ok(!contains(res.body, unwanted), `body must not include ${JSON.stringify(unwanted)}\n${where}`);
  }
  for (const p of expect.body_has ?? []) {
    const value = valueAt(res.body, p);
    assert.ok(value !== undefined && value !== null && value !== '', `body has no value at ${p}\n${where}`);
  }
  for (const p of expect.body_lacks ?? []) {
    const value = valueAt(res.body, p);
    assert.ok(value === undefined || value === null, `body must not have ${JSON.stringify(p)} (found ${JSON.stringify(value)})\n${where}`);
  }
  for (const [p, exact] of Object.entries(expect.body_at ?? {})) {
    assert.deepEqual(valueAt(res.body, p), substituteJson(exact, vars), `value at ${p}\n${where}`);
  }
  assert.ok(missing.length === 0, `cannot capture ${missing.join(', ')}\n${where}`);
}

// ---------------------------------------------------------------------------------------------------------------

describe('IdP replay fixtures are well formed', () => {
  it('found fixtures for both identity providers', () => {
    assert.ok(FIXTURES.some((f) => f.idp === 'entra'));
    assert.ok(FIXTURES.some((f) => f.idp === 'okta'));
  });

  for (const { id, fixture } of FIXTURES) {
    it(`${id}: fields, dialects, placeholders`, () => {
      assert.ok(typeof fixture.name === 'string' && fixture.name !== '', 'name');
      assert.ok(typeof fixture.source === 'string' && fixture.source !== '', 'source');
      assert.ok(Array.isArray(fixture.applies_to) && fixture.applies_to.length > 0, 'applies_to');
      for (const d of fixture.applies_to) assert.ok(DIALECTS.includes(d), `unknown dialect ${d}`);
      assert.ok(fixture.steps.length > 0, 'steps');
      if (fixture.steps.some((s) => s.path.startsWith('/Groups'))) {
        assert.ok(!fixture.applies_to.includes('org'), 'org SCIM has Users only: a fixture with group steps cannot apply to org');
      }
      for (const dialect of fixture.applies_to) {
        const captured = new Set<string>();
        for (const [i, step] of fixture.steps.entries()) {
          assert.ok(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(step.method), `step ${i} method`);
          assert.ok(step.path.startsWith('/'), `step ${i} path is relative to the SCIM base`);
          for (const d of step.only ?? []) assert.ok(fixture.applies_to.includes(d), `step ${i} only: ${d} is not in applies_to`);
          if (step.only !== undefined && !step.only.includes(dialect)) continue;
          const used = new Set<string>();
          placeholdersIn([step.path, step.headers ?? null, step.body ?? null, step.expect as unknown as Json], used);
          for (const name of used) assert.ok(captured.has(name), `step ${i} (${dialect}) uses {${name}} before it is captured`);
          for (const name of Object.keys(step.expect.capture ?? {})) captured.add(name);
        }
      }
    });
  }

  it('the matchers mean what the fixture format says', () => {
    assert.ok(contains({ a: [1, { b: 2, c: 3 }], d: 'x' }, { a: [{ b: 2 }] }));
    assert.ok(!contains({ a: [1] }, { a: [1, 1] }), 'each expected element needs its own actual element');
    assert.ok(!contains({ a: 1 }, { b: undefined as unknown as Json }), 'a key must be present');
    assert.ok(!contains({ active: 'false' }, { active: false }), 'no coercion');
    assert.equal(valueAt({ emails: [{ value: 'v' }] }, 'emails.length'), 1);
    assert.equal(valueAt({ emails: [{ value: 'v' }] }, 'emails.0.value'), 'v');
    assert.equal(valueAt({ 'name.givenName': 'x', name: { givenName: 'y' } }, ['name.givenName']), 'x');
    assert.throws(() => substitute('/Users/{user.id}', new Map()), /not captured/);
    assert.equal(substitute('/Users/{user.id}?x={a}', new Map([['user.id', '42']])), '/Users/42?x={a}');
  });

  it('userNames, externalIds and group names are unique across fixtures (the instance run shares one enterprise)', () => {
    const seen = new Map<string, string>();
    for (const { id, fixture } of FIXTURES) {
      const mine = new Set<string>();
      for (const step of fixture.steps) {
        if (step.method !== 'POST' || !isObject(step.body)) continue;
        for (const key of ['userName', 'externalId', 'displayName'] as const) {
          const value = step.body[key];
          if (typeof value === 'string' && !(key === 'displayName' && step.path === '/Users')) mine.add(`${key}:${value.toLowerCase()}`);
        }
      }
      for (const name of groupNames(fixture)) mine.add(`group:${name.toLowerCase()}`);
      for (const key of mine) {
        const other = seen.get(key);
        assert.ok(other === undefined, `${key} is used by both ${other ?? ''} and ${id}`);
        seen.set(key, id);
      }
    }
  });
});

// One app for every target (each fixture gets its own enterprise or organization in it), to keep the run short.
describe(`IdP replays (${storageKind})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ instanceEnterprise: INSTANCE_SLUG });
  });
  after(async () => {
    await t.close();
  });

  for (const target of TARGETS) {
    const applicable = FIXTURES.filter((f) => f.fixture.applies_to.includes(target.dialect) && (target.only === undefined || target.only.includes(f.id)));
    describe(target.label, () => {
      for (const loaded of applicable) {
        it(`${loaded.id}: ${loaded.fixture.name}`, async (tc: TestContext) => {
          const { base, token } = await target.prepare(t, loaded);
          const served = await probe(t, base, token);
          if (!served.served) {
            tc.todo(`dialect ${target.dialect} not yet served at ${base.replace(/\/(enterprises|organizations)\/[^/]+/, '/$1/…')} (${served.evidence})`);
            return;
          }
          await replay(t, target, loaded, base, token);
        });
      }
    });
  }
});
