/**
 * Enterprise self-hosted runners: `/enterprises/{enterprise}/actions/runners…` (https://docs.github.com/enterprise-cloud@latest/rest/actions/self-hosted-runners,
 * GitHub's OpenAPI `enterprise-admin/*-for-enterprise` operations). Enterprise owners only (everyone else gets 404), with a token holding
 * `manage_runners:enterprise` (or `admin:enterprise`, which includes it; 403 otherwise). The token operations count
 * against the `actions_runner_registration` rate-limit resource.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { runnerApplications, runnerVersionDeprecation } from '../../domain/runners/downloads.ts';
import { listRunners } from '../../domain/runners/read-model.ts';
import { RUNNER_REGISTRATION_RATE_RESOURCE, createRegistrationToken } from '../../domain/runners/registration.ts';
import {
  addCustomLabels,
  deleteRunner,
  generateJitConfig,
  getRunner,
  listRunnerLabels,
  removeAllCustomLabels,
  removeCustomLabel,
  setCustomLabels,
} from '../../domain/runners/service.ts';
import { notFound } from '../../errors/api-error.ts';
import { actorOf, enterpriseFor, type EnterpriseAccess } from '../../http/access.ts';
import { parsePage, setLinkHeader } from '../../http/pagination.ts';
import { keptBeside, thenMaybe } from '../../storage/read-cache.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/actions/self-hosted-runners';
const ACCESS: EnterpriseAccess = { roles: ['owner'], scopes: ['manage_runners:enterprise'] };
const BASE = '/enterprises/:enterprise/actions/runners';
const JSON_TYPE = 'application/json; charset=utf-8';

type EnterpriseParams = { enterprise: string };
type RunnerParams = { enterprise: string; runner_id: string };

/** `{runner_id}` is an integer; anything else names no runner (404, as GitHub answers non-numeric ids). */
function runnerIdOf(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

/** The `runner` wire shape (read-model.ts `WireRunner`), for the compiled serializer of the runner GET. */
const RUNNER_RESPONSE = {
  type: 'object',
  required: ['id', 'name', 'os', 'status', 'busy', 'labels'],
  properties: {
    id: { type: 'integer' },
    runner_group_id: { type: 'integer' },
    name: { type: 'string' },
    os: { type: 'string' },
    status: { type: 'string' },
    busy: { type: 'boolean' },
    ephemeral: { type: 'boolean' },
    labels: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'type'],
        properties: { id: { type: 'integer' }, name: { type: 'string' }, type: { type: 'string' } },
      },
    },
    version: { type: ['string', 'null'] },
  },
} as const;

const labelsBody = (minItems: number) => ({
  type: 'object',
  required: ['labels'],
  properties: { labels: { type: 'array', minItems, maxItems: 100, items: { type: 'string' } } },
});

