/**
 * The runner side: what a self-hosted runner (or `config.sh`) calls, rather than an administrator. None of these routes
 * take a personal access token (`config.auth: false`); each authenticates its own credential.
 *
 * - `POST /actions/runner-registration` — the `config.sh` token exchange (https://docs.github.com/actions/hosting-your-own-runners/managing-self-hosted-runners/adding-self-hosted-runners,
 *   and the runner's `GetTenantCredential` in https://github.com/actions/runner). `Authorization: RemoteAuth <registration or remove token>`, body
 *   `{"url": "https://HOST/enterprises/SLUG", "runner_event": "register" | "remove"}`. 200
 *   `{"url": "<base>/_services/runner", "token_schema": "OAuthAccessToken", "token": "<tenant credential>"}`.
 *   An unknown, expired or wrong-kind token, a URL that does not name the token's enterprise, or no token at all is
 *   404 `Not Found`, which is what GitHub answers an expired token (actions/runner#1748). Rate resource
 *   `actions_runner_registration`.
 * - The Gatehouse runner-service API under `/_services/runner` (Gatehouse's stand-in for the Actions service protocol,
 *   which it does not emulate), `Authorization: Bearer <credential>`:
 *   - `POST /_services/runner/runners` (tenant credential from a registration token): body
 *     `{name, labels?: string[], os: "linux"|"macos"|"windows", architecture?: "x64"|"arm"|"arm64", runner_group?: string,
 *     ephemeral?: boolean, version?: string}` → 201 `{id, name, credential, runner}`; 404 unknown group
 *     (`Could not find any self-hosted runner group named "NAME".`), 409 name in use, 422 bad name/labels/os.
 *   - `DELETE /_services/runner/runners/{runner_id}` (tenant credential from a remove token: any runner of that
 *     enterprise; or the runner's own credential: itself only) → 204; 404 unknown runner, 422 runner busy.
 *   - `POST /_services/runner/heartbeat` (runner credential): `{busy: boolean, version?, os?, architecture?}` → 200 runner.
 *   - `POST /_services/runner/jobs` (runner credential): `{repository: "owner/name", started_at, completed_at,
 *     conclusion, public_repository?}` → 201 `{usage, runner_removed}`; an ephemeral runner is removed afterwards.
 *   Missing credential → 401 `Requires authentication`; unknown or expired → 401 `Bad credentials`; a credential of the
 *   wrong kind for the operation → 403.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  RUNNER_REGISTRATION_RATE_RESOURCE,
  authenticateTenantCredential,
  exchangeRunnerToken,
  invalidRunnerToken,
  registerRunner,
} from '../../domain/runners/registration.ts';
import {
  authenticateRunnerCredential,
  recordHeartbeat,
  removeRunnerFromRunnerSide,
  reportJob,
  type AuthenticatedRunner,
} from '../../domain/runners/runner-service.ts';
import { ApiError, badCredentials, notFound, requiresAuthentication } from '../../errors/api-error.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import { responses } from '../../http/openapi.ts';

const SERVICE = '/_services/runner';

/** `RemoteAuth <token>` as `config.sh` sends it (Bearer and token are accepted too). */
function remoteAuthToken(request: FastifyRequest): string | undefined {
  const match = /^\s*(remoteauth|bearer|token)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[2];
}

/** The Bearer credential of a runner-service call; 401 when absent. */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw requiresAuthentication();
  const match = /^\s*(bearer|token)\s+(\S+)\s*$/i.exec(header);
  if (match?.[2] === undefined) throw badCredentials();
  return match[2];
}

function wrongCredential(what: string): ApiError {
  return new ApiError(403, `This credential cannot ${what}.`, { code: 'wrong_runner_credential' });
}

async function runnerCredential(request: FastifyRequest): Promise<AuthenticatedRunner> {
  const token = bearerToken(request);
  const auth = await authenticateRunnerCredential(request.server.gh, token);
  if (auth !== undefined) return auth;
  if ((await authenticateTenantCredential(request.server.gh, token)) !== undefined) throw wrongCredential('act as a runner');
  throw badCredentials();
}

