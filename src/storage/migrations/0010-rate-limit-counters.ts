/**
 * Shared rate-limit counters (src/http/rate-limit.ts): one row per caller (`token:ID` or `ip:ADDRESS`) with the start
 * of its current one-hour window (epoch milliseconds) and the requests counted in it. Used only on PostgreSQL with
 * `GATEHOUSE_RATE_LIMIT` set, where every instance counts into the same row; SQLite keeps its counters in the process,
 * so there the table stays empty. Rows of past windows are deleted as windows pass.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limit_counters_window').on('rate_limit_counters').column('window_start').execute();
}
