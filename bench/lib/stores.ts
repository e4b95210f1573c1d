/**
 * Stores the suite runs on, each created fresh and removed afterwards: a temporary SQLite file (the embedded
 * default, WAL as `openStorage` sets it) and, when BENCH_DATABASE_URL is set, a new PostgreSQL database.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StorageConfig } from '../../src/config/config.ts';
import type { StoreKind } from './types.ts';

export interface BenchStore {
  kind: StoreKind;
  /** Shown in the table, e.g. `sqlite (file, WAL)`. */
  label: string;
  storage: StorageConfig;
  dispose(): Promise<void>;
}

export async function sqliteStore(): Promise<BenchStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gatehouse-bench-'));
  return {
    kind: 'sqlite',
    label: 'sqlite',
    storage: { kind: 'sqlite', filename: path.join(dir, 'gatehouse.db') },
    dispose: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function postgresStore(serverUrl: string): Promise<BenchStore> {
  const name = `gatehouse_bench_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    label: 'postgres',
    storage: { kind: 'postgres', url: url.toString() },
    dispose: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