function runnerIdOf(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

/** What a route's preValidation hook authenticated (credentials are checked before the body, so a stranger gets 401). */
function authOf<T>(map: WeakMap<FastifyRequest, T>, request: FastifyRequest): T {
  const auth = map.get(request);
  if (auth === undefined) throw new Error('runner-side route without its preValidation hook');
  return auth;
}

export function runnerSideRoutes(app: FastifyInstance): void {
  const ctx = app.gh;
  const registrars = new WeakMap<FastifyRequest, { enterprise: EnterpriseRow; kind: 'registration' | 'remove' }>();
  const runners = new WeakMap<FastifyRequest, AuthenticatedRunner>();

  app.post<{ Body: { url: string; runner_event: 'register' | 'remove' } }>(
    '/actions/runner-registration',
    {
      config: { auth: false, rateResource: RUNNER_REGISTRATION_RATE_RESOURCE },
      schema: {
        response: responses(200),
        body: {
          type: 'object',
          required: ['url', 'runner_event'],
          properties: { url: { type: 'string' }, runner_event: { type: 'string', enum: ['register', 'remove'] } },
        },
      },
    },
    async (request) => {
      const token = remoteAuthToken(request);
      if (token === undefined) throw invalidRunnerToken();
      const tenant = await exchangeRunnerToken(ctx, { token, url: request.body.url, runnerEvent: request.body.runner_event });
      return { url: `${request.apiBase}${SERVICE}`, token_schema: 'OAuthAccessToken', token: tenant.token };
    },
  );

  app.post<{
    Body: { name: string; labels?: string[]; os: string; architecture?: string; runner_group?: string; ephemeral?: boolean; version?: string };
  }>(
    `${SERVICE}/runners`,
    {
      preValidation: async (request) => {
        const token = bearerToken(request);
        const tenant = await authenticateTenantCredential(ctx, token);
        if (tenant === undefined) {
          if ((await authenticateRunnerCredential(ctx, token)) !== undefined) throw wrongCredential('register runners');
          throw badCredentials();
        }
        if (tenant.kind !== 'registration') throw wrongCredential('register runners (it was issued for a remove token)');
        registrars.set(request, tenant);
      },
      config: { auth: false },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['name', 'os'],
          properties: {
            name: { type: 'string' },
            labels: { type: 'array', maxItems: 100, items: { type: 'string' } },
            os: { type: 'string' },
            architecture: { type: 'string' },
            runner_group: { type: 'string' },
            ephemeral: { type: 'boolean' },
            version: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = authOf(registrars, request);
      const { name, labels, os, architecture, runner_group, ephemeral, version } = request.body;
      const { runner, credential } = await registerRunner(
        ctx,
        tenant.enterprise,
        { name, labels, os, architecture, runnerGroup: runner_group, ephemeral, version },
        null,
      );
      return reply.code(201).send({ id: runner.id, name: runner.name, credential, runner });
    },
  );

  app.delete<{ Params: { runner_id: string } }>(`${SERVICE}/runners/:runner_id`, { schema: { response: responses(204) }, config: { auth: false } }, async (request, reply) => {
    const token = bearerToken(request);
    const runnerId = runnerIdOf(request.params.runner_id);
    const tenant = await authenticateTenantCredential(ctx, token);
    if (tenant !== undefined) {
      if (tenant.kind !== 'remove') throw wrongCredential('remove runners (it was issued for a registration token)');
      await removeRunnerFromRunnerSide(ctx, tenant.enterprise, runnerId, 'remove_token');
      return reply.code(204).send();
    }
    const self = await authenticateRunnerCredential(ctx, token);
    if (self === undefined) throw badCredentials();
    // A runner credential names one runner; any other id is not visible to it.
    if (self.runner.id !== runnerId) throw notFound();
    await removeRunnerFromRunnerSide(ctx, self.enterprise, runnerId, 'runner_credential');
    return reply.code(204).send();
  });

  app.post<{ Body: { busy: boolean; version?: string; os?: string; architecture?: string } }>(
    `${SERVICE}/heartbeat`,
    {
      preValidation: async (request) => {
        runners.set(request, await runnerCredential(request));
      },
      config: { auth: false },
      schema: {
        response: responses(200),
        body: {
          type: 'object',
          required: ['busy'],
          properties: { busy: { type: 'boolean' }, version: { type: 'string' }, os: { type: 'string' }, architecture: { type: 'string' } },
        },
      },
    },
    async (request) => {
      const auth = authOf(runners, request);
      const { busy, version, os, architecture } = request.body;
      return recordHeartbeat(ctx, auth, { busy, version, os, architecture });
    },
  );

  app.post<{ Body: { repository: string; started_at: string; completed_at: string; conclusion: string; public_repository?: boolean } }>(
    `${SERVICE}/jobs`,
    {
      preValidation: async (request) => {
        runners.set(request, await runnerCredential(request));
      },
      config: { auth: false },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['repository', 'started_at', 'completed_at', 'conclusion'],
          properties: {
            repository: { type: 'string' },
            started_at: { type: 'string' },
            completed_at: { type: 'string' },
            conclusion: { type: 'string' },
            public_repository: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => {
      const auth = authOf(runners, request);
      return reply.code(201).send(await reportJob(ctx, auth, request.body));
    },
  );
}
