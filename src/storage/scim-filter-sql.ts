/**
 * SCIM filters (RFC 7644 §3.4.2.2) compiled to SQL through an attribute map (STYLE.md §3 item 4). The engine parses and
 * validates a filter into its canonical AST; this file walks that AST and emits one Kysely boolean expression, the same
 * on SQLite and PostgreSQL. Each attribute maps to a strategy:
 * - **column**: a column of `scim_users` / `scim_groups` (`userName` → `user_name_lower`, `externalId`, `id`, `active`,
 *   `displayName`, `meta.created`, `meta.lastModified`), or an expression over columns (`meta.location`,
 *   `meta.version`), or a constant (`meta.resourceType`);
 * - **values**: everything else of a User (`emails.value`, `emails[type eq "work" and primary eq true]`,
 *   `name.givenName`, `roles.value`, extension attributes) through `scim_user_values`, one indexed row per leaf value
 *   (migration 0007), whose rows `userValueRows` derives from the stored resource;
 * - **join**: `members` of a Group and `groups` of a User through `scim_group_members`.
 *
 * Semantics are the engine's in-memory evaluator's (`src/scim/engine/filter/evaluate.ts`), which the tests check
 * against: a multi-valued attribute matches when any value does; `ne` is `not eq` (true when unassigned); `eq null`
 * means unassigned; `pr` means a non-empty value; `caseExact: false` strings compare case-folded (folded by the app
 * with `toLowerCase()`, never by SQL `lower()`, which only folds ASCII on SQLite); dateTimes compare as instants
 * (stored and compared as `Date.toISOString()` text). Every predicate is two-valued (NULLs are guarded), so `not`
 * is exact. Positive lookups are `id IN (SELECT … WHERE scope = ? AND attr = ? AND str_lower = ?)`, which both
 * databases answer from an index: an `eq` on `userName` or `externalId` hits the tenant's unique index directly.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import {
  COMMON_ATTRIBUTES,
  ScimError,
  SCHEMAS_ATTRIBUTE,
  findAttribute,
  isJsonObject,
  type AttributeDefinition,
  type AttributePath,
  type ComparisonNode,
  type FilterNode,
  type JsonObject,
  type JsonValue,
  type ResourceSchema,
} from '../scim/engine/index.ts';
import type { DialectName } from './db.ts';
import type { Database } from './tables.ts';

/** One leaf value (or complex-value marker) of a stored SCIM User (migration 0007). */
export interface ScimUserValueTable {
  user_id: number;
  scope: string;
  attr: string;
  elem: number;
  str: string | null;
  str_lower: string | null;
  num: number | null;
}

/** Tables and columns migration 0007 adds to the schema of `tables.ts`. */
export type ScimExtraTables = {
  scim_users: {
    /** `displayName` case-folded by the app. */
    display_name_lower: string | null;
    /** The GitHub login the identity holds or gets back on reactivation (managed dialect), lower case. */
    login_lower: string | null;
  };
  scim_user_values: ScimUserValueTable;
};

export type ScimDatabase = Database & ScimExtraTables;
export type ScimDb = Kysely<ScimDatabase> | Transaction<ScimDatabase>;

const scimViews = new WeakMap<Kysely<Database>, ScimDb>();

/**
 * The store seen with the SCIM tables of migration 0007. The view of a store is made once and reused (a transaction
 * gets a fresh one): precompiled queries (`src/storage/precompiled.ts`) are cached per Kysely instance, so a view
 * made anew on every request would never hit that cache.
 */
export function withScimTables(db: Kysely<Database> | Transaction<Database>): ScimDb {
  if (db.isTransaction) return db.withTables<ScimExtraTables>() as ScimDb;
  let view = scimViews.get(db);
  if (view === undefined) {
    view = db.withTables<ScimExtraTables>() as ScimDb;
    scimViews.set(db, view);
  }
  return view;
}

export interface FilterSqlOptions {
  readonly dialect: DialectName;
  /** The tenant (`enterprise:<id>`, `org:<id>`): every lookup stays inside it. */
  readonly scope: string;
  /** SCIM base URL of the tenant (`https://host/scim/v2/enterprises/acme`), for `meta.location` and `$ref`. */
  readonly baseUrl: string;
}

