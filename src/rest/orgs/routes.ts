/**
 * Organization profile, membership and invitation reads (docs.github.com/enterprise-cloud@latest/rest/orgs/orgs and
 * …/rest/orgs/members), and accepting one's own invitation (`PATCH /user/memberships/orgs/{org}`), so that what
 * provisioning and team changes did is visible through GitHub's own endpoints.
 *
 * Access:
 * - `GET /orgs/{org}` is public profile data for any authenticated caller, as on GitHub; owners whose token has
 *   `admin:org` also get the owner-only fields (plan, seats, member policies).
 * - member lists and memberships need the caller to be a member, an owner, an owner of the enterprise or a site
 *   administrator (otherwise 404) and `read:org` (otherwise 403). Pending memberships are shown to owners only.
 * - `GET /orgs/{org}/members/{username}` redirects (302) callers who are not members to the public-membership URL,
 *   as GitHub does; Gatehouse keeps every membership concealed, so that URL answers 404.
 * - invitations are for owners.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findOrganization, findOrganizationById, findUserByLogin } from '../../domain/accounts/accounts.ts';
import {
  acceptOrgInvitation,
  findOrgInvitation,
  listInvitationTeams,
  listOrgInvitations,
  listOrgMembers,
  orgMembershipOf,
  orgStandingOf,
} from '../../domain/orgs/service.ts';
import { selectUsersByIds } from '../../domain/orgs/repository.ts';
import { MAX_ID } from '../../domain/teams/service.ts';
import { notFound, validationFailed } from '../../errors/api-error.ts';
import { actorOf, orgFor, principalOf, requireScopes } from '../../http/access.ts';
import { parsePage, setLinkHeader } from '../../http/pagination.ts';
import { toSimpleUser } from '../shapes.ts';
import { toTeam } from '../teams/shapes.ts';
import { toOrganizationFull, toOrganizationInvitation, toOrgMembership } from './shapes.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/orgs';
const MEMBERS = { roles: ['admin', 'member'] as const, scopes: ['read:org'] };
const OWNERS = { roles: ['admin'] as const, scopes: ['read:org'] };

function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

function badFilter(field: string, allowed: readonly string[]): never {
  throw validationFailed([{ resource: 'Organization', field, code: 'invalid', message: `${field} must be one of: ${allowed.join(', ')}` }]);
}

const MEMBER_ROLES = ['all', 'admin', 'member'] as const;
const MEMBER_FILTERS = ['all', '2fa_disabled', '2fa_insecure'] as const;
const INVITATION_ROLES = ['all', 'admin', 'direct_member', 'billing_manager', 'hiring_manager'] as const;
const INVITATION_SOURCES = ['all', 'member', 'scim'] as const;

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0];
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return badFilter(field, allowed);
}

export function orgsRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  app.get<{ Params: { org: string } }>('/orgs/:org', { schema: { response: responses(200) }, config: { docs: `${DOCS}/orgs#get-an-organization` } }, async (request) => {
    const org = await findOrganization(ctx.db, request.params.org);
    if (org === undefined) throw notFound();
    const standing = await orgStandingOf(ctx.db, org, actorOf(request));
    const full = standing.owner && principalOf(request).scopes.has('admin:org');
    const membersCount = full ? (await listOrgMembers(ctx.db, org, undefined, 1, 0)).total : undefined;
    return toOrganizationFull(org, request.apiBase, { private: full, membersCount });
  });

  app.get<{ Params: { org: string } }>('/orgs/:org/members', { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-organization-members` } }, async (request, reply) => {
    const org = await orgFor(ctx.db, request, reply, request.params.org, MEMBERS);
    const query = queryOf(request);
    const role = oneOf('role', query.role, MEMBER_ROLES);
    const filter = oneOf('filter', query.filter, MEMBER_FILTERS);
    const page = parsePage(query);
    if (filter !== 'all') {
      // Two-factor filters are for owners; Gatehouse accounts sign in through the identity provider and have no
      // GitHub two-factor state, so no member matches either filter.
      if (!(await orgStandingOf(ctx.db, org, actorOf(request))).owner) badFilter('filter', ['all']);
      return [];
    }
    const { users, total } = await listOrgMembers(ctx.db, org, role === 'all' ? undefined : (role), page.perPage, page.offset);
    setLinkHeader(request, reply, page, total);
    return users.map((u) => toSimpleUser(u, request.apiBase));
  });

  app.get<{ Params: { org: string; username: string } }>(
    '/orgs/:org/members/:username',
    { schema: { response: responses(204, 302) }, config: { docs: `${DOCS}/members#check-organization-membership-for-a-user` } },
    async (request, reply) => {
      const org = await findOrganization(ctx.db, request.params.org);
      if (org === undefined) throw notFound();
      const standing = await orgStandingOf(ctx.db, org, actorOf(request));
      if (!standing.owner && !standing.member) {
        return reply.code(302).header('location', `${request.apiBase}/orgs/${org.login}/public_members/${request.params.username}`).send();
      }
      requireScopes(request, reply, MEMBERS.scopes);
      const user = await findUserByLogin(ctx.db, request.params.username);
      const membership = user === undefined ? undefined : await orgMembershipOf(ctx.db, org, user);
      if (membership?.state !== 'active') throw notFound();
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { org: string; username: string } }>(
    '/orgs/:org/memberships/:username',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#get-organization-membership-for-a-user` } },
    async (request, reply) => {
      const org = await orgFor(ctx.db, request, reply, request.params.org, MEMBERS);
      const user = await findUserByLogin(ctx.db, request.params.username);
      if (user === undefined) throw notFound();
      const membership = await orgMembershipOf(ctx.db, org, user);
      if (membership === undefined) throw notFound();
      if (membership.state === 'pending' && !(await orgStandingOf(ctx.db, org, actorOf(request))).owner) throw notFound();
      return toOrgMembership(org, user, membership, request.apiBase);
    },
  );

  app.get<{ Params: { org: string } }>(
    '/orgs/:org/invitations',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-pending-organization-invitations` } },
    async (request, reply) => {
      const org = await orgFor(ctx.db, request, reply, request.params.org, OWNERS);
      const query = queryOf(request);
      const role = oneOf('role', query.role, INVITATION_ROLES);
      const source = oneOf('invitation_source', query.invitation_source, INVITATION_SOURCES);
      const page = parsePage(query);
      if (role === 'hiring_manager') return [];
      const { invitations, total } = await listOrgInvitations(
        ctx.db,
        org,
        {
          role: role === 'all' ? undefined : (role),
          sources: source === 'all' ? undefined : source === 'scim' ? ['scim'] : ['member', 'api'],
        },
        page.perPage,
        page.offset,
      );
      setLinkHeader(request, reply, page, total);
      const inviters = await selectUsersByIds(ctx.db, invitations.flatMap((i) => (i.inviter_id === null ? [] : [i.inviter_id])));
      return invitations.map((i) => toOrganizationInvitation(org, i, i.inviter_id === null ? undefined : inviters.get(i.inviter_id), request.apiBase));
    },
  );

  const listTeamsOfInvitation = async (request: FastifyRequest, reply: FastifyReply, orgLogin: string, id: string) => {
    const org = await orgFor(ctx.db, request, reply, orgLogin, OWNERS);
    if (!/^\d{1,10}$/.test(id) || Number(id) > MAX_ID) throw notFound();
    const invitation = await findOrgInvitation(ctx.db, org, Number(id));
    if (invitation === undefined) throw notFound();
    const page = parsePage(queryOf(request));
    const { teams, total } = await listInvitationTeams(ctx.db, invitation, page.perPage, page.offset);
    setLinkHeader(request, reply, page, total);
    const parents = new Map(teams.map((t) => [t.id, t]));
    return teams.map((t) => toTeam(org, t, t.parent_id === null ? undefined : parents.get(t.parent_id), request.apiBase));
  };

  app.get<{ Params: { org: string; invitation_id: string } }>(
    '/orgs/:org/invitations/:invitation_id/teams',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-organization-invitation-teams` } },
    (request, reply) => listTeamsOfInvitation(request, reply, request.params.org, request.params.invitation_id),
  );

  // The id-based form an invitation's `invitation_teams_url` names, as GitHub's does.
  app.get<{ Params: { org_id: string; invitation_id: string } }>(
    '/organizations/:org_id/invitations/:invitation_id/teams',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-organization-invitation-teams` } },
    async (request, reply) => {
      const orgId = request.params.org_id;
      const org = /^\d{1,10}$/.test(orgId) && Number(orgId) <= MAX_ID ? await findOrganizationById(ctx.db, Number(orgId)) : undefined;
      if (org === undefined) throw notFound();
      return listTeamsOfInvitation(request, reply, org.login, request.params.invitation_id);
    },
  );

  app.get<{ Params: { org: string } }>(
    '/user/memberships/orgs/:org',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#get-an-organization-membership-for-the-authenticated-user` } },
    async (request, reply) => {
      requireScopes(request, reply, ['read:org', 'user']);
      const org = await findOrganization(ctx.db, request.params.org);
      if (org === undefined) throw notFound();
      const user = principalOf(request).user;
      const membership = await orgMembershipOf(ctx.db, org, user);
      if (membership === undefined) throw notFound();
      return toOrgMembership(org, user, membership, request.apiBase);
    },
  );

  app.patch<{ Params: { org: string }; Body: { state: 'active' } }>(
    '/user/memberships/orgs/:org',
    {
      config: { docs: `${DOCS}/members#update-an-organization-membership-for-the-authenticated-user` },
      schema: { response: responses(200), body: { type: 'object', required: ['state'], properties: { state: { type: 'string', enum: ['active'] } } } },
    },
    async (request, reply) => {
      requireScopes(request, reply, ['write:org', 'user']);
      const user = principalOf(request).user;
      const membership = await acceptOrgInvitation(ctx, request.params.org, user.login, actorOf(request));
      const org = await findOrganization(ctx.db, request.params.org);
      if (org === undefined) throw notFound();
      return toOrgMembership(org, user, membership, request.apiBase);
    },
  );
}
