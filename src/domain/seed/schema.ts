/**
 * The seed file's shape, as a JSON Schema checked with Ajv before anything is written: an unknown key (a misspelt
 * `enterprize:`) or a value of the wrong type is reported with its path in the file and what was expected, e.g.
 * `enterprises[0].runners[1].os: expected one of linux, macos, windows`.
 */
import { Ajv, type ErrorObject } from 'ajv';

/** One thing wrong in a seed file: where (`enterprises[0].runners[1].os`) and what was expected. */
export interface SeedProblem {
  readonly path: string;
  readonly message: string;
}

/** A seed that cannot be applied: what is wrong, and where in the file. Nothing was written. */
export class SeedError extends Error {
  readonly problems: readonly SeedProblem[];
  constructor(problems: readonly SeedProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    this.name = 'SeedError';
    this.problems = problems;
  }
}

const string = { type: 'string', minLength: 1 } as const;
const text = { type: 'string' } as const;
const logins = { type: 'array', items: string } as const;
const bool = { type: 'boolean' } as const;

/** A mapping with exactly these keys (`required` among them). */
function mapping(properties: Record<string, object>, required: readonly string[] = []): object {
  return { type: 'object', properties, required, additionalProperties: false };
}

const list = (items: object): object => ({ type: 'array', items });

const usageItem = mapping(
  {
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', expected: 'a day such as 2026-11-20' },
    product: string,
    sku: string,
    quantity: { type: 'number' },
    unitType: string,
    organizationName: string,
    repositoryName: string,
    selfHosted: bool,
    publicRepository: bool,
  },
  ['date', 'product', 'sku', 'quantity', 'unitType'],
);

export const SEED_SCHEMA = mapping({
  users: list(mapping({ login: string, email: text, name: text, site_admin: bool }, ['login'])),
  enterprises: list(
    mapping(
      {
        slug: string,
        name: text,
        kind: { enum: ['classic', 'managed'] },
        shortcode: string,
        owners: logins,
        billing_managers: logins,
        members: logins,
        organizations: list(mapping({ login: string, name: text, owners: logins, members: logins }, ['login'])),
        runner_groups: list(
          mapping({ name: string, visibility: { enum: ['all', 'selected'] }, organizations: logins, allows_public_repositories: bool }, ['name']),
        ),
        runners: list(
          mapping(
            {
              name: string,
              os: { enum: ['linux', 'macos', 'windows'] },
              architecture: { enum: ['x64', 'arm', 'arm64'] },
              labels: { type: 'array', items: string },
              group: string,
              online: bool,
            },
            ['name'],
          ),
        ),
        usage: list(usageItem),
      },
      ['slug'],
    ),
  ),
  tokens: list(mapping({ login: string, scopes: { type: 'array', items: string, minItems: 1 }, note: string }, ['login', 'scopes'])),
});

// `expected` is an annotation (what to tell the user when `pattern` fails), not a validation keyword.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
ajv.addVocabulary(['expected']);
const validate = ajv.compile(SEED_SCHEMA);

/** `/enterprises/0/runners/1` → `enterprises[0].runners[1]`. */
function pathOf(pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let out = '';
  for (const segment of segments) out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out === '' ? '(the whole file)' : out;
}

type Schema = { type?: string; enum?: unknown[]; properties?: Record<string, Schema>; minLength?: number; expected?: string };

/** What a value of this schema is, in words. */
function expected(schema: Schema | undefined): string {
  if (schema === undefined) return 'nothing here';
  if (schema.expected !== undefined) return schema.expected;
  if (schema.enum !== undefined) return `one of ${schema.enum.map(String).join(', ')}`;
  switch (schema.type) {
    case 'string':
      return schema.minLength === undefined ? 'a string' : 'a non-empty string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return `a mapping (with keys ${Object.keys(schema.properties ?? {}).join(', ')})`;
    default:
      return 'a value';
  }
}

function problemOf(error: ErrorObject): SeedProblem {
  const parent = error.parentSchema as Schema | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      return { path: pathOf(error.instancePath, key), message: `unknown key; expected one of ${Object.keys(parent?.properties ?? {}).join(', ')}` };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { path: pathOf(error.instancePath, key), message: `missing; expected ${expected(parent?.properties?.[key])}` };
    }
    case 'minItems':
      return { path: pathOf(error.instancePath), message: 'expected a list of at least one' };
    default:
      return { path: pathOf(error.instancePath), message: `expected ${expected(parent)}` };
  }
}

/** Every problem of a parsed seed document (none when it has the seed's shape), one per path, in the order found. */
export function seedProblems(doc: unknown): SeedProblem[] {
  if (validate(doc)) return [];
  const byPath = new Map<string, SeedProblem>();
  for (const error of validate.errors ?? []) {
    const problem = problemOf(error);
    if (!byPath.has(problem.path)) byPath.set(problem.path, problem);
  }
  return [...byPath.values()];
}