type Sql = RawBuilder<unknown>;

/** The value under test, in the forms a comparison may need. */
interface ValueExprs {
  /** The value as stored (strings, and dateTimes as ISO text). */
  readonly text?: Sql;
  /** The app-case-folded string. */
  readonly lower?: Sql;
  /** Numbers, and booleans as 0/1. */
  readonly num?: Sql;
}

/** All values of one attribute path: "some value satisfies `test`" as a two-valued SQL predicate. */
interface Source {
  readonly definition: AttributeDefinition;
  some(test: (value: ValueExprs) => Sql): Sql;
  /** For multi-valued complex attributes: "some element satisfies the filter built in `scope`". */
  someElement?(build: (scope: Scope) => Sql): Sql;
}

/** Resolves canonical attribute paths of one level (a resource, or the elements of a complex attribute). */
type Scope = (path: AttributePath) => Source;

const TRUE: Sql = sql`1 = 1`;
const FALSE: Sql = sql`1 = 0`;

class Compiler {
  private aliasCounter = 0;

  constructor(readonly options: FilterSqlOptions) {}

  alias(prefix: string): string {
    this.aliasCounter += 1;
    return `${prefix}${this.aliasCounter}`;
  }

  /** A parameter as text; PostgreSQL cannot infer the type of a bare parameter on both sides of an operator. */
  textParam(value: string): Sql {
    return sql`cast(${value} as text)`;
  }

  compile(node: FilterNode, scope: Scope): Sql {
    switch (node.kind) {
      case 'and':
        return sql`(${this.compile(node.left, scope)} and ${this.compile(node.right, scope)})`;
      case 'or':
        return sql`(${this.compile(node.left, scope)} or ${this.compile(node.right, scope)})`;
      case 'not':
        return sql`(not ${this.compile(node.filter, scope)})`;
      case 'present': {
        const source = scope(node.path);
        const stringLike = source.definition.type === 'string' || source.definition.type === 'reference' || source.definition.type === 'binary';
        return source.some((value) => (stringLike && value.text !== undefined ? sql`${value.text} <> ''` : TRUE));
      }
      case 'valuePath': {
        const source = scope(node.path);
        if (source.someElement === undefined) throw ScimError.invalidFilter(`Value filters are not supported on "${node.path.name}"`);
        return source.someElement((inner) => this.compile(node.filter, inner));
      }
      case 'compare':
        return this.compare(node, scope(node.path));
    }
  }

  private compare(node: ComparisonNode, source: Source): Sql {
    const expected = node.value;
    if (expected === null) {
      const any = source.some(() => TRUE);
      return node.op === 'eq' ? sql`(not ${any})` : any;
    }
    if (node.op === 'ne') return sql`(not ${source.some((value) => this.test(source.definition, 'eq', expected, value))})`;
    return source.some((value) => this.test(source.definition, node.op, expected, value));
  }

  /** One value against the expected one, with the evaluator's per-type rules. */
  private test(definition: AttributeDefinition, op: ComparisonNode['op'], expected: string | number | boolean, value: ValueExprs): Sql {
    switch (definition.type) {
      case 'boolean':
        if (value.num === undefined || typeof expected !== 'boolean') return FALSE;
        return sql`${value.num} = ${expected ? 1 : 0}`;
      case 'integer':
      case 'decimal':
        if (value.num === undefined || typeof expected !== 'number') return FALSE;
        return this.ordered(value.num, op, sql`${expected}`, false);
      case 'dateTime': {
        if (value.text === undefined || typeof expected !== 'string') return FALSE;
        const instant = Date.parse(expected);
        if (!Number.isFinite(instant)) return FALSE;
        return this.ordered(value.text, op, this.textParam(new Date(instant).toISOString()), true);
      }
      case 'string':
      case 'reference':
      case 'binary': {
        if (typeof expected !== 'string') return FALSE;
        if (definition.caseExact) {
          if (value.text === undefined) return FALSE;
          const exact = this.stringOp(value.text, op, expected);
          // `str = v` implies `str_lower = lower(v)`: saying so lets the lookup index serve caseExact equality too.
          return op === 'eq' && value.lower !== undefined ? sql`(${value.lower} = ${expected.toLowerCase()} and ${exact})` : exact;
        }
        const folded = value.lower ?? value.text;
        if (folded === undefined) return FALSE;
        return this.stringOp(folded, op, expected.toLowerCase());
      }
      case 'complex':
        return FALSE;
    }
  }

