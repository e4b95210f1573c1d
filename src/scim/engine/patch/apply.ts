/**
 * PATCH application (RFC 7644 §3.5.2) against a resource's JSON, driven by the schema.
 *
 * All operations run against a deep copy; the first failure throws and the caller's object is
 * never touched, so a failed request changes nothing (RFC 7644 §3.5.2: "the server MUST NOT
 * apply any of the operations").
 *
 * Deliberate extensions of the RFC, each demanded by real IdP traffic (idp-quirks.md):
 * - add/replace through a value filter that matches nothing creates the element from the
 *   filter's equalities (`emails[type eq "work"].value` on a user without a work email), where the
 *   RFC would answer noTarget for replace (X5);
 * - remove on a multi-valued attribute with a `value` list removes only the listed elements
 *   (Entra's member removal, §2);
 * - add on a single-valued attribute replaces it (Entra's `Add nickName`, §2);
 * - boolean strings are accepted for boolean attributes (§9.6);
 * - read-only attributes in a path-less value are ignored as in POST and PUT, since Okta's group
 *   rename carries `id` (§3); writing the value an immutable or read-only attribute already
 *   holds is not a change, since Entra's periodic updates repeat everything (§2);
 * - add and replace through a value filter both merge into the matched elements (the RFC's rule
 *   for complex attributes, §3.5.2.3), so a replace of one sub-attribute keeps `primary`.
 */
import { coerceAttributeValue, coerceSingleValue, elementsFromStrings, unwrapSingleValue } from '../coerce.ts';
import { ScimError } from '../errors.ts';
import type { FilterNode } from '../filter/ast.ts';
import { matchesElement } from '../filter/evaluate.ts';
import { formatFilter } from '../filter/format.ts';
import { deleteProperty, getProperty, isJsonObject, isUnassigned, jsonEquals, setProperty } from '../json.ts';
import type { JsonObject, JsonValue } from '../json.ts';
import { findAttribute } from '../schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';
import type { PatchOperation, PatchRequest } from './request.ts';
import { describeTarget, TargetResolver } from './target.ts';
import type { AttributeTarget, PatchTarget } from './target.ts';

export interface PatchOptions {
  /**
   * Attribute paths to treat as immutable beyond the schema, e.g. `['userName']` for the managed
   * dialect, where GitHub rejects renames (idp-quirks.md §9.3).
   */
  readonly immutableAttributes?: readonly string[];
  /**
   * What a remove whose value filter matches nothing does: `error` (default) answers noTarget as
   * RFC 7644 §3.12 describes; `ignore` makes it a no-op for callers that want idempotent removes.
   */
  readonly onRemoveNoMatch?: 'error' | 'ignore';
  /**
   * Names that stand for attribute paths in a path-less value's keys and in a bare `path`, where
   * the schema has no attribute of that name: GitHub's organization SCIM PATCH schema lists
   * `givenName` and `familyName` among a path-less value's keys, for `name.givenName` and
   * `name.familyName` (docs.github.com/enterprise-cloud@latest/rest/scim/scim#update-an-attribute-for-a-scim-user).
   */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Multi-valued attributes (by name) whose elements may be plain strings in an add or replace of
   * the whole attribute (`"value": ["octocat@github.com"]`), taken as `{value}` as
   * `elementsFromStrings` describes; an add beside existing values makes none of them primary.
   */
  readonly stringElements?: readonly string[];
}

/** Membership delta of a Group PATCH, by member `value`. */
export interface MemberChanges {
  readonly membersAdded: readonly string[];
  readonly membersRemoved: readonly string[];
}

export interface PatchResult {
  /** The patched copy of the resource. */
  readonly resource: JsonObject;
  /** Whether anything differs from the input, so callers can keep `meta.lastModified` on no-ops. */
  readonly changed: boolean;
  /**
   * Core attributes (schema spelling) an operation wrote, removed or left as they were by writing their
   * value again: what the request set, whether or not it differs (`active` sent as `false` again).
   */
  readonly assigned: ReadonlySet<string>;
  /** Present when the resource type has a `members` attribute. */
  readonly memberChanges?: MemberChanges;
}

