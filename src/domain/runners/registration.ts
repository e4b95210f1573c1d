/**
 * Registering and removing self-hosted runners: registration and remove tokens, the `config.sh` token exchange, and
 * runner registration itself (github-semantics.md §1.6, openapi-contract.md §3).
 *
 * The flow, as GitHub's `config.sh --url https://HOST/enterprises/SLUG --token T` runs it (runner-src
 * `GetTenantCredential`), with Gatehouse's own runner-service API standing in for the Actions service:
 * 1. an enterprise owner creates a registration (or remove) token: 29 upper-case base32 characters, valid one hour,
 *    stored only as its SHA-256 in `runner_tokens`; tokens are reusable until they expire, as on GitHub;
 * 2. `POST /actions/runner-registration` with `Authorization: RemoteAuth T` and `{url, runner_event}` exchanges it for a
 *    short-lived tenant credential (`ghs_…`, 15 minutes) bound to the same enterprise and the same purpose (a
 *    registration token yields a credential that can register, a remove token one that can remove);
 * 3. the tenant credential registers (or removes) a runner through `…/_services/runner`; a registered runner gets its
 *    own long-lived runner credential (`ghr_…`) for heartbeats and job reports.
 * Tenant credentials live in `runner_tokens` too (same enterprise, same kind, shorter expiry); the `ghs_` prefix keeps
 * the two tiers apart: a tenant credential is never accepted as a RemoteAuth token and vice versa.
 *
 * The CLI (`gatehouse runner register --token …`) skips step 2 and calls `registerRunnerWithToken` directly.
 */
import crypto from 'node:crypto';
import { generateRunnerCredential, generateRunnerToken, hashToken } from '../../auth/tokens.ts';
import { ApiError, validationFailed } from '../../errors/api-error.ts';
import type { EnterpriseRow, RunnerGroupRow } from '../../storage/tables.ts';
import { findEnterprise } from '../accounts/accounts.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import {
  assertCustomLabelLimit,
  normalizeCustomLabels,
  parseRunnerArchitecture,
  parseRunnerOs,
  readOnlyLabels,
} from './labels.ts';
import type { WireRunner } from './read-model.ts';
import { findDefaultGroup, findGroupByName } from '../runner-groups/repository.ts';
import { loadWireRunner } from './repository.ts';
import { createRunnerRecord, validateRunnerName } from './service.ts';

export type RunnerTokenKind = 'registration' | 'remove';

/** "The token expires after one hour" (OA-GHEC, both token operations). */
export const RUNNER_TOKEN_TTL_MS = 3_600_000;
/** Lifetime of the tenant credential `POST /actions/runner-registration` hands out: long enough for `config.sh`. */
export const TENANT_CREDENTIAL_TTL_MS = 15 * 60_000;
const TENANT_CREDENTIAL_PREFIX = 'ghs_';

/** The runner-registration rate-limit resource (OA-GHEC `rate-limit-overview`). */
export const RUNNER_REGISTRATION_RATE_RESOURCE = 'actions_runner_registration';

/** The `authentication-token` body of the token operations. */
export interface RunnerToken {
  token: string;
  expires_at: string;
}

/**
 * The 404 GitHub answers for an unknown, expired or misused registration/remove token: `config.sh` then prints
 * `Http response code: NotFound from 'POST …/actions/runner-registration'` (actions/runner#1748, #4042).
 * `code` lets the CLI say what went wrong in words.
 */
export function invalidRunnerToken(): ApiError {
  return new ApiError(404, 'Not Found', { code: 'runner_token_invalid' });
}

/**
 * Creates a registration or remove token for an enterprise (POST `…/actions/runners/registration-token` and
 * `…/remove-token`); only its hash is kept. Expired tokens of the enterprise are swept in the same transaction.
 */
export async function createRegistrationToken(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  kind: RunnerTokenKind,
  actor: Actor | null,
): Promise<RunnerToken> {
  const token = generateRunnerToken();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + RUNNER_TOKEN_TTL_MS).toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('runner_tokens').where('enterprise_id', '=', enterprise.id).where('expires_at', '<=', now.toISOString()).execute();
    await trx
      .insertInto('runner_tokens')
      .values({ enterprise_id: enterprise.id, kind, token_hash: hashToken(token), expires_at: expiresAt, created_at: now.toISOString() })
      .execute();
    await recordAudit(trx, ctx.clock, {
      action: kind === 'registration' ? 'enterprise.create_runner_registration_token' : 'enterprise.create_runner_remove_token',
      enterpriseId: enterprise.id,
      actor,
      data: { business: enterprise.slug, expires_at: expiresAt },
    });
  });
  return { token, expires_at: expiresAt };
}