  private stringOp(column: Sql, op: ComparisonNode['op'], expected: string): Sql {
    const param = this.textParam(expected);
    switch (op) {
      case 'co':
        return this.options.dialect === 'postgres' ? sql`strpos(${column}, ${param}) > 0` : sql`instr(${column}, ${param}) > 0`;
      case 'sw':
        return sql`substr(${column}, 1, length(${param})) = ${param}`;
      case 'ew':
        return sql`(length(${column}) >= length(${param}) and substr(${column}, length(${column}) - length(${param}) + 1) = ${param})`;
      default:
        return this.ordered(column, op, param, true);
    }
  }

  /**
   * `eq`/`gt`/`ge`/`lt`/`le`. Text orders by code point, as the evaluator's JavaScript comparison does (up to
   * surrogate pairs): SQLite's BINARY collation does so already; PostgreSQL needs `COLLATE "C"` instead of the
   * database's linguistic collation.
   */
  private ordered(column: Sql, op: ComparisonNode['op'], param: Sql, text: boolean): Sql {
    const left = text && this.options.dialect === 'postgres' && op !== 'eq' ? sql`${column} collate "C"` : column;
    switch (op) {
      case 'eq':
        return sql`${left} = ${param}`;
      case 'gt':
        return sql`${left} > ${param}`;
      case 'ge':
        return sql`${left} >= ${param}`;
      case 'lt':
        return sql`${left} < ${param}`;
      case 'le':
        return sql`${left} <= ${param}`;
      default:
        return FALSE;
    }
  }
}

/** Canonical key of a path: `emails.value`, `name.givenname`, `urn:…:user:department` (lower case). */
export function attributeKey(path: AttributePath): string {
  const prefix = path.uri === undefined ? '' : `${path.uri}:`;
  const suffix = path.subAttr === undefined ? '' : `.${path.subAttr}`;
  return `${prefix}${path.name}${suffix}`.toLowerCase();
}

/** The definition a canonical path names (validateFilter has already checked it resolves). */
function definitionOf(schema: ResourceSchema, path: AttributePath): { attribute: AttributeDefinition; sub?: AttributeDefinition } {
  const attributes: readonly AttributeDefinition[] =
    path.uri === undefined
      ? [SCHEMAS_ATTRIBUTE, ...COMMON_ATTRIBUTES, ...schema.core.attributes]
      : (schema.extensions.find((e) => e.schema.id.toLowerCase() === path.uri?.toLowerCase())?.schema.attributes ?? []);
  const attribute = findAttribute(attributes, path.name);
  if (attribute === undefined) throw ScimError.invalidFilter(`Unknown attribute "${path.name}"`);
  if (path.subAttr === undefined) return { attribute };
  const sub = findAttribute(attribute.subAttributes ?? [], path.subAttr);
  if (sub === undefined) throw ScimError.invalidFilter(`Unknown attribute "${path.name}.${path.subAttr}"`);
  return { attribute, sub };
}

/** A column (or expression over columns) of the row in scope; `nullable` adds the NULL guard. */
function columnSource(definition: AttributeDefinition, value: ValueExprs, nullable: boolean, guard?: Sql): Source {
  return {
    definition,
    some: (test) => {
      const column = value.text ?? value.num ?? value.lower;
      if (!nullable || column === undefined) return sql`(${test(value)})`;
      return sql`(${guard ?? column} is not null and ${test(value)})`;
    },
  };
}

/** Constant values (`meta.resourceType`, `members.type`). */
function constantSource(compiler: Compiler, definition: AttributeDefinition, values: readonly string[]): Source {
  return {
    definition,
    some: (test) => {
      if (values.length === 0) return FALSE;
      return sql`(${sql.join(
        values.map((v) => test({ text: compiler.textParam(v), lower: compiler.textParam(v.toLowerCase()) })),
        sql` or `,
      )})`;
    },
  };
}