/** The elements of a multi-valued attribute's current value, as a fresh array. */
function asElements(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
}

function scalarEquals(definition: AttributeDefinition, a: JsonValue, b: JsonValue): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !definition.caseExact) {
    return a.toLowerCase() === b.toLowerCase();
  }
  return jsonEquals(a, b);
}

/**
 * Whether two elements of a multi-valued attribute denote the same value: complex elements are
 * identified by their `value` sub-attribute when both have one (so re-adding a member or an email
 * address does not duplicate it), otherwise compared whole.
 */
function sameElement(attribute: AttributeDefinition, a: JsonValue, b: JsonValue): boolean {
  if (attribute.type !== 'complex') return scalarEquals(attribute, a, b);
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const valueAttribute = findAttribute(attribute.subAttributes ?? [], 'value');
  const aValue = getProperty(a, 'value');
  const bValue = getProperty(b, 'value');
  if (valueAttribute !== undefined && aValue !== undefined && bValue !== undefined) {
    return scalarEquals(valueAttribute, aValue, bValue);
  }
  return jsonEquals(a, b);
}

/**
 * Reject changes to `readOnly` attributes and to `immutable` ones that already have a value
 * (RFC 7643 §2.2, RFC 7644 §3.5.2). Writing the value already held is not a change.
 */
function checkMutability(
  definition: AttributeDefinition,
  current: JsonValue | undefined,
  next: JsonValue | undefined,
  text: string,
): void {
  if (isUnassigned(current) ? isUnassigned(next) : jsonEquals(current, next)) return;
  if (definition.mutability === 'readOnly') throw ScimError.mutability(`Attribute "${text}" is read-only`);
  if (definition.mutability === 'immutable' && !isUnassigned(current)) {
    throw ScimError.mutability(`Attribute "${text}" is immutable and already has a value`);
  }
}

/**
 * The sub-attribute values a filter pins with `eq`, joined by `and` (`type eq "work" and primary
 * eq true` → `{type: "work", primary: true}`); undefined when the filter is any other shape.
 */
function equalityConstraints(filter: FilterNode): JsonObject | undefined {
  if (filter.kind === 'compare') {
    if (filter.op !== 'eq' || filter.value === null || filter.path.subAttr !== undefined) return undefined;
    const result: JsonObject = {};
    setProperty(result, filter.path.name, filter.value);
    return result;
  }
  if (filter.kind !== 'and') return undefined;
  const left = equalityConstraints(filter.left);
  const right = equalityConstraints(filter.right);
  if (left === undefined || right === undefined) return undefined;
  for (const [key, value] of Object.entries(right)) {
    const previous = getProperty(left, key);
    if (previous !== undefined && !jsonEquals(previous, value)) return undefined;
    setProperty(left, key, value);
  }
  return left;
}

const isPrimary = (element: JsonValue): boolean => isJsonObject(element) && getProperty(element, 'primary') === true;

/** RFC 7643 §2.4: "true" appears no more than once; the last element set primary keeps it. */
function enforceSinglePrimary(
  attribute: AttributeDefinition,
  list: JsonValue[],
  touched: readonly JsonValue[],
): void {
  if (findAttribute(attribute.subAttributes ?? [], 'primary') === undefined) return;
  const winner = [...touched].reverse().find(isPrimary);
  if (winner === undefined) return;
  list.forEach((element, index) => {
    if (element !== winner && isJsonObject(element) && isPrimary(element)) {
      const demoted = { ...element };
      setProperty(demoted, 'primary', false);
      list[index] = demoted;
    }
  });
}

/** A new element must carry the sub-attributes the schema requires (`members[].value`). */
function requireSubAttributes(attribute: AttributeDefinition, element: JsonValue, text: string): void {
  if (!isJsonObject(element)) return;
  for (const sub of attribute.subAttributes ?? []) {
    if (sub.required && isUnassigned(getProperty(element, sub.name))) {
      throw ScimError.invalidValue(`Each value of "${text}" needs "${sub.name}"`);
    }
  }
}

