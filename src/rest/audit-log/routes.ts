/**
 * `GET /enterprises/{enterprise}/audit-log` (enterprise-admin/get-audit-log): the events every change writes, newest
 * first, filtered by GitHub's `phrase` syntax (action, actor, user, org, created qualifiers, `-` negation), paged by
 * opaque `after`/`before` cursors (and `page`), with a cursor `Link` header.
 */
import type { FastifyInstance } from 'fastify';
import { PhraseError, queryAudit } from '../../domain/audit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { enterpriseFor } from '../../http/access.ts';
import { parsePage } from '../../http/pagination.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/audit-log#get-the-audit-log-for-an-enterprise';

function encodeCursor(id: number): string {
  return Buffer.from(`gh:${id}`).toString('base64url');
}

function decodeCursor(cursor: unknown): number | undefined {
  if (cursor === undefined) return undefined;
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^gh:(\d+)$/.exec(text);
  if (match?.[1] === undefined) throw new ApiError(422, 'Invalid cursor', { code: 'invalid_cursor' });
  return Number(match[1]);
}

export function auditLogRoutes(app: FastifyInstance): void {
  const ctx = app.gh;
  app.get<{ Params: { enterprise: string }; Querystring: Record<string, string | undefined> }>(
    '/enterprises/:enterprise/audit-log',
    { schema: { response: responses(200) }, config: { docs: DOCS } },
    async (request, reply) => {
      const enterprise = await enterpriseFor(ctx.db, request, reply, request.params.enterprise, {
        roles: ['owner'],
        scopes: ['read:audit_log', 'admin:enterprise'],
      });
      const q = request.query;
      const order = q.order ?? 'desc';
      if (order !== 'asc' && order !== 'desc') throw new ApiError(422, 'order must be asc or desc', { code: 'invalid' });
      const include = q.include ?? 'web';
      if (!['web', 'git', 'all'].includes(include)) throw new ApiError(422, 'include must be web, git or all', { code: 'invalid' });
      const page = parsePage(q);
      const afterId = decodeCursor(q.after);
      const beforeId = decodeCursor(q.before);
      const usingCursor = afterId !== undefined || beforeId !== undefined;
      let result;
      try {
        // Gatehouse records no git events, so `include=git` is an empty list.
        result = include === 'git'
          ? { events: [], more: false }
          : await queryAudit(ctx.db, { enterpriseId: enterprise.id, phrase: q.phrase, order, afterId, beforeId, offset: usingCursor ? 0 : page.offset, limit: page.perPage });
      } catch (error) {
        if (error instanceof PhraseError) throw new ApiError(422, `Invalid phrase: ${error.message}`, { code: 'invalid_phrase' });
        throw error;
      }
      const { events, more } = result;
      const last = events.at(-1);
      const first = events.at(0);
      const links: string[] = [];
      const link = (params: Record<string, string>, rel: string): string => {
        const url = new URL(request.url, 'http://placeholder');
        url.searchParams.delete('after');
        url.searchParams.delete('before');
        url.searchParams.delete('page');
        for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
        const path = request.url.startsWith('/api/v3/') ? url.pathname.slice('/api/v3'.length) : url.pathname;
        return `<${request.apiBase}${path}?${url.searchParams.toString()}>; rel="${rel}"`;
      };
      const hasNext = beforeId === undefined ? more : true;
      const hasPrev = beforeId !== undefined ? more : afterId !== undefined || page.page > 1;
      if (hasNext && last !== undefined) links.push(link({ after: encodeCursor(last.id) }, 'next'));
      if (hasPrev && first !== undefined) links.push(link({ before: encodeCursor(first.id) }, 'prev'));
      if (links.length > 0) reply.header('link', links.join(', '));
      return events.map((e) => {
        const data = JSON.parse(e.data) as Record<string, unknown>;
        return {
          ...data,
          '@timestamp': Number(e.created_at),
          _document_id: e.document_id,
          action: e.action,
          actor: e.actor ?? undefined,
          actor_id: e.actor_id ?? undefined,
          user: e.user ?? undefined,
          user_id: e.user_id ?? undefined,
          org: e.org_login ?? undefined,
          org_id: e.org_id ?? undefined,
          business: e.business ?? undefined,
          business_id: e.enterprise_id ?? undefined,
          created_at: Number(e.created_at),
          operation_type: e.action.endsWith('.create') ? 'create' : e.action.includes('remove') || e.action.endsWith('.destroy') || e.action.endsWith('.delete') ? 'remove' : 'modify',
        };
      });
    },
  );
}