/** `meta` of a stored resource: always present (one element); its sub-attributes are columns or derived from them. */
function metaSource(compiler: Compiler, row: string, resourceType: 'User' | 'Group', endpoint: string, path: AttributePath, meta: AttributeDefinition): Source {
  const ref = (column: string): Sql => sql.ref(`${row}.${column}`);
  const sub = (name: string): Source => {
    const definition = findAttribute(meta.subAttributes ?? [], name);
    if (definition === undefined) throw ScimError.invalidFilter(`Unknown attribute "meta.${name}"`);
    switch (definition.name.toLowerCase()) {
      case 'resourcetype':
        return constantSource(compiler, definition, [resourceType]);
      case 'created':
        return columnSource(definition, { text: ref('created_at') }, false);
      case 'lastmodified':
        return columnSource(definition, { text: ref('updated_at') }, false);
      case 'location':
        return columnSource(definition, refExprs(compiler, `${endpoint}/`, ref('scim_id')), false);
      case 'version':
        return columnSource(definition, { text: sql`('W/"' || cast(${ref('version')} as text) || '"')` }, false);
      default:
        throw ScimError.invalidFilter(`Filtering on "meta.${definition.name}" is not supported`);
    }
  };
  if (path.subAttr !== undefined) return sub(path.subAttr);
  return { definition: meta, some: () => TRUE, someElement: (build) => build((inner) => sub(inner.name)) };
}

/**
 * A resource URL (`$ref`, `meta.location`): the tenant's base URL, the endpoint and the lower-case SCIM id; its case
 * fold folds the constant part in the app.
 */
function refExprs(compiler: Compiler, endpoint: string, scimId: Sql): ValueExprs {
  const prefix = `${compiler.options.baseUrl}${endpoint}`;
  return { text: sql`(${compiler.textParam(prefix)} || ${scimId})`, lower: sql`(${compiler.textParam(prefix.toLowerCase())} || ${scimId})` };
}

/** Columns of `scim_users` (alias `row`) as filter values: the member side of `members[...]` and user top level. */
function userColumn(row: string, key: string, definition: AttributeDefinition): Source | undefined {
  const ref = (column: string): Sql => sql.ref(`${row}.${column}`);
  switch (key) {
    case 'id':
      // SCIM ids are lower-case UUIDs, so the column is its own case fold.
      return columnSource(definition, { text: ref('scim_id'), lower: ref('scim_id') }, false);
    case 'externalid':
      return columnSource(definition, { text: ref('external_id') }, true);
    case 'username':
      return columnSource(definition, { text: ref('user_name'), lower: ref('user_name_lower') }, false);
    case 'displayname':
      return columnSource(definition, { text: ref('display_name'), lower: ref('display_name_lower') }, true);
    case 'active':
      return columnSource(definition, { num: ref('active') }, false);
    default:
      return undefined;
  }
}

/** Columns of `scim_groups` (alias `row`). */
function groupColumn(row: string, key: string, definition: AttributeDefinition): Source | undefined {
  const ref = (column: string): Sql => sql.ref(`${row}.${column}`);
  switch (key) {
    case 'id':
      return columnSource(definition, { text: ref('scim_id'), lower: ref('scim_id') }, false);
    case 'externalid':
      return columnSource(definition, { text: ref('external_id') }, true);
    case 'displayname':
      return columnSource(definition, { text: ref('display_name'), lower: ref('display_name_lower') }, false);
    default:
      return undefined;
  }
}

/**
 * Elements of `members` seen from the member (`scim_users` as `u`): `value` is the member's SCIM id, `display` its
 * displayName (or userName), `type` is `User`, `$ref` its location (`src/scim/http/representation.ts` emits the same).
 */
function memberElementScope(compiler: Compiler, u: string, members: AttributeDefinition): Scope {
  const ref = (column: string): Sql => sql.ref(`${u}.${column}`);
  return (path) => {
    const definition = findAttribute(members.subAttributes ?? [], path.name);
    if (definition === undefined) throw ScimError.invalidFilter(`Unknown attribute "members.${path.name}"`);
    switch (definition.name.toLowerCase()) {
      case 'value':
        return columnSource(definition, { text: ref('scim_id'), lower: ref('scim_id') }, false);
      case 'display':
        return columnSource(
          definition,
          { text: sql`coalesce(${ref('display_name')}, ${ref('user_name')})`, lower: sql`coalesce(${ref('display_name_lower')}, ${ref('user_name_lower')})` },
          false,
        );
      case 'type':
        // The representation emits no `type` for members (`members[].type` is unassigned).
        return constantSource(compiler, definition, []);
      case '$ref':
        return columnSource(definition, refExprs(compiler, '/Users/', ref('scim_id')), false);
      default:
        throw ScimError.invalidFilter(`Filtering on "members.${definition.name}" is not supported`);
    }
  };
}

