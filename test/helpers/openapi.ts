/**
 * Validates response bodies against GitHub's official OpenAPI descriptions (npm `@octokit/openapi`), so every test
 * checks the wire shape a real client expects. Specs: `ghec` (current), `ghec-21` (last with legacy billing),
 * `api-2021` (`@octokit/openapi@2.2.1`, classic enterprise SCIM).
 */
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);

const SPEC_FILES = {
  ghec: '@octokit/openapi/generated/ghec.json',
  'ghec-21': '@octokit/openapi-21/generated/ghec.json',
  'api-2021': '@octokit/openapi-2/generated/api.github.com.json',
  'ghes-3.19': '@octokit/openapi/generated/ghes-3.19.json',
} as const;
export type SpecName = keyof typeof SPEC_FILES;

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components?: { responses?: Record<string, unknown> };
}

const specs = new Map<SpecName, { spec: Spec; ajv: Ajv; cache: Map<string, ValidateFunction> }>();

function load(name: SpecName) {
  let entry = specs.get(name);
  if (entry === undefined) {
    const spec = require(SPEC_FILES[name]) as Spec;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
    addFormats(ajv);
    ajv.addSchema(spec, 'spec');
    entry = { spec, ajv, cache: new Map() };
    specs.set(name, entry);
  }
  return entry;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * Asserts that `body` matches the schema documented for `method path` answering `status`.
 * @param path - the path template as in the spec, e.g. `/enterprises/{enterprise}/actions/runners`
 */
export function assertSchema(spec: SpecName, method: string, path: string, status: number, body: unknown, contentType = 'application/json'): void {
  const { spec: doc, ajv, cache } = load(spec);
  const key = `${method} ${path} ${status} ${contentType}`;
  let validate = cache.get(key);
  if (validate === undefined) {
    const operation = doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation !== undefined, `${spec} documents no ${method} ${path}`);
    let response = operation.responses?.[String(status)] as { $ref?: string; content?: Record<string, unknown> } | undefined;
    assert.ok(response !== undefined, `${spec} documents no ${status} for ${method} ${path}`);
    let responsePointer = `#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status))}`;
    if (response.$ref !== undefined) {
      const name = response.$ref.split('/').pop() ?? '';
      responsePointer = `#/components/responses/${pointer(name)}`;
      response = doc.components?.responses?.[name] as typeof response;
    }
    const types = Object.keys(response?.content ?? {});
    assert.ok(types.includes(contentType), `${spec} documents no ${contentType} body for ${method} ${path} ${status} (has ${types.join(', ')})`);
    validate = ajv.compile({ $ref: `spec${responsePointer}/content/${pointer(contentType)}/schema` });
    cache.set(key, validate);
  }
  const ok = validate(body);
  assert.ok(ok, `${method} ${path} ${status} body does not match ${spec} schema: ${JSON.stringify(validate.errors?.slice(0, 5))}\nbody: ${JSON.stringify(body).slice(0, 800)}`);
}
