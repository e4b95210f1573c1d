/**
 * A whole seed in one transaction. The seed goes through the same domain services as the API, and each of them opens
 * its own transaction with `ctx.db.transaction().execute(…)`; Kysely cannot nest transactions, so inside the seed's
 * transaction `ctx.db` is a view of it whose `transaction()` opens a savepoint instead (SQLite and PostgreSQL both
 * have `SAVEPOINT`, https://www.sqlite.org/lang_savepoint.html, https://www.postgresql.org/docs/current/sql-savepoint.html).
 * A service's own failure rolls back to its savepoint, exactly as its transaction would have; any error that leaves
 * the seed rolls back everything, so a seed is applied whole or not at all.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../storage/tables.ts';
import type { DomainContext } from '../context.ts';

type Work<R> = (trx: Transaction<Database>) => Promise<R>;

/** What services use of Kysely's `TransactionBuilder`. */
interface NestedTransactionBuilder {
  execute<R>(work: Work<R>): Promise<R>;
}

/** `trx` seen as a `Kysely` whose `transaction()` is a savepoint of `trx`. */
function savepointView(trx: Transaction<Database>): Kysely<Database> {
  let next = 0;
  const builder: NestedTransactionBuilder = {
    async execute<R>(work: Work<R>): Promise<R> {
      next += 1;
      // A generated name, never user input.
      const name = sql.raw(`seed_savepoint_${next}`);
      await sql`savepoint ${name}`.execute(trx);
      let result: R;
      try {
        result = await work(trx);
      } catch (error) {
        await sql`rollback to savepoint ${name}`.execute(trx);
        throw error;
      }
      await sql`release savepoint ${name}`.execute(trx);
      return result;
    },
  };
  return new Proxy(trx, {
    get(target, property) {
      if (property === 'transaction') return () => builder;
      // Kysely's methods read private fields: call them on the transaction itself, not on the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as Kysely<Database>;
}

/** Runs `work` with a context whose every write, services' transactions included, is part of one transaction. */
export function inOneTransaction<T>(ctx: DomainContext, work: (ctx: DomainContext) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute((trx) => work({ ...ctx, db: savepointView(trx) }));
}