/** Elements of a User's `groups` seen from the group (`scim_groups` as `g`). */
function groupElementScope(compiler: Compiler, g: string, groups: AttributeDefinition): Scope {
  const ref = (column: string): Sql => sql.ref(`${g}.${column}`);
  return (path) => {
    const definition = findAttribute(groups.subAttributes ?? [], path.name);
    if (definition === undefined) throw ScimError.invalidFilter(`Unknown attribute "groups.${path.name}"`);
    switch (definition.name.toLowerCase()) {
      case 'value':
        return columnSource(definition, { text: ref('scim_id'), lower: ref('scim_id') }, false);
      case 'display':
        return columnSource(definition, { text: ref('display_name'), lower: ref('display_name_lower') }, false);
      case 'type':
        // The representation emits no `type` for a user's groups.
        return constantSource(compiler, definition, []);
      case '$ref':
        return columnSource(definition, refExprs(compiler, '/Groups/', ref('scim_id')), false);
      default:
        throw ScimError.invalidFilter(`Filtering on "groups.${definition.name}" is not supported`);
    }
  };
}

/**
 * A join attribute: elements are rows of `scim_group_members` joined to the other side. `rowIdColumn` is the member
 * table column that points back at the row being filtered.
 */
function joinSource(
  compiler: Compiler,
  row: string,
  attribute: AttributeDefinition,
  sub: AttributeDefinition | undefined,
  side: 'groupsOfUser' | 'membersOfGroup',
): Source {
  const element = (build: (scope: Scope) => Sql): Sql => {
    const m = compiler.alias('m');
    const other = compiler.alias(side === 'groupsOfUser' ? 'g' : 'u');
    const scope = side === 'groupsOfUser' ? groupElementScope(compiler, other, attribute) : memberElementScope(compiler, other, attribute);
    const back = side === 'groupsOfUser' ? 'scim_user_id' : 'group_id';
    const join =
      side === 'groupsOfUser'
        ? sql`inner join scim_groups as ${sql.id(other)} on ${sql.ref(`${other}.id`)} = ${sql.ref(`${m}.group_id`)}`
        : sql`inner join scim_users as ${sql.id(other)} on ${sql.ref(`${other}.id`)} = ${sql.ref(`${m}.scim_user_id`)}`;
    return sql`${sql.ref(`${row}.id`)} in (select ${sql.ref(`${m}.${back}`)} from scim_group_members as ${sql.id(m)} ${join} where ${build(scope)})`;
  };
  if (sub !== undefined) {
    return {
      definition: sub,
      some: (test) => element((scope) => scope({ name: sub.name }).some(test)),
    };
  }
  return { definition: attribute, some: () => element(() => TRUE), someElement: element };
}

/**
 * A values-table attribute of a User (`emails.value`, `name.givenName`, `emails`, …): rows of `scim_user_values`
 * with `attr = key`. A complex attribute without sub-attribute is its marker rows; its elements' sub-attributes are
 * the rows with the same `elem`.
 */
