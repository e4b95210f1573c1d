/**
 * Checking and completing a User resource for the two "provision and invite" dialects (classic enterprise SCIM,
 * seed 000; organization SCIM, seed 003). Both require `userName`, `name{givenName, familyName}` and `emails`
 * (classic: each email with `value`, `type`, `primary`; org: at least one email with `value`). By default Gatehouse
 * accepts what identity providers send without them (idp-quirks.md §9.1: Entra users without mail, Okta's test suite
 * without `name`); `config.strictScim` rejects them with 400 `invalidValue`, as GitHub documents. Both dialects:
 * - `userName` may change (idp-quirks.md §9.3: only the managed dialect forbids renames);
 * - a PUT without `externalId` keeps the stored one (§9.5), and a PUT or POST without `active` keeps the stored state
 *   (true for a new identity): an omission is not a deprovisioning;
 * - `schemas` is stored as exactly the core User URN (the only one these dialects serve).
 */
import { ScimError, USER_SCHEMA_ID, isJsonObject, type JsonObject, type JsonValue } from '../../../scim/engine/index.ts';
import type { PrepareContext } from '../types.ts';

export function missing(name: string): ScimError {
  return ScimError.invalidValue(`${name} is required`);
}

export function nonEmptyString(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** What strict mode requires of an email entry. */
export type EmailRule = 'value' | 'value-type-primary';

export interface UserRules {
  /** `schemas` must be sent (classic, 2020 contract) or may be omitted (organization SCIM). */
  readonly schemasRequired: boolean;
  readonly email: EmailRule;
}

function checkStrict(input: JsonObject, resource: JsonObject, rules: UserRules, context: PrepareContext): void {
  if (rules.schemasRequired && context.kind !== 'patch') {
    const schemas = input.schemas;
    if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === USER_SCHEMA_ID.toLowerCase())) {
      throw ScimError.invalidValue(`schemas must contain "${USER_SCHEMA_ID}"`);
    }
  }
  const name = resource.name;
  if (!isJsonObject(name)) throw missing('name');
  if (!nonEmptyString(name.givenName)) throw missing('name.givenName');
  if (!nonEmptyString(name.familyName)) throw missing('name.familyName');
  const emails = resource.emails;
  if (!Array.isArray(emails) || emails.length === 0) throw missing('emails');
  emails.forEach((email, index) => {
    if (!isJsonObject(email) || !nonEmptyString(email.value)) throw missing(`emails[${index}].value`);
    if (rules.email === 'value-type-primary') {
      if (!nonEmptyString(email.type)) throw missing(`emails[${index}].type`);
      if (typeof email.primary !== 'boolean') throw missing(`emails[${index}].primary`);
    }
  });
}

/** Key order of stored (and so emitted) resources: GitHub's documented order, then the rest as sent. */
export function ordered(resource: JsonObject, first: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of first) if (resource[key] !== undefined) out[key] = resource[key];
  for (const [key, value] of Object.entries(resource)) if (!(key in out)) out[key] = value;
  return out;
}

/**
 * The common part of both dialects' `prepare`: required attributes (strictly or leniently), `active` and `externalId`
 * defaults, canonical `schemas`. Returns a new object; the dialect adds and orders the rest.
 */
export function prepareUser(input: JsonObject, context: PrepareContext, rules: UserRules): JsonObject {
  const resource: JsonObject = { ...input, schemas: [USER_SCHEMA_ID] };
  if (!nonEmptyString(resource.userName)) throw missing('userName');
  const previous = context.previous;
  if (previous !== undefined && context.kind === 'replace' && resource.externalId === undefined && previous.externalId !== undefined) {
    resource.externalId = previous.externalId;
  }
  if (resource.active === undefined) resource.active = previous === undefined ? true : previous.active !== false;
  if (context.strict) checkStrict(input, resource, rules, context);
  return resource;
}
