/**
 * Opening the store for a CLI command: configuration from flags and environment, migrations applied, closed after.
 */
import { loadConfig, type ConfigFlags } from '../config/config.ts';
import { systemClock, type DomainContext } from '../domain/context.ts';
import { openStorage } from '../storage/db.ts';
import { migrateToLatest } from '../storage/migrations/index.ts';

export class CliError extends Error {}

export interface StorageFlags {
  data?: string;
  databaseUrl?: string;
}

/** Runs `work` with a domain context over the configured store, then closes it. */
export async function withContext<T>(flags: StorageFlags & ConfigFlags, work: (ctx: DomainContext) => Promise<T>): Promise<T> {
  const config = loadConfig(flags);
  const storage = openStorage(config.storage, { poolSize: 2 });
  try {
    await migrateToLatest(storage);
    return await work({ db: storage.db, dialect: storage.dialect, config, clock: systemClock });
  } finally {
    await storage.close();
  }
}