/** Set or clear one sub-attribute on a copy of `element`, checking its mutability. */
function withSubValue(
  element: JsonObject,
  sub: AttributeDefinition,
  value: JsonValue | undefined,
  text: string,
): JsonObject {
  const copy = { ...element };
  const old = getProperty(copy, sub.name);
  checkMutability(sub, old, value, text);
  if (value === undefined) {
    if (sub.required && !isUnassigned(old)) throw ScimError.invalidValue(`Attribute "${text}" is required`);
    deleteProperty(copy, sub.name);
  } else {
    setProperty(copy, sub.name, value);
  }
  return copy;
}

/** Merge sub-attribute values into a complex value, honouring each sub-attribute's mutability. */
function mergeComplex(
  attribute: AttributeDefinition,
  current: JsonValue | undefined,
  value: JsonObject,
  text: string,
): JsonObject {
  let result: JsonObject = isJsonObject(current) ? { ...current } : {};
  for (const [key, raw] of Object.entries(value)) {
    const sub = findAttribute(attribute.subAttributes ?? [], key);
    // Read-only sub-attributes (`manager.displayName`) are computed by the server, so ignored.
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    const subText = `${text}.${sub.name}`;
    result = withSubValue(result, sub, raw === null ? undefined : coerceSingleValue(sub, raw, subText), subText);
  }
  return result;
}

function isReadOnly(target: PatchTarget): boolean {
  return (
    target.kind === 'attribute' &&
    (target.attribute.mutability === 'readOnly' || target.subAttribute?.mutability === 'readOnly')
  );
}

class PatchApplier {
  readonly assigned = new Set<string>();

  constructor(
    private readonly doc: JsonObject,
    private readonly resolver: TargetResolver,
    private readonly onRemoveNoMatch: 'error' | 'ignore',
    private readonly stringElements: ReadonlySet<string> = new Set(),
  ) {}

  apply(operation: PatchOperation): void {
    if (operation.path === undefined) {
      // RFC 7644 §3.5.2.1/§3.5.2.3: without a path, each key of the value is an attribute to set.
      for (const [key, value] of Object.entries(operation.value)) {
        const target = this.resolver.resolveKey(key);
        // A body of attributes may echo server-computed ones (`meta`, `groups`): ignored, as in
        // POST and PUT (RFC 7643 §2.2, idp-quirks.md X6). An explicit path to them is an error.
        if (target === undefined || isReadOnly(target)) continue;
        this.set(operation.op, target, value);
      }
      return;
    }
    const target = this.resolver.resolvePath(operation.path);
    if (operation.op === 'remove') this.remove(target, operation.value);
    else this.set(operation.op, target, operation.value);
  }

  private container(extension: string | undefined): JsonObject | undefined {
    if (extension === undefined) return this.doc;
    const container = getProperty(this.doc, extension);
    return isJsonObject(container) ? container : undefined;
  }

  private read(target: AttributeTarget): JsonValue | undefined {
    const container = this.container(target.extension);
    return container === undefined ? undefined : getProperty(container, target.attribute.name);
  }

  private write(target: AttributeTarget, next: JsonValue | undefined): void {
    const { extension, attribute } = target;
    if (extension === undefined) this.assigned.add(attribute.name);
    const existing = this.container(extension);
    if (next === undefined || isUnassigned(next)) {
      if (existing !== undefined) deleteProperty(existing, attribute.name);
      return;
    }
    const container = existing ?? {};
    setProperty(container, attribute.name, next);
    // Only an extension object can be missing; its first attribute creates it.
    if (existing === undefined && extension !== undefined) setProperty(this.doc, extension, container);
  }

