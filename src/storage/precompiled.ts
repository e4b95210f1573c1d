/**
 * Precompiled queries: a Kysely query built and compiled once per store, then run again with new parameter values.
 *
 * Why: for the small indexed lookups every authenticated request makes (token → user, enterprise by slug, the
 * caller's role), building Kysely's immutable operation tree and compiling it to SQL cost about as much as running
 * the query (bench/README.md has the profile). The SQL text of such a query depends only on the dialect, so it is
 * compiled once with placeholder values standing in for the parameters, and each call substitutes the real values.
 *
 * Rules for `build`: use every parameter as a bound value (`where(col, '=', p.x)`), never branch on a parameter's
 * value and never splice one into SQL text or a list (`in`). A build that breaks them is detected on first use (a
 * placeholder missing from, or repeated in the wrong form in, the bound values) and then simply runs uncached.
 */
import { createQueryId, type Compilable, type CompiledQuery } from 'kysely';
import type { Db } from '../domain/context.ts';

const PLACEHOLDER = '\u0000gatehouse:precompiled:';

interface Template<R> {
  compiled: CompiledQuery<R>;
  /** For each bound value of the SQL, the parameter it comes from. */
  order: string[];
}

/** Returns `run(db, params)` → rows, equivalent to `build(db, params).execute()`. */
export function precompiled<P extends Record<string, unknown>, R>(
  build: (db: Db, params: P) => Compilable<R>,
): (db: Db, params: P) => Promise<R[]> {
  // Per Kysely instance (each store has one; tests build many). Transactions are short-lived objects: not cached.
  const templates = new WeakMap<Db, Template<R> | null>();

  const templateFor = (db: Db, keys: string[]): Template<R> | null => {
    const placeholders = Object.fromEntries(keys.map((k) => [k, `${PLACEHOLDER}${k}`])) as P;
    const compiled = build(db, placeholders).compile();
    const order: string[] = [];
    for (const value of compiled.parameters) {
      if (typeof value !== 'string' || !value.startsWith(PLACEHOLDER)) return null;
      order.push(value.slice(PLACEHOLDER.length));
    }
    if (compiled.sql.includes(PLACEHOLDER)) return null;
    return { compiled, order };
  };

  return async (db, params) => {
    if (db.isTransaction) return (await db.executeQuery(build(db, params))).rows;
    let template = templates.get(db);
    if (template === undefined) {
      template = templateFor(db, Object.keys(params));
      templates.set(db, template);
    }
    if (template === null) return (await db.executeQuery(build(db, params))).rows;
    const query: CompiledQuery<R> = {
      ...template.compiled,
      queryId: createQueryId(),
      parameters: template.order.map((k) => params[k]),
    };
    return (await db.executeQuery(query)).rows;
  };
}
