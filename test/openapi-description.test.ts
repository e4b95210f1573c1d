/**
 * `GET /_gatehouse/openapi.json` describes every route Gatehouse serves, from the routes' own schemas; every operation
 * it shares with GitHub's own description (npm `@octokit/openapi`, and the older packages for operations GitHub has
 * since removed) has the same path, method and success status.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { registeredRoutes } from '../src/http/openapi.ts';
import { startTestApp, storageKind, type TestApp } from './helpers/app.ts';

const require = createRequire(import.meta.url);

type Operation = { responses?: Record<string, { description?: string }>; parameters?: unknown[] };
type Document = { openapi: string; servers?: Array<{ url: string }>; paths: Record<string, Record<string, Operation>> };

/** GitHub's descriptions, newest first: an operation is compared with the newest that has it. */
const GITHUB_SPECS: ReadonlyArray<readonly [string, string]> = [
  ['ghec', '@octokit/openapi/generated/ghec.json'],
  ['ghes-3.19', '@octokit/openapi/generated/ghes-3.19.json'],
  ['api.github.com', '@octokit/openapi/generated/api.github.com.json'],
  ['ghec (21.0.0)', '@octokit/openapi-21/generated/ghec.json'],
  ['api.github.com (2.2.1)', '@octokit/openapi-2/generated/api.github.com.json'],
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `/orgs/{org}/teams/{team_slug}` → `/orgs/{}/teams/{}`: the shape that says two paths are the same operation. */
const shape = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');

const successes = (operation: Operation): string[] => Object.keys(operation.responses ?? {}).filter((s) => /^2\d\d$/.test(s)).sort();

describe(`OpenAPI description (${storageKind})`, () => {
  let t: TestApp;
  let doc: Document;

  before(async () => {
    t = await startTestApp();
    const res = await t.request('GET', '/_gatehouse/openapi.json');
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = res.body as Document;
  });
  after(() => t.close());

  it('is OpenAPI 3.1 with the root and /api/v3 as servers, unauthenticated and outside GitHub conventions', async () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers?.map((s) => s.url), ['/', '/api/v3']);
    const res = await t.request('GET', '/_gatehouse/openapi.json');
    assert.equal(res.headers.get('x-ratelimit-limit'), null);
    assert.equal((await t.request('GET', '/api/v3/_gatehouse/openapi.json')).status, 404);
  });

  it('describes every registered route, and only those, each with its success status declared', () => {
    const described = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) if (METHODS.includes(method)) described.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = registeredRoutes(t.app);
    assert.ok(routes.length > 100, `${routes.length} routes`);
    const expected = new Set<string>();
    for (const { method, url } of routes) {
      // Fastify `:param` is OpenAPI `{param}`; the /api/v3 twin is the same operation under the second server.
      // The API root's twin is `/api/v3` itself (`GET /api/v3` and `/api/v3/` are both the root document).
      const path = url === '/api/v3' ? '/' : url.replace(/^\/api\/v3(?=\/)/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      if (url.startsWith('/api/v3/')) {
        assert.ok(routes.some((r) => r.method === method && r.url === url.slice('/api/v3'.length)), `${method} ${url} has no root twin`);
        if (path.startsWith('/_gatehouse/')) assert.fail(`${url}: operations endpoints have no /api/v3 twin`);
      }
      expected.add(`${method} ${path}`);
    }
    assert.deepEqual([...expected].filter((op) => !described.has(op)), [], 'registered but not described');
    assert.deepEqual([...described].filter((op) => !expected.has(op)), [], 'described but not registered');

    const undeclared: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const statuses = Object.keys(operation.responses ?? {});
        // @fastify/swagger writes "Default Response" for a route that declares no response.
        if (statuses.length === 0 || Object.values(operation.responses ?? {}).some((r) => r.description === 'Default Response')) undeclared.push(`${method.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(undeclared, [], 'routes without a declared success status');
  });

  it("shares every operation GitHub also describes with GitHub's path, method and success status", () => {
    const specs = GITHUB_SPECS.map(([name, file]) => {
      const spec = require(file) as Document;
      const byShape = new Map<string, string>();
      for (const path of Object.keys(spec.paths)) byShape.set(shape(path), path);
      return { name, spec, byShape };
    });
    const problems: string[] = [];
    let shared = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const found = specs.find(({ spec, byShape }) => {
          const theirs = byShape.get(shape(path));
          return theirs !== undefined && spec.paths[theirs]?.[method] !== undefined;
        });
        if (found === undefined) continue;
        shared += 1;
        const theirPath = found.byShape.get(shape(path))!;
        const theirs = found.spec.paths[theirPath]![method]!;
        const op = `${method.toUpperCase()} ${path}`;
        if (theirPath !== path) problems.push(`${op}: ${found.name} names it ${theirPath}`);
        // Where GitHub documents several (200 or 201 for a token that exists or is new), Gatehouse answers with some of them.
        const ours = successes(operation);
        const github = successes(theirs);
        if (ours.length === 0 || ours.some((s) => !github.includes(s)) || (github.length === 1 && ours.join() !== github.join())) problems.push(`${op}: success ${ours.join('/') || 'none'}, ${found.name} ${github.join('/')}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(shared >= 60, `${shared} operations shared with GitHub`);
  });
});
