/**
 * The SCIM 2.0 HTTP surface (RFC 7644), one route tree per mount (`dialects/mounts.ts`), each request answered by
 * the dialect its mount resolves. Routes only parse, resolve tenant and dialect (which authorizes), call the
 * services in `src/domain/scim/` and map to the wire; errors go through the SCIM error handler installed on this
 * encapsulated plugin.
 *
 * Per mount `M` (`/scim/v2`, `/scim/v2/enterprises/:enterprise`), at the root and under `/api/v3`:
 * - `GET M/Users`, `POST M/Users/.search` (200 ListResponse), `POST M/Users` (201), `GET|PUT|PATCH M/Users/:scim_user_id`
 *   (200; GET 304 on `If-None-Match`), `DELETE M/Users/:scim_user_id` (204);
 * - the same for `Groups`, except PATCH, which answers 204 (or 200 when the request asks for a representation with
 *   `attributes`/`excludedAttributes`; `ScimDialect.groupPatchResponse`);
 * - `POST M/.search` (RFC 7644 §3.4.3): Users then Groups in one ListResponse; a filter that names attributes only
 *   one resource type has (`userName eq "x"`) matches nothing of the other; invalid for both is 400 `invalidFilter`;
 * - `GET M/ServiceProviderConfig`, `M/ResourceTypes[/:name]`, `M/Schemas[/:id]`.
 * Success bodies are `application/scim+json; charset=utf-8`; single resources carry `ETag: W/"<version>"`, and
 * PUT, PATCH and DELETE honour `If-Match` (412). Requests may be `application/scim+json` or `application/json`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as groups from '../domain/scim/groups.ts';
import * as users from '../domain/scim/users.ts';
import { actorOf } from '../http/access.ts';
import { noteScimDialect } from '../http/metrics.ts';
import type { ScimTenant } from '../domain/scim/types.ts';
import { ScimError, buildListResponse, isAttributeReturned, type JsonObject, type ResourceSchema } from './engine/index.ts';
import type { ScimDialect, ScimResourceKind } from './dialects/dialect.ts';
import { SCIM_MOUNTS, type ScimMount } from './dialects/mounts.ts';
import { ifMatchOf, ifNoneMatchHits } from './http/conditional.ts';
import { resourceType, resourceTypeList, schemaById, schemaList, serviceProviderConfig } from './http/discovery.ts';
import { renderScimError, SCIM_CONTENT_TYPE } from './http/errors.ts';
import { listRequestFromQuery, listRequestFromSearch, parseScimFilter, parseSearchBody, projectionFromQuery, type ListRequest } from './http/query.ts';
import { etagOf, groupResource, project, userResource } from './http/representation.ts';
import { keptBeside } from '../storage/read-cache.ts';
import { scimResponses } from '../http/openapi.ts';

const ROUTE_CONFIG = {
  rateResource: 'scim',
  surface: 'scim' as const,
  docs: 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim',
};

type Query = Record<string, unknown>;
/** Path parameters named as in GitHub's description (`{scim_user_id}`, `{scim_group_id}`). */
type UserParams = { scim_user_id: string };
type GroupParams = { scim_group_id: string };

