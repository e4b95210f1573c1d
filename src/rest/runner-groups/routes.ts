/**
 * Enterprise self-hosted runner groups: the 13 operations under `/enterprises/{enterprise}/actions/runner-groups`
 * (https://docs.github.com/enterprise-cloud@latest/rest/actions/self-hosted-runner-groups). Only enterprise owners (and site administrators) see them, others get 404; the token
 * needs `manage_runners:enterprise` (or `admin:enterprise`, which includes it), else 403 with `X-Accepted-OAuth-Scopes`.
 * Routes parse, authorize, call `domain/runner-groups/service.ts` and map to wire shapes; the rules live there.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as groups from '../../domain/runner-groups/service.ts';
import { notFound } from '../../errors/api-error.ts';
import { actorOf, enterpriseFor } from '../../http/access.ts';
import { parsePage, setLinkHeader } from '../../http/pagination.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import { toOrganizationSimple } from '../shapes.ts';
import {
  createBodySchema,
  setOrganizationsBodySchema,
  setRunnersBodySchema,
  updateBodySchema,
  type CreateBody,
  type SetOrganizationsBody,
  type SetRunnersBody,
  type UpdateBody,
} from './schemas.ts';
import { toRunnerGroupEnterprise } from './shapes.ts';
import type { MaybePromise } from '../../storage/read-cache.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/actions/self-hosted-runner-groups';
const BASE = '/enterprises/:enterprise/actions/runner-groups';
const ACCESS = { roles: ['owner'], scopes: ['manage_runners:enterprise'] } as const;

/** Largest id the storage's 32-bit integer columns hold; anything larger cannot name a row. */
const MAX_ID = 2_147_483_647;

/** A numeric path id, or 404 (GitHub answers a non-numeric or unknown id alike). */
function pathId(value: string): number {
  if (!/^\d{1,10}$/.test(value)) throw notFound();
  const n = Number(value);
  if (n < 1 || n > MAX_ID) throw notFound();
  return n;
}

interface GroupParams {
  enterprise: string;
  runner_group_id: string;
}

