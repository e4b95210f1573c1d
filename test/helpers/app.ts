/**
 * Test harness: a Gatehouse on a real socket over a fresh store — in-memory SQLite, or a new PostgreSQL database
 * when GATEHOUSE_TEST_DATABASE_URL (or DATABASE_URL) names a server — plus a settable clock and a small HTTP client.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/app.ts';
import type { AppContext } from '../../src/app-context.ts';
import { testConfig, type Config, type StorageConfig } from '../../src/config/config.ts';
import {
  createAccessToken,
  createEnterprise,
  createOrganization,
  createUser,
  setEnterpriseRole,
} from '../../src/domain/accounts/accounts.ts';
import type { Clock } from '../../src/domain/context.ts';
import type { EnterpriseRole, EnterpriseRow, OrganizationRow, UserRow } from '../../src/storage/tables.ts';

/** The PostgreSQL server to test against, if any. */
export const postgresUrl: string | undefined = [process.env.GATEHOUSE_TEST_DATABASE_URL, process.env.DATABASE_URL].find(
  (u) => u !== undefined && /^postgres(ql)?:\/\//.test(u),
);
export const storageKind: 'sqlite' | 'postgres' = postgresUrl === undefined ? 'sqlite' : 'postgres';

export class TestClock implements Clock {
  private current: number;
  constructor(start = Date.parse('2026-11-15T12:00:00.000Z')) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sent verbatim instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  clock: TestClock;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function freshPostgres(url: string): Promise<{ storage: StorageConfig; drop: () => Promise<void> }> {
  const name = `gatehouse_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    storage: { kind: 'postgres', url: dbUrl.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const clock = new TestClock();
  let drop: (() => Promise<void>) | undefined;
  let storage: StorageConfig = { kind: 'sqlite', filename: ':memory:' };
  if (postgresUrl !== undefined) {
    const fresh = await freshPostgres(postgresUrl);
    storage = fresh.storage;
    drop = fresh.drop;
  }
  // The public URL must match the socket so that `url` fields and Link headers can be followed.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await buildApp({ config: testConfig({ storage, publicUrl: url, ...overrides }), clock });
  await app.listen({ host: '127.0.0.1', port });

  return {
    app,
    ctx: app.gh,
    clock,
    url,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { accept: 'application/vnd.github+json', ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { status: res.status, headers: res.headers, body: parsed as any, text };
    },
    async close() {
      await app.close();
      if (drop !== undefined) await drop();
    },
  };
}

export interface SeededEnterprise {
  enterprise: EnterpriseRow;
  owner: UserRow;
  /** Owner token with `admin:enterprise`. */
  ownerToken: string;
  org: OrganizationRow;
}

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}${crypto.randomBytes(2).toString('hex')}`;
}

/** Creates a user with a token holding `scopes`. */
export async function userWithToken(ctx: AppContext, scopes: string[], options: { login?: string; siteAdmin?: boolean } = {}): Promise<{ user: UserRow; token: string }> {
  const user = await createUser(ctx, ctx.db, { login: options.login ?? unique('user'), email: null, siteAdmin: options.siteAdmin }, null);
  const { token } = await createAccessToken(ctx, user, scopes, null, null);
  return { user, token };
}

/** An enterprise with an owner (token: `admin:enterprise`) and one organization. */
export async function seedEnterprise(ctx: AppContext, options: { slug?: string; kind?: 'classic' | 'managed' } = {}): Promise<SeededEnterprise> {
  const { user: owner, token: ownerToken } = await userWithToken(ctx, ['admin:enterprise', 'admin:org']);
  const enterprise = await createEnterprise(ctx, { slug: options.slug ?? unique('ent'), kind: options.kind ?? 'classic', ownerLogin: owner.login }, null);
  const org = await createOrganization(ctx, { login: unique('org'), enterpriseSlug: enterprise.slug, adminLogin: owner.login }, null);
  return { enterprise, owner, ownerToken, org };
}

/** Adds a member with `role` to the enterprise and returns a token for them with `scopes`. */
export async function enterpriseMemberToken(ctx: AppContext, enterprise: EnterpriseRow, role: EnterpriseRole, scopes: string[]): Promise<{ user: UserRow; token: string }> {
  const made = await userWithToken(ctx, scopes);
  await setEnterpriseRole(ctx, ctx.db, enterprise, made.user, role, null);
  return made;
}