export function runnersRoutes(app: FastifyInstance): void {
  const ctx = app.gh;
  // Access is decided before the body is validated, so a caller who may not see the enterprise gets 404 whatever they send.
  const resolved = new WeakMap<FastifyRequest, EnterpriseRow>();
  const preValidation = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { enterprise } = request.params as EnterpriseParams;
    resolved.set(request, await enterpriseFor(ctx.db, request, reply, enterprise, ACCESS));
  };
  const enterpriseOf = (request: FastifyRequest): EnterpriseRow => {
    const enterprise = resolved.get(request);
    if (enterprise === undefined) throw new Error('runner route without its preValidation hook');
    return enterprise;
  };

  app.get<{ Params: EnterpriseParams; Querystring: Record<string, unknown> }>(
    BASE,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#list-self-hosted-runners-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      const page = parsePage(request.query);
      const name = typeof request.query.name === 'string' && request.query.name !== '' ? request.query.name : undefined;
      const { total, runners } = await listRunners(ctx, { enterpriseId: enterprise.id, name }, page);
      setLinkHeader(request, reply, page, total);
      return { total_count: total, runners };
    },
  );

  app.get<{ Params: EnterpriseParams }>(
    `${BASE}/downloads`,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#list-runner-applications-for-an-enterprise` } },
    // preValidation has authorized the caller.
    async () => {
      return runnerApplications(ctx.config.runnerVersion);
    },
  );

  app.get<{ Params: EnterpriseParams & { version: string } }>(
    `${BASE}/deprecations/:version`,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#get-runner-version-end-of-life-schedule-for-an-enterprise` } },
    async (request) => {
      // preValidation has authorized the caller.
      const schedule = runnerVersionDeprecation(request.params.version);
      if (schedule === undefined) throw notFound();
      return schedule;
    },
  );

  for (const kind of ['registration', 'remove'] as const) {
    app.post<{ Params: EnterpriseParams }>(
      `${BASE}/${kind}-token`,
      {
        schema: { response: responses(201) },
        preValidation,
        config: {
          docs: `${DOCS}#create-a-${kind}-token-for-an-enterprise`,
          rateResource: RUNNER_REGISTRATION_RATE_RESOURCE,
        },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        const token = await createRegistrationToken(ctx, enterprise, kind, actorOf(request));
        return reply.code(201).send(token);
      },
    );
  }

  app.post<{ Params: EnterpriseParams; Body: { name: string; runner_group_id: number; labels: string[]; work_folder?: string } }>(
    `${BASE}/generate-jitconfig`,
    {
      preValidation,
      config: { docs: `${DOCS}#create-configuration-for-a-just-in-time-runner-for-an-enterprise` },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['name', 'runner_group_id', 'labels'],
          properties: {
            name: { type: 'string' },
            runner_group_id: { type: 'integer' },
            labels: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string' } },
            work_folder: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      const { name, runner_group_id, labels, work_folder } = request.body;
      const result = await generateJitConfig(
        ctx,
        enterprise,
        { name, runnerGroupId: runner_group_id, labels, workFolder: work_folder },
        actorOf(request),
        `${request.apiBase}/_services/runner`,
      );
      return reply.code(201).send(result);
    },
  );

  // The hottest read of the family: no body to validate, so the enterprise is resolved in the handler (one hook less);
  // the handler is synchronous when the read cache holds the enterprise and the runner (a value, not a promise, goes
  // back to Fastify); and the body is serialised (by a serializer compiled from its schema) once per cached runner
  // and status (`keptBeside`): `getRunner` hands out the same frozen object until the runner changes or its status flips.
  app.get<{ Params: RunnerParams }>(
    `${BASE}/:runner_id`,
    { config: { docs: `${DOCS}#get-a-self-hosted-runner-for-an-enterprise` }, schema: { response: { 200: { description: 'OK', ...RUNNER_RESPONSE } } } },
    (request, reply) =>
      thenMaybe(enterpriseFor(ctx.db, request, reply, request.params.enterprise, ACCESS), (enterprise) =>
        thenMaybe(getRunner(ctx, enterprise, runnerIdOf(request.params.runner_id)), (runner) => {
          reply.type(JSON_TYPE);
          return keptBeside(runner, '', () => reply.serialize(runner) as string);
        }),
      ),
  );

  app.delete<{ Params: RunnerParams }>(
    `${BASE}/:runner_id`,
    { schema: { response: responses(204) }, preValidation, config: { docs: `${DOCS}#delete-a-self-hosted-runner-from-an-enterprise` } },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      await deleteRunner(ctx, enterprise, runnerIdOf(request.params.runner_id), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: RunnerParams }>(
    `${BASE}/:runner_id/labels`,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#list-labels-for-a-self-hosted-runner-for-an-enterprise` } },
    async (request) => {
      const enterprise = enterpriseOf(request);
      return listRunnerLabels(ctx, enterprise, runnerIdOf(request.params.runner_id));
    },
  );

  app.post<{ Params: RunnerParams; Body: { labels: string[] } }>(
    `${BASE}/:runner_id/labels`,
    { preValidation, config: { docs: `${DOCS}#add-custom-labels-to-a-self-hosted-runner-for-an-enterprise` }, schema: { response: responses(200), body: labelsBody(1) } },
    async (request) => {
      const enterprise = enterpriseOf(request);
      return addCustomLabels(ctx, enterprise, runnerIdOf(request.params.runner_id), request.body.labels, actorOf(request));
    },
  );

  app.put<{ Params: RunnerParams; Body: { labels: string[] } }>(
    `${BASE}/:runner_id/labels`,
    { preValidation, config: { docs: `${DOCS}#set-custom-labels-for-a-self-hosted-runner-for-an-enterprise` }, schema: { response: responses(200), body: labelsBody(0) } },
    async (request) => {
      const enterprise = enterpriseOf(request);
      return setCustomLabels(ctx, enterprise, runnerIdOf(request.params.runner_id), request.body.labels, actorOf(request));
    },
  );

  app.delete<{ Params: RunnerParams }>(
    `${BASE}/:runner_id/labels`,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#remove-all-custom-labels-from-a-self-hosted-runner-for-an-enterprise` } },
    async (request) => {
      const enterprise = enterpriseOf(request);
      return removeAllCustomLabels(ctx, enterprise, runnerIdOf(request.params.runner_id), actorOf(request));
    },
  );

  app.delete<{ Params: RunnerParams & { name: string } }>(
    `${BASE}/:runner_id/labels/:name`,
    { schema: { response: responses(200) }, preValidation, config: { docs: `${DOCS}#remove-a-custom-label-from-a-self-hosted-runner-for-an-enterprise` } },
    async (request) => {
      const enterprise = enterpriseOf(request);
      return removeCustomLabel(ctx, enterprise, runnerIdOf(request.params.runner_id), request.params.name, actorOf(request));
    },
  );
}