export function runnerGroupRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  const enterpriseOf = (request: FastifyRequest, reply: FastifyReply, slug: string): MaybePromise<EnterpriseRow> =>
    enterpriseFor(ctx.db, request, reply, slug, ACCESS);

  app.get<{ Params: { enterprise: string }; Querystring: Record<string, unknown> }>(
    BASE,
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#list-self-hosted-runner-groups-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const page = parsePage(request.query);
      const raw = request.query.visible_to_organization;
      const visibleToOrganization = typeof raw === 'string' && raw !== '' ? raw : undefined;
      const { total, groups: rows } = await groups.listRunnerGroups(ctx, enterprise, { visibleToOrganization }, page);
      setLinkHeader(request, reply, page, total);
      return { total_count: total, runner_groups: rows.map((g) => toRunnerGroupEnterprise(g, enterprise.slug, request.apiBase)) };
    },
  );

  app.post<{ Params: { enterprise: string }; Body: CreateBody }>(
    BASE,
    { config: { docs: `${DOCS}#create-a-self-hosted-runner-group-for-an-enterprise` }, schema: { response: responses(201), body: createBodySchema } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const body = request.body;
      const group = await groups.createRunnerGroup(
        ctx,
        enterprise,
        {
          name: body.name,
          visibility: body.visibility,
          selectedOrganizationIds: body.selected_organization_ids,
          runners: body.runners,
          allowsPublicRepositories: body.allows_public_repositories,
          restrictedToWorkflows: body.restricted_to_workflows,
          selectedWorkflows: body.selected_workflows,
          networkConfigurationId: body.network_configuration_id,
        },
        actorOf(request),
      );
      return reply.code(201).send(toRunnerGroupEnterprise(group, enterprise.slug, request.apiBase));
    },
  );

  app.get<{ Params: GroupParams }>(
    `${BASE}/:runner_group_id`,
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#get-a-self-hosted-runner-group-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const group = await groups.getRunnerGroup(ctx, enterprise, pathId(request.params.runner_group_id));
      return toRunnerGroupEnterprise(group, enterprise.slug, request.apiBase);
    },
  );

  app.patch<{ Params: GroupParams; Body: UpdateBody }>(
    `${BASE}/:runner_group_id`,
    {
      config: { docs: `${DOCS}#update-a-self-hosted-runner-group-for-an-enterprise` },
      schema: { response: responses(200), body: updateBodySchema },
      // The update body is optional (OA-GHEC): an empty request is an update of nothing, not a malformed body.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const body = request.body;
      const group = await groups.updateRunnerGroup(
        ctx,
        enterprise,
        pathId(request.params.runner_group_id),
        {
          name: body.name,
          visibility: body.visibility,
          allowsPublicRepositories: body.allows_public_repositories,
          restrictedToWorkflows: body.restricted_to_workflows,
          selectedWorkflows: body.selected_workflows,
          networkConfigurationId: body.network_configuration_id,
        },
        actorOf(request),
      );
      return toRunnerGroupEnterprise(group, enterprise.slug, request.apiBase);
    },
  );

  app.delete<{ Params: GroupParams }>(
    `${BASE}/:runner_group_id`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#delete-a-self-hosted-runner-group-from-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      await groups.deleteRunnerGroup(ctx, enterprise, pathId(request.params.runner_group_id), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: GroupParams; Querystring: Record<string, unknown> }>(
    `${BASE}/:runner_group_id/organizations`,
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#list-organization-access-to-a-self-hosted-runner-group-in-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const page = parsePage(request.query);
      const { total, organizations } = await groups.listGroupOrganizations(ctx, enterprise, pathId(request.params.runner_group_id), page);
      setLinkHeader(request, reply, page, total);
      return { total_count: total, organizations: organizations.map((o) => toOrganizationSimple(o, request.apiBase)) };
    },
  );

  app.put<{ Params: GroupParams; Body: SetOrganizationsBody }>(
    `${BASE}/:runner_group_id/organizations`,
    {
      config: { docs: `${DOCS}#set-organization-access-for-a-self-hosted-runner-group-in-an-enterprise` },
      schema: { response: responses(204), body: setOrganizationsBodySchema },
    },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      await groups.setGroupOrganizations(
        ctx,
        enterprise,
        pathId(request.params.runner_group_id),
        request.body.selected_organization_ids,
        actorOf(request),
      );
      return reply.code(204).send();
    },
  );

  app.put<{ Params: GroupParams & { org_id: string } }>(
    `${BASE}/:runner_group_id/organizations/:org_id`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#add-organization-access-to-a-self-hosted-runner-group-in-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const number = pathId(request.params.runner_group_id);
      await groups.addGroupOrganization(ctx, enterprise, number, pathId(request.params.org_id), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: GroupParams & { org_id: string } }>(
    `${BASE}/:runner_group_id/organizations/:org_id`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#remove-organization-access-to-a-self-hosted-runner-group-in-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const number = pathId(request.params.runner_group_id);
      await groups.removeGroupOrganization(ctx, enterprise, number, pathId(request.params.org_id), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: GroupParams; Querystring: Record<string, unknown> }>(
    `${BASE}/:runner_group_id/runners`,
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#list-self-hosted-runners-in-a-group-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const page = parsePage(request.query);
      const { total, runners } = await groups.listGroupRunners(ctx, enterprise, pathId(request.params.runner_group_id), page);
      setLinkHeader(request, reply, page, total);
      return { total_count: total, runners };
    },
  );

  app.put<{ Params: GroupParams; Body: SetRunnersBody }>(
    `${BASE}/:runner_group_id/runners`,
    { config: { docs: `${DOCS}#set-self-hosted-runners-in-a-group-for-an-enterprise` }, schema: { response: responses(204), body: setRunnersBodySchema } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      await groups.setGroupRunners(ctx, enterprise, pathId(request.params.runner_group_id), request.body.runners, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.put<{ Params: GroupParams & { runner_id: string } }>(
    `${BASE}/:runner_group_id/runners/:runner_id`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#add-a-self-hosted-runner-to-a-group-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const number = pathId(request.params.runner_group_id);
      await groups.addGroupRunner(ctx, enterprise, number, pathId(request.params.runner_id), actorOf(request));
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: GroupParams & { runner_id: string } }>(
    `${BASE}/:runner_group_id/runners/:runner_id`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#remove-a-self-hosted-runner-from-a-group-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseOf(request, reply, request.params.enterprise);
      const number = pathId(request.params.runner_group_id);
      await groups.removeGroupRunner(ctx, enterprise, number, pathId(request.params.runner_id), actorOf(request));
      return reply.code(204).send();
    },
  );
}
