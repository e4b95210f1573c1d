/**
 * `usage_records.seed_key`: which item of a seed file a usage row came from (`gatehouse seed`), so that applying the
 * same file again records nothing new; null for usage from the API, CSV imports and runner job reports. Unique per
 * enterprise, so two runs of one seed at once cannot both record an item.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('usage_records').addColumn('seed_key', 'text').execute();
  await db.schema.createIndex('usage_records_seed_key').on('usage_records').columns(['enterprise_id', 'seed_key']).unique().execute();
}