  private set(op: 'add' | 'replace', target: PatchTarget, value: JsonValue): void {
    // Adding null adds nothing; replacing with null unassigns (RFC 7643 §2.5).
    if (value === null && op === 'add') return;
    if (target.kind === 'extension') {
      if (value === null) {
        deleteProperty(this.doc, target.schema.id);
        return;
      }
      if (!isJsonObject(value)) throw ScimError.invalidValue(`"${target.schema.id}" must be an object`);
      for (const [key, item] of Object.entries(value)) {
        const attributeTarget = this.resolver.resolveExtensionAttribute(target.schema, key);
        if (attributeTarget !== undefined) this.set(op, attributeTarget, item);
      }
      return;
    }
    const { attribute, filter, subAttribute } = target;
    const text = describeTarget(target);
    const current = this.read(target);
    const whole = filter === undefined && subAttribute === undefined;
    if (attribute.mutability === 'readOnly') {
      // Compare what was sent: coercion would drop read-only sub-attributes and hide the change.
      if (whole && (isUnassigned(current) ? isUnassigned(value) : jsonEquals(current, value))) return;
      throw ScimError.mutability(`Attribute "${text}" is read-only`);
    }
    const input = whole ? unwrapSingleValue(attribute, value) : value;
    let next: JsonValue | undefined;
    if (filter !== undefined) {
      next = this.setFiltered(attribute, filter, subAttribute, current, input, text);
    } else if (subAttribute !== undefined) {
      const subValue = input === null ? undefined : coerceSingleValue(subAttribute, input, text);
      next = attribute.multiValued
        ? this.setSubOfEach(attribute, subAttribute, current, subValue, text)
        : withSubValue(isJsonObject(current) ? current : {}, subAttribute, subValue, text);
    } else if (attribute.multiValued) {
      next = this.setElements(op, attribute, current, input, text);
    } else if (attribute.type === 'complex') {
      // RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged, for add and replace.
      if (input !== null && !isJsonObject(input)) {
        throw ScimError.invalidValue(`Attribute "${text}" must be an object`);
      }
      next = input === null ? undefined : mergeComplex(attribute, current, input, text);
    } else {
      next = input === null ? undefined : coerceSingleValue(attribute, input, text);
    }
    this.commit(target, current, next, text);
  }

  /** Store `next` after the attribute-level checks every operation shares. */
  private commit(
    target: AttributeTarget,
    current: JsonValue | undefined,
    next: JsonValue | undefined,
    text: string,
  ): void {
    if (target.attribute.required && isUnassigned(next) && !isUnassigned(current)) {
      throw ScimError.invalidValue(`Attribute "${text}" is required and cannot be removed`);
    }
    checkMutability(target.attribute, current, next, text);
    this.write(target, next);
  }

  /** Whole multi-valued attribute: add appends (merging equal elements), replace substitutes. */
  private setElements(
    op: 'add' | 'replace',
    attribute: AttributeDefinition,
    current: JsonValue | undefined,
    value: JsonValue,
    text: string,
  ): JsonValue | undefined {
    const lenient = this.stringElements.has(attribute.name.toLowerCase())
      ? elementsFromStrings(attribute, value, op === 'replace' || asElements(current).length === 0)
      : value;
    const incoming = lenient === null ? undefined : coerceAttributeValue(attribute, lenient, text);
    if (incoming === undefined) return op === 'add' ? current : undefined;
    const list = op === 'add' ? asElements(current) : [];
    const touched: JsonValue[] = [];
    for (const element of asElements(incoming)) {
      const index = list.findIndex((existing) => sameElement(attribute, existing, element));
      const existing = list[index];
      if (existing === undefined) {
        requireSubAttributes(attribute, element, text);
        list.push(element);
        touched.push(element);
      } else if (isJsonObject(existing) && isJsonObject(element)) {
        // RFC 7644 §3.5.2.1: re-adding a value SHOULD change nothing, so only mutable
        // sub-attributes are updated; a member's immutable `display` stays as first sent.
        const merged = { ...existing };
        for (const [key, item] of Object.entries(element)) {
          const sub = findAttribute(attribute.subAttributes ?? [], key);
          if (sub !== undefined && sub.mutability !== 'immutable') setProperty(merged, sub.name, item);
        }
        list[index] = merged;
        touched.push(merged);
      }
    }
    enforceSinglePrimary(attribute, list, touched);
    return list;
  }

  /** `emails.display` without a filter: the sub-attribute of every element. */
  private setSubOfEach(
    attribute: AttributeDefinition,
    sub: AttributeDefinition,
    current: JsonValue | undefined,
    subValue: JsonValue | undefined,
    text: string,
  ): JsonValue | undefined {
    const elements = asElements(current);
    if (elements.length === 0) {
      if (subValue === undefined) return current;
      const created: JsonObject = {};
      setProperty(created, sub.name, subValue);
      requireSubAttributes(attribute, created, text);
      return [created];
    }
    const list = elements
      .map((element) => (isJsonObject(element) ? withSubValue(element, sub, subValue, text) : element))
      .filter((element) => !isUnassigned(element));
    enforceSinglePrimary(attribute, list, list);
    return list;
  }

