/**
 * Conditional requests on SCIM resources (RFC 7644 §3.14 with RFC 7232): `ETag: W/"<version>"` on every resource
 * response, `If-None-Match` on GET (304 when it matches), `If-Match` on PUT, PATCH and DELETE (412 when it does not).
 * SCIM's ETags are weak, and RFC 7644's own examples send them in `If-Match`, so both headers compare weakly.
 * No identity provider sends either header (idp-quirks.md X12); without them nothing is checked.
 */
import type { FastifyRequest } from 'fastify';
import type { VersionCheck } from '../../domain/scim/transaction.ts';

/** The entity tags of an `If-Match` / `If-None-Match` header, opaque parts only; `*` matches anything. */
function parseTags(header: string): string[] | '*' {
  if (header.trim() === '*') return '*';
  const tags: string[] = [];
  for (const match of header.matchAll(/\s*(?:W\/)?"([^"]*)"\s*(?:,|$)|\s*(?:W\/)?([^\s,"]+)\s*(?:,|$)/g)) {
    tags.push(match[1] ?? match[2] ?? '');
  }
  return tags;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function matches(tags: string[] | '*', version: number): boolean {
  return tags === '*' || tags.includes(String(version));
}

/** `If-Match` as a check the service runs against the stored version inside its transaction. */
export function ifMatchOf(request: FastifyRequest): VersionCheck | undefined {
  const value = header(request, 'if-match');
  if (value === undefined || value.trim() === '') return undefined;
  const tags = parseTags(value);
  return (version) => matches(tags, version);
}

/** Whether `If-None-Match` matches the current version (a GET then answers 304). */
export function ifNoneMatchHits(request: FastifyRequest, version: number): boolean {
  const value = header(request, 'if-none-match');
  if (value === undefined || value.trim() === '') return false;
  return matches(parseTags(value), version);
}