function valuesSource(compiler: Compiler, row: string, key: string, attribute: AttributeDefinition, sub: AttributeDefinition | undefined): Source {
  const { scope: tenant } = compiler.options;
  const valueExprs = (v: string): ValueExprs => ({ text: sql.ref(`${v}.str`), lower: sql.ref(`${v}.str_lower`), num: sql.ref(`${v}.num`) });
  const rowsWhere = (build: (v: string) => Sql): Sql => {
    const v = compiler.alias('v');
    return sql`${sql.ref(`${row}.id`)} in (select ${sql.ref(`${v}.user_id`)} from scim_user_values as ${sql.id(v)} where ${sql.ref(`${v}.scope`)} = ${tenant} and ${sql.ref(`${v}.attr`)} = ${key} and ${build(v)})`;
  };
  if (sub !== undefined || attribute.type !== 'complex') {
    return { definition: sub ?? attribute, some: (test) => rowsWhere((v) => test(valueExprs(v))) };
  }
  const someElement = (build: (scope: Scope) => Sql): Sql =>
    rowsWhere((e) =>
      build((path) => {
        const definition = findAttribute(attribute.subAttributes ?? [], path.name);
        if (definition === undefined) throw ScimError.invalidFilter(`Unknown attribute "${attribute.name}.${path.name}"`);
        const subKey = `${key}.${definition.name.toLowerCase()}`;
        return {
          definition,
          some: (test) => {
            const s = compiler.alias('s');
            return sql`exists (select 1 from scim_user_values as ${sql.id(s)} where ${sql.ref(`${s}.user_id`)} = ${sql.ref(`${e}.user_id`)} and ${sql.ref(`${s}.attr`)} = ${subKey} and ${sql.ref(`${s}.elem`)} = ${sql.ref(`${e}.elem`)} and ${test(valueExprs(s))})`;
          },
        };
      }),
    );
  return { definition: attribute, some: () => rowsWhere(() => TRUE), someElement };
}

/** Attributes of a User that are not in `scim_user_values`: columns, `meta`, and the derived `groups`. */
const USER_NON_VALUE_ATTRIBUTES: ReadonlySet<string> = new Set(['id', 'externalid', 'username', 'displayname', 'active', 'meta', 'groups', 'password']);

function userScope(compiler: Compiler, schema: ResourceSchema, row: string): Scope {
  return (path) => {
    const { attribute, sub } = definitionOf(schema, path);
    const name = attribute.name.toLowerCase();
    if (path.uri === undefined) {
      if (name === 'meta') return metaSource(compiler, row, 'User', '/Users', path, attribute);
      if (name === 'groups') return joinSource(compiler, row, attribute, sub, 'groupsOfUser');
      const column = sub === undefined ? userColumn(row, name, attribute) : undefined;
      if (column !== undefined) return column;
    }
    return valuesSource(compiler, row, attributeKey(path), attribute, sub);
  };
}

function groupScope(compiler: Compiler, schema: ResourceSchema, row: string): Scope {
  return (path) => {
    const { attribute, sub } = definitionOf(schema, path);
    const name = attribute.name.toLowerCase();
    if (path.uri === undefined) {
      if (name === 'meta') return metaSource(compiler, row, 'Group', '/Groups', path, attribute);
      if (name === 'members') return joinSource(compiler, row, attribute, sub, 'membersOfGroup');
      if (name === 'schemas') return constantSource(compiler, attribute, [schema.core.id]);
      const column = sub === undefined ? groupColumn(row, name, attribute) : undefined;
      if (column !== undefined) return column;
    }
    throw ScimError.invalidFilter(`Filtering Groups on "${attributeKey(path)}" is not supported`);
  };
}

/**
 * A canonical User filter as a predicate over `scim_users` (referenced as `row`).
 *
 * @param filter - output of the engine's `validateFilter` for `schema`
 * @param schema - the User resource type of the dialect
 * @param options - dialect, tenant and SCIM base URL
 * @param row - name or alias under which the query references `scim_users`
 */
export function userFilterSql(filter: FilterNode, schema: ResourceSchema, options: FilterSqlOptions, row = 'scim_users'): RawBuilder<SqlBool> {
  const compiler = new Compiler(options);
  return compiler.compile(filter, userScope(compiler, schema, row)) as RawBuilder<SqlBool>;
}

/**
 * A canonical Group filter as a predicate over `scim_groups` (referenced as `row`).
 *
 * @param filter - output of the engine's `validateFilter` for `schema`
 * @param schema - the Group resource type of the dialect
 * @param options - dialect, tenant and SCIM base URL
 * @param row - name or alias under which the query references `scim_groups`
 */
export function groupFilterSql(filter: FilterNode, schema: ResourceSchema, options: FilterSqlOptions, row = 'scim_groups'): RawBuilder<SqlBool> {
  const compiler = new Compiler(options);
  return compiler.compile(filter, groupScope(compiler, schema, row)) as RawBuilder<SqlBool>;
}