  /** `attr[filter]` and `attr[filter].sub`; creates the element when nothing matches (X5). */
  private setFiltered(
    attribute: AttributeDefinition,
    filter: FilterNode,
    sub: AttributeDefinition | undefined,
    current: JsonValue | undefined,
    value: JsonValue,
    text: string,
  ): JsonValue | undefined {
    const list = asElements(current);
    const matched = list.flatMap((element, index) =>
      isJsonObject(element) && matchesElement(filter, element, attribute) ? [index] : [],
    );
    if (value === null) {
      // Replace with null unassigns what the path selects (RFC 7643 §2.5).
      if (sub === undefined) return list.filter((_, index) => !matched.includes(index));
      for (const index of matched) list[index] = withSubValue(list[index] as JsonObject, sub, undefined, text);
      return list.filter((element) => !isUnassigned(element));
    }
    let changes: JsonObject;
    if (sub === undefined) {
      if (!isJsonObject(value)) throw ScimError.invalidValue(`Attribute "${text}" must be an object`);
      changes = value;
    } else {
      // mergeComplex skips read-only sub-attributes in values; naming one in the path is an error.
      if (sub.mutability === 'readOnly') throw ScimError.mutability(`Attribute "${text}" is read-only`);
      changes = {};
      setProperty(changes, sub.name, value);
    }
    const elementText = `${attribute.name}[${formatFilter(filter)}]`;
    if (matched.length === 0) {
      const seed = equalityConstraints(filter);
      if (seed === undefined) {
        throw ScimError.noTarget(
          `No value of "${elementText}" exists, and the filter does not describe a new one`,
        );
      }
      const created = mergeComplex(attribute, seed, changes, elementText);
      requireSubAttributes(attribute, created, elementText);
      list.push(created);
      enforceSinglePrimary(attribute, list, [created]);
      return list;
    }
    const touched: JsonValue[] = [];
    for (const index of matched) {
      // Add and replace both merge: RFC 7644 §3.5.2.3 leaves sub-attributes "not specified in
      // the value parameter ... unchanged", so `primary` survives a replace of `value`.
      const updated = mergeComplex(attribute, list[index], changes, elementText);
      list[index] = updated;
      touched.push(updated);
    }
    enforceSinglePrimary(attribute, list, touched);
    return list.filter((element) => !isUnassigned(element));
  }

  private remove(target: PatchTarget, value: JsonValue | undefined): void {
    if (target.kind === 'extension') {
      deleteProperty(this.doc, target.schema.id);
      return;
    }
    const { attribute, filter, subAttribute } = target;
    const text = describeTarget(target);
    const current = this.read(target);
    let next: JsonValue | undefined;
    if (filter !== undefined) {
      next = this.removeFiltered(attribute, filter, subAttribute, current, text);
    } else if (subAttribute !== undefined) {
      const clear = (element: JsonValue): JsonValue =>
        isJsonObject(element) ? withSubValue(element, subAttribute, undefined, text) : element;
      next = attribute.multiValued
        ? asElements(current).map(clear).filter((element) => !isUnassigned(element))
        : clear(isJsonObject(current) ? current : {});
    } else if (attribute.multiValued && value !== undefined && value !== null) {
      // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes only those members.
      const listed = asElements(value).flatMap((item, index) => {
        const coerced = coerceSingleValue(attribute, item, `${text} value[${index}]`);
        return coerced === undefined ? [] : [coerced];
      });
      const isListed = (element: JsonValue): boolean => listed.some((item) => sameElement(attribute, element, item));
      next = asElements(current).filter((element) => !isListed(element));
    } else {
      next = undefined;
    }
    this.commit(target, current, next, text);
  }

