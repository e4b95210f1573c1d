/**
 * Enterprise billing (openapi-contract §2, github-semantics §2):
 * - GET `/enterprises/{enterprise}/settings/billing/actions|packages|shared-storage`: the legacy endpoints, last in
 *   `@octokit/openapi@21.0.0`, for the current billing cycle;
 * - GET `/enterprises/{enterprise}/settings/billing/usage` and `/usage/summary`: the enhanced-billing reports;
 * - POST `/enterprises/{enterprise}/settings/billing/usage`: Gatehouse extension recording usage (201 `{imported}`).
 * Reading needs an enterprise owner or billing manager; recording needs an owner (a billing manager gets 403).
 * Everyone else gets 404; a token without `manage_billing:enterprise` (or `admin:enterprise`) gets 403.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enterpriseRoleOf } from '../../domain/accounts/accounts.ts';
import { recordUsage } from '../../domain/billing/record.ts';
import type { RawUsageItem } from '../../domain/billing/items.ts';
import {
  actionsBilling,
  packagesBilling,
  resolvePeriod,
  sharedStorageBilling,
  usageReport,
  usageSummary,
} from '../../domain/billing/reports.ts';
import { ApiError } from '../../errors/api-error.ts';
import { actorOf, enterpriseFor, principalOf, type EnterpriseAccess } from '../../http/access.ts';
import { responses } from '../../http/openapi.ts';

const LEGACY_DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/billing';
const USAGE_DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/billing/usage';

const READ: EnterpriseAccess = { roles: ['owner', 'billing_manager'], scopes: ['manage_billing:enterprise'] };

/** Most items one POST may record; larger loads go through `gatehouse usage import`. */
const MAX_POST_ITEMS = 10000;

type EnterpriseParams = { Params: { enterprise: string } };

function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/** An optional integer query parameter; anything else answers 400 (the spec documents 400 for these endpoints). */
function intParam(request: FastifyRequest, name: string): number | undefined {
  const value = queryOf(request)[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,4}$/.test(value)) throw new ApiError(400, `${name} must be an integer`, { code: 'bad_period' });
  return Number(value);
}

function textParam(request: FastifyRequest, name: string): string | undefined {
  const value = queryOf(request)[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ApiError(400, `${name} must be given once`, { code: 'bad_query' });
  return value;
}

export function billingRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  app.get<EnterpriseParams>(
    '/enterprises/:enterprise/settings/billing/actions',
    { schema: { response: responses(200) }, config: { docs: `${LEGACY_DOCS}#get-github-actions-billing-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      return actionsBilling(ctx, enterprise);
    },
  );

  app.get<EnterpriseParams>(
    '/enterprises/:enterprise/settings/billing/packages',
    { schema: { response: responses(200) }, config: { docs: `${LEGACY_DOCS}#get-github-packages-billing-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      return packagesBilling(ctx, enterprise);
    },
  );

  app.get<EnterpriseParams>(
    '/enterprises/:enterprise/settings/billing/shared-storage',
    { schema: { response: responses(200) }, config: { docs: `${LEGACY_DOCS}#get-shared-storage-billing-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      return sharedStorageBilling(ctx, enterprise);
    },
  );

  app.get<EnterpriseParams>(
    '/enterprises/:enterprise/settings/billing/usage',
    { schema: { response: responses(200) }, config: { docs: `${USAGE_DOCS}#get-billing-usage-report-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      const period = resolvePeriod(
        { year: intParam(request, 'year'), month: intParam(request, 'month'), day: intParam(request, 'day') },
        ctx.clock.now(),
        false,
      );
      return usageReport(ctx, enterprise, period, textParam(request, 'cost_center_id'));
    },
  );

  app.get<EnterpriseParams>(
    '/enterprises/:enterprise/settings/billing/usage/summary',
    { schema: { response: responses(200) }, config: { docs: `${USAGE_DOCS}#get-billing-usage-summary-for-an-enterprise` } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      const period = resolvePeriod(
        { year: intParam(request, 'year'), month: intParam(request, 'month'), day: intParam(request, 'day') },
        ctx.clock.now(),
        true,
      );
      return usageSummary(ctx, enterprise, period, {
        organization: textParam(request, 'organization'),
        repository: textParam(request, 'repository'),
        product: textParam(request, 'product'),
        sku: textParam(request, 'sku'),
        costCenterId: textParam(request, 'cost_center_id'),
      });
    },
  );

  app.post<EnterpriseParams & { Body: { usageItems: RawUsageItem[] } }>(
    '/enterprises/:enterprise/settings/billing/usage',
    {
      config: { docs: USAGE_DOCS },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['usageItems'],
          properties: { usageItems: { type: 'array', minItems: 1, maxItems: MAX_POST_ITEMS, items: { type: 'object' } } },
        },
      },
    },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, READ);
      const { user } = principalOf(request);
      if (user.site_admin !== 1 && (await enterpriseRoleOf(ctx.db, enterprise.id, user.id)) !== 'owner') {
        throw new ApiError(403, 'Must be an enterprise owner to record usage', { code: 'forbidden' });
      }
      const result = await recordUsage(ctx, enterprise, request.body.usageItems, actorOf(request));
      return reply.code(201).send(result);
    },
  );
}
