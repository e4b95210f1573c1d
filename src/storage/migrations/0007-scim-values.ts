/**
 * SCIM filters as indexed SQL (ARCHITECTURE.md, Storage: "a SCIM `eq` filter is an index lookup"):
 * - `scim_user_values`: one row per leaf value of a stored SCIM User resource (`emails.value`, `name.givenName`,
 *   `roles.value`, extension attributes...), plus one marker row per complex value, so any filter on any attribute
 *   compiles to index lookups (`src/storage/scim-filter-sql.ts`). `elem` numbers the elements of a multi-valued
 *   attribute, so `emails[type eq "work" and primary eq true]` can require both on the same element. Values are
 *   case-folded by the app (`str_lower`), never by SQL `lower()`, which differs between SQLite and PostgreSQL.
 * - `scim_users.display_name_lower`: the case-folded `displayName`, for the column strategy (caseExact false).
 * - `scim_users.login_lower`: the GitHub login a managed identity holds or will get back on reactivation; unique per
 *   tenant, so a suspended identity keeps its login reserved ("On collision only the first user account is created",
 *   github-semantics.md §3.3) and two concurrent creates normalizing to the same login cannot both succeed.
 */
import type { Kysely } from 'kysely';
import { doubleColumnType, type DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('scim_users').addColumn('display_name_lower', 'text').execute();
  await db.schema.alterTable('scim_users').addColumn('login_lower', 'text').execute();
  await db.schema.createIndex('scim_users_scope_login').unique().on('scim_users').columns(['scope', 'login_lower']).execute();
  await db.schema.createIndex('scim_users_scope_display_name').on('scim_users').columns(['scope', 'display_name_lower']).execute();

  await db.schema
    .createTable('scim_user_values')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('scim_users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    /** Canonical attribute path, lower case: `emails`, `emails.value`, `name.givenname`, `urn:…:user:department`. */
    .addColumn('attr', 'text', (c) => c.notNull())
    .addColumn('elem', 'integer', (c) => c.notNull())
    .addColumn('str', 'text')
    .addColumn('str_lower', 'text')
    .addColumn('num', doubleColumnType(dialect))
    .execute();
  // Filter lookups: `attr = ? and str_lower = ?` within a tenant (also serves caseExact equality, which adds `str = ?`).
  await db.schema.createIndex('scim_user_values_lookup').on('scim_user_values').columns(['scope', 'attr', 'str_lower']).execute();
  // Rewrites and same-element correlation (`s.user_id = e.user_id and s.attr = ? and s.elem = e.elem`).
  await db.schema.createIndex('scim_user_values_owner').on('scim_user_values').columns(['user_id', 'attr', 'elem']).execute();
}