  private removeFiltered(
    attribute: AttributeDefinition,
    filter: FilterNode,
    sub: AttributeDefinition | undefined,
    current: JsonValue | undefined,
    text: string,
  ): JsonValue | undefined {
    const list = asElements(current);
    const isMatch = (element: JsonValue): boolean =>
      isJsonObject(element) && matchesElement(filter, element, attribute);
    if (!list.some(isMatch)) {
      if (this.onRemoveNoMatch === 'ignore') return current;
      throw ScimError.noTarget(`No value of "${attribute.name}" matches [${formatFilter(filter)}]`);
    }
    if (sub === undefined) return list.filter((element) => !isMatch(element));
    const clear = (element: JsonValue): JsonValue =>
      isJsonObject(element) && isMatch(element) ? withSubValue(element, sub, undefined, text) : element;
    return list.map(clear).filter((element) => !isUnassigned(element));
  }
}

/** Member `value`s of a resource, keyed for comparison under the sub-attribute's caseExact. */
function memberValues(resource: JsonObject, members: AttributeDefinition): Map<string, string> {
  const valueAttribute = findAttribute(members.subAttributes ?? [], 'value');
  const result = new Map<string, string>();
  for (const element of asElements(getProperty(resource, members.name))) {
    const value = isJsonObject(element) ? getProperty(element, 'value') : undefined;
    if (typeof value !== 'string') continue;
    result.set(valueAttribute?.caseExact === true ? value : value.toLowerCase(), value);
  }
  return result;
}

/**
 * Keep `schemas` in step with the extension objects (RFC 7643 §3): list an extension that gained
 * data, drop one whose object the PATCH removed. URNs listed without data stay listed, as Entra's
 * user create sends them.
 */
function syncSchemas(resource: JsonObject, original: JsonObject, schema: ResourceSchema): void {
  for (const { schema: extension } of schema.extensions) {
    const data = getProperty(resource, extension.id);
    if (data !== undefined && isUnassigned(data)) deleteProperty(resource, extension.id);
  }
  const schemas = getProperty(resource, 'schemas');
  if (!Array.isArray(schemas)) return;
  let list = [...schemas];
  for (const { schema: extension } of schema.extensions) {
    const lower = extension.id.toLowerCase();
    const listed = list.some((uri) => typeof uri === 'string' && uri.toLowerCase() === lower);
    const present = getProperty(resource, extension.id) !== undefined;
    const wasPresent = !isUnassigned(getProperty(original, extension.id));
    if (present && !listed) list.push(extension.id);
    if (!present && listed && wasPresent) {
      list = list.filter((uri) => typeof uri !== 'string' || uri.toLowerCase() !== lower);
    }
  }
  if (!jsonEquals(list, schemas)) setProperty(resource, 'schemas', list);
}

/**
 * Apply a PATCH request to a resource (RFC 7644 §3.5.2).
 *
 * @param resource - current JSON representation; never modified
 * @param request - output of `parsePatchRequest`
 * @param schema - the resource type
 * @param options - extra immutable attributes, and how a remove that matches nothing behaves
 * @returns the patched copy, whether it changed, and for groups the membership delta
 * @throws ScimError `invalidPath`, `mutability`, `noTarget` or `invalidValue`; the input is then unchanged
 */
export function applyPatch(
  resource: JsonObject,
  request: PatchRequest,
  schema: ResourceSchema,
  options: PatchOptions = {},
): PatchResult {
  const doc = structuredClone(resource);
  const resolver = new TargetResolver(schema, options.immutableAttributes, options.aliases);
  const stringElements = new Set((options.stringElements ?? []).map((name) => name.toLowerCase()));
  const applier = new PatchApplier(doc, resolver, options.onRemoveNoMatch ?? 'error', stringElements);
  for (const operation of request.operations) applier.apply(operation);
  syncSchemas(doc, resource, schema);
  const result = { resource: doc, changed: !jsonEquals(resource, doc), assigned: applier.assigned };
  const members = findAttribute(schema.core.attributes, 'members');
  if (members === undefined) return result;
  const before = memberValues(resource, members);
  const after = memberValues(doc, members);
  return {
    ...result,
    memberChanges: {
      membersAdded: [...after].filter(([key]) => !before.has(key)).map(([, value]) => value),
      membersRemoved: [...before].filter(([key]) => !after.has(key)).map(([, value]) => value),
    },
  };
}
