/**
 * GitHub REST pagination: `per_page` (default 30, at most 100) and `page` (from 1), and the `Link` header with
 * `prev`, `next`, `last`, `first` in GitHub's order, omitted when everything fits on one page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface Page {
  page: number;
  perPage: number;
  offset: number;
}

function positiveInt(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/**
 * The largest page read: any page past the data is an empty list, as on GitHub, so a larger one (up to
 * `page=99999999999999999999999`) answers as this one does; it keeps the row offset a safe 32-bit integer on both stores.
 */
export const MAX_PAGE = 10_000_000;

/**
 * Reads `page` and `per_page`; values GitHub would ignore (non-numbers, fractions, negatives, zero) fall back to the
 * defaults, `per_page` is at most 100 and `page` at most MAX_PAGE
 * (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 */
export function parsePage(query: unknown, defaultPerPage = 30): Page {
  const q = (query ?? {}) as Record<string, unknown>;
  const perPage = Math.min(100, positiveInt(q.per_page) ?? defaultPerPage);
  const page = Math.min(MAX_PAGE, positiveInt(q.page) ?? 1);
  return { page, perPage, offset: (page - 1) * perPage };
}

/** The public URL of this request with `page` set to `page`. */
function pageUrl(request: FastifyRequest, page: number): string {
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('page', String(page));
  const path = request.url.startsWith('/api/v3/') ? url.pathname.slice('/api/v3'.length) : url.pathname;
  return `${request.apiBase}${path}?${url.searchParams.toString()}`;
}

/** Sets the `Link` header for a page of `total` items. */
export function setLinkHeader(request: FastifyRequest, reply: FastifyReply, page: Page, total: number): void {
  const last = Math.max(1, Math.ceil(total / page.perPage));
  if (last <= 1 && page.page <= 1) return;
  const links: string[] = [];
  if (page.page > 1) links.push(`<${pageUrl(request, Math.min(page.page - 1, last))}>; rel="prev"`);
  if (page.page < last) links.push(`<${pageUrl(request, page.page + 1)}>; rel="next"`);
  if (page.page < last) links.push(`<${pageUrl(request, last)}>; rel="last"`);
  if (page.page > 1) links.push(`<${pageUrl(request, 1)}>; rel="first"`);
  if (links.length > 0) reply.header('link', links.join(', '));
}

/** Sets a cursor-style `Link` header carrying only `rel="next"` (external groups). */
export function setNextCursorLink(request: FastifyRequest, reply: FastifyReply, nextCursor: string | undefined): void {
  if (nextCursor === undefined) return;
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('page', nextCursor);
  const path = request.url.startsWith('/api/v3/') ? url.pathname.slice('/api/v3'.length) : url.pathname;
  reply.header('link', `<${request.apiBase}${path}?${url.searchParams.toString()}>; rel="next"`);
}