/**
 * A canonical filter over the elements of `members` (as `planGroupPatch` hands out for
 * `remove members[display eq "x"]`) as a predicate over the member's `scim_users` row (referenced as `row`).
 *
 * @param filter - output of the engine's `validateValueFilter` for `members`
 * @param members - the Group schema's `members` attribute
 * @param options - dialect, tenant and SCIM base URL
 * @param row - name or alias under which the query references `scim_users`
 */
export function memberFilterSql(filter: FilterNode, members: AttributeDefinition, options: FilterSqlOptions, row = 'scim_users'): RawBuilder<SqlBool> {
  const compiler = new Compiler(options);
  return compiler.compile(filter, memberElementScope(compiler, row, members)) as RawBuilder<SqlBool>;
}

/** A `scim_user_values` row without its owner and tenant. */
export type UserValueRow = Omit<ScimUserValueTable, 'user_id' | 'scope'>;

function leafRow(definition: AttributeDefinition, attr: string, elem: number, value: JsonValue | undefined): UserValueRow | undefined {
  if (value === undefined || value === null) return undefined;
  switch (definition.type) {
    case 'boolean':
      return typeof value === 'boolean' ? { attr, elem, str: null, str_lower: null, num: value ? 1 : 0 } : undefined;
    case 'integer':
    case 'decimal':
      return typeof value === 'number' ? { attr, elem, str: null, str_lower: null, num: value } : undefined;
    case 'dateTime': {
      if (typeof value !== 'string') return undefined;
      const instant = Date.parse(value);
      if (!Number.isFinite(instant)) return undefined;
      const iso = new Date(instant).toISOString();
      return { attr, elem, str: iso, str_lower: iso, num: null };
    }
    case 'string':
    case 'reference':
    case 'binary':
      return typeof value === 'string' ? { attr, elem, str: value, str_lower: value.toLowerCase(), num: null } : undefined;
    case 'complex':
      return undefined;
  }
}

function attributeRows(definition: AttributeDefinition, keyPrefix: string, raw: JsonValue | undefined, out: UserValueRow[]): void {
  if (raw === undefined || raw === null) return;
  const key = `${keyPrefix}${definition.name}`.toLowerCase();
  const elements = definition.multiValued ? (Array.isArray(raw) ? raw : [raw]) : [raw];
  elements.forEach((element, elem) => {
    if (definition.type !== 'complex') {
      const row = leafRow(definition, key, elem, element);
      if (row !== undefined) out.push(row);
      return;
    }
    if (!isJsonObject(element) || Object.keys(element).length === 0) return;
    out.push({ attr: key, elem, str: null, str_lower: null, num: null });
    for (const sub of definition.subAttributes ?? []) {
      const value = Object.entries(element).find(([name]) => name.toLowerCase() === sub.name.toLowerCase())?.[1];
      const row = leafRow(sub, `${key}.${sub.name.toLowerCase()}`, elem, value);
      if (row !== undefined) out.push(row);
    }
  });
}

function propertyOf(object: JsonObject, name: string): JsonValue | undefined {
  const lower = name.toLowerCase();
  return Object.entries(object).find(([key]) => key.toLowerCase() === lower)?.[1];
}

/**
 * The `scim_user_values` rows of a stored User resource: every attribute the filter compiler reads from the values
 * table (all but the columns, `meta` and `groups`), core and extension alike.
 *
 * @param resource - the stored resource (normalised by the engine, so names are canonical and values typed)
 * @param schema - the User resource type of the dialect
 */
export function userValueRows(resource: JsonObject, schema: ResourceSchema): UserValueRow[] {
  const out: UserValueRow[] = [];
  for (const definition of [SCHEMAS_ATTRIBUTE, ...schema.core.attributes]) {
    if (USER_NON_VALUE_ATTRIBUTES.has(definition.name.toLowerCase())) continue;
    attributeRows(definition, '', propertyOf(resource, definition.name), out);
  }
  for (const { schema: extension } of schema.extensions) {
    const data = propertyOf(resource, extension.id);
    if (!isJsonObject(data)) continue;
    for (const definition of extension.attributes) attributeRows(definition, `${extension.id}:`, propertyOf(data, definition.name), out);
  }
  return out;
}
