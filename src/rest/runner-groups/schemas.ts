/**
 * Request bodies of the enterprise runner-group operations, as JSON Schemas for Fastify's validator (a wrong type
 * answers 422 "Invalid request.") and the TypeScript types they admit. Shapes follow OA-GHEC
 * (openapi-contract.md §4): create requires `name`; the update body is optional and has no required field; the set
 * operations require their list.
 */
import type { RunnerGroupVisibility } from '../../domain/runner-groups/service.ts';

const ids = { type: 'array', items: { type: 'integer' } } as const;
const workflows = { type: 'array', items: { type: 'string' } } as const;
const visibility = { type: 'string', enum: ['selected', 'all'] } as const;

export interface CreateBody {
  name: string;
  visibility?: RunnerGroupVisibility;
  selected_organization_ids?: number[];
  runners?: number[];
  allows_public_repositories?: boolean;
  restricted_to_workflows?: boolean;
  selected_workflows?: string[];
  network_configuration_id?: string;
}

export const createBodySchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    visibility,
    selected_organization_ids: ids,
    runners: ids,
    allows_public_repositories: { type: 'boolean' },
    restricted_to_workflows: { type: 'boolean' },
    selected_workflows: workflows,
    network_configuration_id: { type: 'string' },
  },
} as const;

export interface UpdateBody {
  name?: string;
  visibility?: RunnerGroupVisibility;
  allows_public_repositories?: boolean;
  restricted_to_workflows?: boolean;
  selected_workflows?: string[];
  network_configuration_id?: string | null;
}

export const updateBodySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    visibility,
    allows_public_repositories: { type: 'boolean' },
    restricted_to_workflows: { type: 'boolean' },
    selected_workflows: workflows,
    network_configuration_id: { type: ['string', 'null'] },
  },
} as const;

export interface SetOrganizationsBody {
  selected_organization_ids: number[];
}

export const setOrganizationsBodySchema = {
  type: 'object',
  required: ['selected_organization_ids'],
  properties: { selected_organization_ids: ids },
} as const;

export interface SetRunnersBody {
  runners: number[];
}

export const setRunnersBodySchema = {
  type: 'object',
  required: ['runners'],
  properties: { runners: ids },
} as const;