/**
 * An unexpired token's enterprise and kind; `tier` says whether a RemoteAuth token or a tenant credential is expected,
 * and a token of the other tier is not accepted.
 */
async function lookupToken(
  ctx: DomainContext,
  db: Db,
  token: string,
  tier: 'token' | 'tenant',
): Promise<{ enterprise: EnterpriseRow; kind: RunnerTokenKind } | undefined> {
  if (token === '' || token.startsWith(TENANT_CREDENTIAL_PREFIX) !== (tier === 'tenant')) return undefined;
  const row = await db.selectFrom('runner_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
  if (row === undefined || Date.parse(row.expires_at) <= ctx.clock.now().getTime()) return undefined;
  const enterprise = await db.selectFrom('enterprises').selectAll().where('id', '=', row.enterprise_id).executeTakeFirst();
  return enterprise === undefined ? undefined : { enterprise, kind: row.kind };
}

/** The enterprise an unexpired token of `kind` (and of the expected tier) belongs to. */
async function enterpriseForToken(
  ctx: DomainContext,
  db: Db,
  token: string,
  kind: RunnerTokenKind,
  tier: 'token' | 'tenant',
): Promise<EnterpriseRow | undefined> {
  const found = await lookupToken(ctx, db, token, tier);
  return found?.kind === kind ? found.enterprise : undefined;
}

/** The enterprise slug a `config.sh --url` names: a two-segment path `enterprises/<slug>` (runner-src). */
export function enterpriseSlugFromConfigUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  if (segments.length !== 2 || segments[0]?.toLowerCase() !== 'enterprises') return undefined;
  try {
    return decodeURIComponent(segments[1] ?? '');
  } catch {
    return undefined; // malformed percent-encoding names no enterprise
  }
}

export interface TenantCredential {
  enterprise: EnterpriseRow;
  token: string;
  expiresAt: string;
}

/**
 * The `config.sh` exchange (`POST /actions/runner-registration`): checks that the RemoteAuth token is unexpired, of the
 * kind the event needs (`register` → registration token, `remove` → remove token) and issued for the enterprise the
 * URL names, then issues a tenant credential for the same enterprise and purpose. Anything else is 404.
 */
export async function exchangeRunnerToken(
  ctx: DomainContext,
  input: { token: string; url: string; runnerEvent: 'register' | 'remove' },
): Promise<TenantCredential> {
  const kind: RunnerTokenKind = input.runnerEvent === 'register' ? 'registration' : 'remove';
  const slug = enterpriseSlugFromConfigUrl(input.url);
  if (slug === undefined) throw invalidRunnerToken();
  return ctx.db.transaction().execute(async (trx) => {
    const enterprise = await enterpriseForToken(ctx, trx, input.token, kind, 'token');
    if (enterprise === undefined || enterprise.slug_lower !== slug.toLowerCase()) throw invalidRunnerToken();
    const token = `${TENANT_CREDENTIAL_PREFIX}${crypto.randomBytes(27).toString('base64url')}`;
    const now = ctx.clock.now();
    const expiresAt = new Date(now.getTime() + TENANT_CREDENTIAL_TTL_MS).toISOString();
    await trx
      .insertInto('runner_tokens')
      .values({ enterprise_id: enterprise.id, kind, token_hash: hashToken(token), expires_at: expiresAt, created_at: now.toISOString() })
      .execute();
    return { enterprise, token, expiresAt };
  });
}

/** The enterprise and purpose of a tenant credential, or undefined when it is unknown or expired. */
export async function authenticateTenantCredential(
  ctx: DomainContext,
  token: string,
): Promise<{ enterprise: EnterpriseRow; kind: RunnerTokenKind } | undefined> {
  return lookupToken(ctx, ctx.db, token, 'tenant');
}

