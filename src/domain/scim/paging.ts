/**
 * `totalResults` and where the requested page starts, for the lists of Users and Groups (RFC 7644 §3.4.2.4), in the
 * stable id order. Deep pages of large tenants (`startIndex=90000` of 100,000 identities) are the cost to avoid: a
 * count and an `OFFSET` each walk the tenant's `(scope, id)` index, 190,000 entries per request.
 *
 * - Unfiltered, on SQLite: the list's locator (`repo.locateList`: length and every 1,000th id, one walk of the
 *   index) is kept in the read cache (`src/storage/read-cache.ts`), which drops it on any write to the store, so a
 *   page costs its own rows plus at most 1,000 skipped index entries, and the answer is the one the plain queries
 *   give. Without a cache entry (after a write) it costs one walk instead of two.
 * - Filtered, or on PostgreSQL (no read cache; and `locateList` needs planner statistics there): `count(*)` and an
 *   `OFFSET` over the page's ids. On SQLite the count of a filtered list is cached for pages after the first (a
 *   client paging through a filter), keyed by everything the filter's SQL depends on.
 */
import type { FilterNode } from '../../scim/engine/index.ts';
import { cachedRead } from '../../storage/read-cache.ts';
import { withScimTables } from '../../storage/scim-filter-sql.ts';
import type { DomainContext } from '../context.ts';
import * as repo from './repository.ts';
import type { ScimTenant } from './types.ts';

export interface ListPosition {
  readonly total: number;
  /** The page to read; undefined when there is nothing to read (`count=0`, or `startIndex` past the end). */
  readonly window: repo.PageWindow | undefined;
}

/**
 * @param table - `scim_users` or `scim_groups`
 * @param query - the filter (canonical AST, or none), 1-based `startIndex` and `count`
 * @param count - counts the list (the filtered one, when there is a filter)
 */
export async function listPosition(
  ctx: DomainContext,
  table: repo.ListTable,
  tenant: ScimTenant,
  query: { readonly filter: FilterNode | undefined; readonly startIndex: number; readonly count: number },
  count: () => Promise<number>,
): Promise<ListPosition> {
  const offset = query.startIndex - 1;
  if (query.filter === undefined && ctx.dialect === 'sqlite') {
    const db = withScimTables(ctx.db);
    const locator = await cachedRead(ctx.db, `scim-list\u0000${table}\u0000${tenant.scope}`, () => repo.locateList(db, table, tenant.scope));
    return { total: locator.total, window: query.count === 0 ? undefined : repo.pageFromLocator(locator, offset, query.count) };
  }
  // The filter's SQL depends on the tenant (scope), the dialect's schema and the base URL (`meta.location`, `$ref`).
  const key = `scim-count\u0000${table}\u0000${tenant.scope}\u0000${tenant.dialect}\u0000${tenant.baseUrl}\u0000${JSON.stringify(query.filter)}`;
  const total = query.filter !== undefined && offset > 0 ? await cachedRead(ctx.db, key, count) : await count();
  return { total, window: query.count === 0 || offset >= total ? undefined : { offset, limit: query.count } };
}