function send(reply: FastifyReply, status: number, body: unknown, version?: number): FastifyReply {
  if (version !== undefined) reply.header('etag', etagOf(version));
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

/**
 * A resource read by id is the same JSON until the store changes: on SQLite the read cache hands back the same view
 * object for every GET in between (src/storage/read-cache.ts), so its rendering per dialect, base URL and projection
 * is kept beside it (`keptBeside`) and serialised once. Elsewhere each view is fresh and this is a pass-through.
 */
function renderedOnce(view: object, request: FastifyRequest<{ Querystring: Query }>, dialect: ScimDialect, tenant: ScimTenant, render: () => JsonObject): string {
  const { attributes, excludedAttributes } = request.query;
  const key = `${dialect.name}\u0000${tenant.baseUrl}\u0000${JSON.stringify([attributes, excludedAttributes])}`;
  return keptBeside(view, key, () => JSON.stringify(render()));
}

function schemaFor(dialect: ScimDialect, kind: ScimResourceKind): ResourceSchema {
  const schema = kind === 'User' ? dialect.rules.userSchema : dialect.rules.groupSchema;
  if (schema === undefined) throw ScimError.notFound(`This SCIM service has no ${kind}s`);
  return schema;
}

/** Whether the request asks for a representation shaped by `attributes` / `excludedAttributes`. */
function asksForRepresentation(query: Query): boolean {
  return query.attributes !== undefined || query.excludedAttributes !== undefined;
}

function registerMount(app: FastifyInstance, mount: ScimMount, dialects: WeakMap<FastifyRequest, ScimDialect>): void {
  const ctx = app.gh;
  const base = mount.prefix;
  const config = { config: ROUTE_CONFIG };

  const resolve = async (request: FastifyRequest, reply: FastifyReply): Promise<{ dialect: ScimDialect; tenant: ScimTenant }> => {
    if (mount.dialect !== undefined) {
      dialects.set(request, mount.dialect);
      noteScimDialect(request, mount.dialect.name);
    }
    const resolved = await mount.resolve(ctx, request, reply);
    dialects.set(request, resolved.dialect);
    noteScimDialect(request, resolved.dialect.name);
    return resolved;
  };

  const writeOptions = (request: FastifyRequest, withRelations: boolean) => ({
    strict: ctx.config.strictScim,
    actor: actorOf(request),
    ifMatch: ifMatchOf(request),
    withRelations,
  });

  // ---- Discovery (RFC 7644 §4) -------------------------------------------------------------------------------

  app.get(`${base}/ServiceProviderConfig`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return send(reply, 200, serviceProviderConfig(dialect, tenant.baseUrl));
  });

  app.get(`${base}/ResourceTypes`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return send(reply, 200, resourceTypeList(dialect, tenant.baseUrl));
  });

  app.get<{ Params: { name: string } }>(`${base}/ResourceTypes/:name`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const found = resourceType(dialect, tenant.baseUrl, request.params.name);
    if (found === undefined) throw ScimError.notFound(`No resource type ${request.params.name}`);
    return send(reply, 200, found);
  });

  app.get(`${base}/Schemas`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return send(reply, 200, schemaList(dialect, tenant.baseUrl, ctx.config.strictScim));
  });

  app.get<{ Params: { id: string } }>(`${base}/Schemas/:id`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const found = schemaById(dialect, tenant.baseUrl, request.params.id, ctx.config.strictScim);
    if (found === undefined) throw ScimError.notFound(`No schema ${request.params.id}`);
    return send(reply, 200, found);
  });

  // ---- Search across resource types (RFC 7644 §3.4.3) ----------------------------------------------------------

  app.post(`${base}/.search`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const search = parseSearchBody(request.body, dialect, ctx.config.strictScim);
    const kinds: ScimResourceKind[] = dialect.rules.groupSchema === undefined ? ['User'] : ['User', 'Group'];
    // Validate the filter for each type; a type it does not fit contributes nothing.
    const filters = new Map<ScimResourceKind, ListRequest['filter']>();
    let firstError: unknown;
    for (const kind of kinds) {
      try {
        filters.set(kind, parseScimFilter(search.filterText, schemaFor(dialect, kind), dialect));
      } catch (error) {
        if (!(error instanceof ScimError) || error.scimType !== 'invalidFilter') throw error;
        firstError ??= error;
      }
    }
    if (filters.size === 0) throw firstError;
    const { startIndex, count } = search.params;
    const resources: JsonObject[] = [];
    let total = 0;
    for (const kind of kinds) {
      if (!filters.has(kind)) continue;
      // The window of this type: what is left of the page, from where the previous types ended.
      const offset = Math.max(0, startIndex - 1 - total);
      const limit = count - resources.length;
      const query = { filter: filters.get(kind), startIndex: offset + 1, count: limit, withRelations: isAttributeReturned(schemaFor(dialect, kind), search.projection, kind === 'User' ? 'groups' : 'members') };
      if (kind === 'User') {
        const page = await users.listUsers(ctx, dialect.rules, tenant, query);
        total += page.total;
        resources.push(...page.users.map((view) => project(userResource(view, tenant, dialect), 'User', dialect, search.projection)));
      } else {
        const page = await groups.listGroups(ctx, dialect.rules, tenant, query);
        total += page.total;
        resources.push(...page.groups.map((view) => project(groupResource(view, tenant, dialect), 'Group', dialect, search.projection)));
      }
    }
    return send(reply, 200, buildListResponse(resources, total, startIndex));
  });

  // ---- Users (RFC 7644 §3.3–§3.6) ----------------------------------------------------------------------------

  const listUsers = async (reply: FastifyReply, dialect: ScimDialect, tenant: ScimTenant, list: ListRequest): Promise<FastifyReply> => {
    const schema = schemaFor(dialect, 'User');
    const withRelations = isAttributeReturned(schema, list.projection, 'groups');
    const { total, users: views } = await users.listUsers(ctx, dialect.rules, tenant, {
      filter: list.filter,
      startIndex: list.params.startIndex,
      count: list.params.count,
      withRelations,
    });
    const resources = views.map((view) => project(userResource(view, tenant, dialect), 'User', dialect, list.projection));
    return send(reply, 200, buildListResponse(resources, total, list.params.startIndex));
  };

  app.get<{ Querystring: Query }>(`${base}/Users`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return listUsers(reply, dialect, tenant, listRequestFromQuery(request.query, schemaFor(dialect, 'User'), dialect));
  });

  app.post(`${base}/Users/.search`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return listUsers(reply, dialect, tenant, listRequestFromSearch(request.body, schemaFor(dialect, 'User'), dialect, ctx.config.strictScim));
  });

  const userOut = (request: FastifyRequest<{ Querystring: Query }>, dialect: ScimDialect, tenant: ScimTenant, view: users.UserView): JsonObject =>
    project(userResource(view, tenant, dialect), 'User', dialect, projectionFromQuery(request.query));

  const userRelations = (request: FastifyRequest<{ Querystring: Query }>, dialect: ScimDialect): boolean =>
    isAttributeReturned(schemaFor(dialect, 'User'), projectionFromQuery(request.query), 'groups');

  app.post<{ Querystring: Query }>(`${base}/Users`, { ...config, schema: { response: scimResponses(201) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const view = await users.createUser(ctx, dialect.rules, tenant, request.body, writeOptions(request, userRelations(request, dialect)));
    const body = userOut(request, dialect, tenant, view);
    reply.header('location', `${tenant.baseUrl}/Users/${view.user.scimId}`);
    return send(reply, 201, body, view.user.version);
  });

  app.get<{ Params: UserParams; Querystring: Query }>(`${base}/Users/:scim_user_id`, { ...config, schema: { response: scimResponses(200, 304) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const view = await users.getUser(ctx, tenant, request.params.scim_user_id, userRelations(request, dialect));
    if (ifNoneMatchHits(request, view.user.version)) return reply.code(304).header('etag', etagOf(view.user.version)).send();
    return send(reply, 200, renderedOnce(view, request, dialect, tenant, () => userOut(request, dialect, tenant, view)), view.user.version);
  });

  app.put<{ Params: UserParams; Querystring: Query }>(`${base}/Users/:scim_user_id`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const result = await users.replaceUser(ctx, dialect.rules, tenant, request.params.scim_user_id, request.body, writeOptions(request, userRelations(request, dialect)));
    return send(reply, 200, userOut(request, dialect, tenant, result), result.user.version);
  });

  app.patch<{ Params: UserParams; Querystring: Query }>(`${base}/Users/:scim_user_id`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const result = await users.patchUser(ctx, dialect.rules, tenant, request.params.scim_user_id, request.body, writeOptions(request, userRelations(request, dialect)));
    return send(reply, 200, userOut(request, dialect, tenant, result), result.user.version);
  });

  app.delete<{ Params: UserParams }>(`${base}/Users/:scim_user_id`, { ...config, schema: { response: scimResponses(204) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    await users.deleteUser(ctx, dialect.rules, tenant, request.params.scim_user_id, { actor: actorOf(request), ifMatch: ifMatchOf(request) });
    return reply.code(204).send();
  });

  // ---- Groups ------------------------------------------------------------------------------------------------

  const listGroups = async (reply: FastifyReply, dialect: ScimDialect, tenant: ScimTenant, list: ListRequest): Promise<FastifyReply> => {
    const schema = schemaFor(dialect, 'Group');
    // Entra reads groups with `excludedAttributes=members`: then no member is loaded at all.
    const withRelations = isAttributeReturned(schema, list.projection, 'members');
    const { total, groups: views } = await groups.listGroups(ctx, dialect.rules, tenant, {
      filter: list.filter,
      startIndex: list.params.startIndex,
      count: list.params.count,
      withRelations,
    });
    const resources = views.map((view) => project(groupResource(view, tenant, dialect), 'Group', dialect, list.projection));
    return send(reply, 200, buildListResponse(resources, total, list.params.startIndex));
  };

  app.get<{ Querystring: Query }>(`${base}/Groups`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return listGroups(reply, dialect, tenant, listRequestFromQuery(request.query, schemaFor(dialect, 'Group'), dialect));
  });

  app.post(`${base}/Groups/.search`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    return listGroups(reply, dialect, tenant, listRequestFromSearch(request.body, schemaFor(dialect, 'Group'), dialect, ctx.config.strictScim));
  });

  const groupOut = (request: FastifyRequest<{ Querystring: Query }>, dialect: ScimDialect, tenant: ScimTenant, view: groups.GroupView): JsonObject =>
    project(groupResource(view, tenant, dialect), 'Group', dialect, projectionFromQuery(request.query));

  const groupRelations = (request: FastifyRequest<{ Querystring: Query }>, dialect: ScimDialect): boolean =>
    isAttributeReturned(schemaFor(dialect, 'Group'), projectionFromQuery(request.query), 'members');

  app.post<{ Querystring: Query }>(`${base}/Groups`, { ...config, schema: { response: scimResponses(201) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const view = await groups.createGroup(ctx, dialect.rules, tenant, request.body, writeOptions(request, groupRelations(request, dialect)));
    reply.header('location', `${tenant.baseUrl}/Groups/${view.group.scimId}`);
    return send(reply, 201, groupOut(request, dialect, tenant, view), view.group.version);
  });

  app.get<{ Params: GroupParams; Querystring: Query }>(`${base}/Groups/:scim_group_id`, { ...config, schema: { response: scimResponses(200, 304) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    schemaFor(dialect, 'Group');
    const view = await groups.getGroup(ctx, tenant, request.params.scim_group_id, groupRelations(request, dialect));
    if (ifNoneMatchHits(request, view.group.version)) return reply.code(304).header('etag', etagOf(view.group.version)).send();
    return send(reply, 200, renderedOnce(view, request, dialect, tenant, () => groupOut(request, dialect, tenant, view)), view.group.version);
  });

  app.put<{ Params: GroupParams; Querystring: Query }>(`${base}/Groups/:scim_group_id`, { ...config, schema: { response: scimResponses(200) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const view = await groups.replaceGroup(ctx, dialect.rules, tenant, request.params.scim_group_id, request.body, writeOptions(request, groupRelations(request, dialect)));
    return send(reply, 200, groupOut(request, dialect, tenant, view), view.group.version);
  });

  app.patch<{ Params: GroupParams; Querystring: Query }>(`${base}/Groups/:scim_group_id`, { ...config, schema: { response: scimResponses(200, 204) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    const representation = dialect.groupPatchResponse === 'resource' || asksForRepresentation(request.query);
    const view = await groups.patchGroup(ctx, dialect.rules, tenant, request.params.scim_group_id, request.body, writeOptions(request, representation && groupRelations(request, dialect)));
    if (!representation) return reply.code(204).header('etag', etagOf(view.group.version)).send();
    return send(reply, 200, groupOut(request, dialect, tenant, view), view.group.version);
  });

  app.delete<{ Params: GroupParams }>(`${base}/Groups/:scim_group_id`, { ...config, schema: { response: scimResponses(204) } }, async (request, reply) => {
    const { dialect, tenant } = await resolve(request, reply);
    await groups.deleteGroup(ctx, dialect.rules, tenant, request.params.scim_group_id, { actor: actorOf(request), ifMatch: ifMatchOf(request) });
    return reply.code(204).send();
  });
}

/**
 * The SCIM route family: an encapsulated plugin with its own error handler (SCIM bodies, `http/errors.ts`) holding
 * every mount's routes.
 */
export function scimRoutes(app: FastifyInstance): void {
  void app.register(async (scope) => {
    const dialects = new WeakMap<FastifyRequest, ScimDialect>();
    scope.setErrorHandler((error, request, reply) => renderScimError(error, request, reply, dialects.get(request)));
    for (const mount of SCIM_MOUNTS) registerMount(scope, mount, dialects);
  });
}