export interface RegisterRunnerInput {
  name: string;
  /** Custom labels (`config.sh --labels`); the read-only ones are added from the platform. */
  labels?: readonly string[] | undefined;
  /** `linux`, `macos` or `windows`. */
  os: string;
  /** `x64` (default), `arm` or `arm64`. */
  architecture?: string | undefined;
  /** Group name, case-insensitive (`config.sh --runnergroup`); the default group when absent. */
  runnerGroup?: string | undefined;
  ephemeral?: boolean | undefined;
  /** Runner application version, when the caller reports one. */
  version?: string | undefined;
}

export interface RegisteredRunner {
  runner: WireRunner;
  /** The runner credential (`ghr_…`), shown once; heartbeats and job reports present it as a Bearer token. */
  credential: string;
}

/**
 * Registers a runner in an enterprise: name unique per enterprise (409), read-only labels from the platform plus the
 * custom labels, in the named group or the default one. An unknown group fails as `config.sh` reports it:
 * `Could not find any self-hosted runner group named "NAME".` (github-semantics.md §1.1), with status 404.
 * The runner starts offline; its first heartbeat brings it online.
 */
export async function registerRunner(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  input: RegisterRunnerInput,
  actor: Actor | null,
): Promise<RegisteredRunner> {
  const name = validateRunnerName(input.name);
  const os = parseRunnerOs(input.os);
  if (os === undefined) throw validationFailed([`Unknown operating system "${input.os}" (expected linux, macos or windows).`]);
  const architecture = input.architecture === undefined ? 'x64' : parseRunnerArchitecture(input.architecture);
  if (architecture === undefined) throw validationFailed([`Unknown architecture "${String(input.architecture)}" (expected x64, arm or arm64).`]);
  const custom = normalizeCustomLabels(input.labels ?? []);
  assertCustomLabelLimit(custom.length);
  const version = input.version === undefined || input.version.trim() === '' ? null : input.version.trim();
  const credential = generateRunnerCredential();
  const now = ctx.clock.now().toISOString();

  const runnerId = await ctx.db.transaction().execute(async (trx) => {
    let group: RunnerGroupRow | undefined;
    if (input.runnerGroup === undefined || input.runnerGroup.trim() === '') group = await findDefaultGroup(trx, enterprise.id);
    else {
      // `config.sh --runnergroup` names are case-insensitive (github-semantics.md §1.1).
      group = await findGroupByName(trx, enterprise.id, input.runnerGroup.trim().toLowerCase());
      if (group === undefined) {
        throw new ApiError(404, `Could not find any self-hosted runner group named "${input.runnerGroup.trim()}".`, { code: 'runner_group_not_found' });
      }
    }
    const row = await createRunnerRecord(
      ctx,
      trx,
      enterprise,
      group,
      { name, os, architecture, ephemeral: input.ephemeral === true, version, credentialHash: hashToken(credential), now },
      { readOnly: readOnlyLabels(os, architecture), custom },
      actor,
      { os, architecture, labels: custom, ephemeral: input.ephemeral === true },
    );
    return row.id;
  });
  const runner = await loadWireRunner(ctx, ctx.db, enterprise.id, runnerId);
  if (runner === undefined) throw new Error(`runner ${runnerId} vanished after registration`);
  return { runner, credential };
}

/**
 * Registers a runner with a registration token, as `gatehouse runner register --enterprise S --token T` does: the token
 * must be an unexpired registration token of that enterprise (otherwise 404, code `runner_token_invalid`).
 */
export async function registerRunnerWithToken(
  ctx: DomainContext,
  input: {
    enterpriseSlug: string;
    token: string;
    name: string;
    labels?: readonly string[] | undefined;
    os: 'linux' | 'macos' | 'windows' | (string & {});
    architecture?: string | undefined;
    runnerGroup?: string | undefined;
    ephemeral?: boolean | undefined;
    version?: string | undefined;
  },
): Promise<{ runner: WireRunner; credential: string }> {
  const named = await findEnterprise(ctx.db, input.enterpriseSlug);
  const enterprise = await enterpriseForToken(ctx, ctx.db, input.token.trim(), 'registration', 'token');
  if (named === undefined || enterprise === undefined || enterprise.id !== named.id) throw invalidRunnerToken();
  return registerRunner(ctx, enterprise, input, null);
}
