/**
 * Attribute names as text: `[URI ":"] ATTRNAME ["." ATTRNAME]` (RFC 7644 §3.4.2.2; RFC 7643 §2.1).
 * Used by the filter parser and wherever a path arrives as a plain string (PATCH value keys such
 * as Entra's `name.givenName`, `attributes=` lists).
 */
import type { AttributePath } from './ast.ts';

/** `ATTRNAME = ALPHA *(nameChar)`, plus the leading `$` of `$ref` (RFC 7643 §2.1). */
const ATTRNAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
/** A URI scheme and a non-empty remainder; SCIM uses URNs, but the grammar allows any URI. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/**
 * Split attribute text into its parts; undefined when it is not a well-formed attribute path.
 * The URN prefix ends at the last `:`, since attribute names cannot contain one.
 *
 * @param text - e.g. `userName`, `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`
 */
export function parseAttributePath(text: string): AttributePath | undefined {
  const colon = text.lastIndexOf(':');
  const uri = colon === -1 ? undefined : text.slice(0, colon);
  if (uri !== undefined && !URI.test(uri)) return undefined;
  const parts = text.slice(colon + 1).split('.');
  const [name, subAttr, ...rest] = parts;
  if (name === undefined || !ATTRNAME.test(name) || rest.length > 0) return undefined;
  if (subAttr !== undefined && !ATTRNAME.test(subAttr)) return undefined;
  return {
    ...(uri === undefined ? {} : { uri }),
    name,
    ...(subAttr === undefined ? {} : { subAttr }),
  };
}

/** Inverse of `parseAttributePath`. */
export function formatAttributePath(path: AttributePath): string {
  const prefix = path.uri === undefined ? '' : `${path.uri}:`;
  const suffix = path.subAttr === undefined ? '' : `.${path.subAttr}`;
  return `${prefix}${path.name}${suffix}`;
}

/** Whether `name` is a syntactically valid single attribute name. */
export function isAttributeName(name: string): boolean {
  return ATTRNAME.test(name);
}
