/**
 * Group PATCH as deltas. A group may hold 100,000 members in a join table; adding one must not
 * load the rest (ARCHITECTURE.md, Storage). `planGroupPatch` splits a PATCH into operations on
 * the group's other attributes, applied with `applyPatch` to the group without `members`, and
 * membership operations a repository can run as row inserts and deletes.
 *
 * The plan mirrors `applyPatch` on the full resource (a property test holds them equal), with
 * one simplification: members are identified by `value` alone, so their other sub-attributes
 * (`display`, `type`, `$ref`), which are immutable, are not tracked. Paths that target them fail
 * with `mutability`; add/replace through a filter other than `members[value eq "id"]` fails with
 * `invalidPath`.
 */
import { coerceAttributeValue, coerceSingleValue } from '../coerce.ts';
import { ScimError } from '../errors.ts';
import type { FilterNode } from '../filter/ast.ts';
import { defineProperty, getProperty, isJsonObject } from '../json.ts';
import type { JsonObject, JsonValue } from '../json.ts';
import { findAttribute } from '../schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';
import type { PatchOptions } from './apply.ts';
import type { PatchOperation, PatchRequest } from './request.ts';
import { TargetResolver } from './target.ts';
import type { AttributeTarget, PatchTarget } from './target.ts';

/**
 * One membership change, in request order. `values` are member ids (`members[].value`), to be
 * compared as that sub-attribute's `caseExact` says (false in RFC 7643 §8.7.1, so ignoring case).
 * `requireMatch` asks the caller to answer noTarget (RFC 7644 §3.12) when no current member is
 * affected, which only it can know.
 */
export type MemberOperation =
  | { readonly kind: 'add'; readonly values: readonly string[] }
  | { readonly kind: 'remove'; readonly values: readonly string[]; readonly requireMatch: boolean }
  | { readonly kind: 'replace'; readonly values: readonly string[] }
  | { readonly kind: 'removeAll' }
  /** A filter over member sub-attributes other than a plain `value eq` list, in canonical form. */
  | { readonly kind: 'removeByFilter'; readonly filter: FilterNode; readonly requireMatch: boolean };

export interface GroupPatchPlan {
  /** Operations on everything but `members`; apply them with `applyPatch`. */
  readonly attributeOps: readonly PatchOperation[];
  readonly memberOps: readonly MemberOperation[];
}

/** The ids a `members[...]` filter lists, when it is `value eq "a" or value eq "b" ...`. */
function listedValues(filter: FilterNode): string[] | undefined {
  if (filter.kind === 'compare') {
    return filter.op === 'eq' && filter.path.name === 'value' && typeof filter.value === 'string'
      ? [filter.value]
      : undefined;
  }
  if (filter.kind !== 'or') return undefined;
  const left = listedValues(filter.left);
  const right = listedValues(filter.right);
  return left === undefined || right === undefined ? undefined : [...left, ...right];
}

class GroupPlanner {
  readonly attributeOps: PatchOperation[] = [];
  readonly memberOps: MemberOperation[] = [];
  private readonly resolver: TargetResolver;
  private readonly requireMatch: boolean;

  constructor(
    private readonly members: AttributeDefinition,
    schema: ResourceSchema,
    options: PatchOptions,
  ) {
    this.resolver = new TargetResolver(schema);
    this.requireMatch = options.onRemoveNoMatch !== 'ignore';
  }

  plan(operation: PatchOperation): void {
    if (operation.path === undefined) {
      // Okta's push sends `{"op":"replace","value":{"id":…,"displayName":…}}` and, for an empty
      // group, `"members":[]` in the same object: split the keys.
      const rest: JsonObject = {};
      for (const [key, value] of Object.entries(operation.value)) {
        const target = this.resolver.resolveKey(key);
        if (target !== undefined && this.isMembers(target)) this.planMembers(operation.op, target, value);
        else defineProperty(rest, key, value);
      }
      if (Object.keys(rest).length > 0) this.attributeOps.push({ op: operation.op, value: rest });
      return;
    }
    const target = this.resolver.resolvePath(operation.path);
    if (!this.isMembers(target)) {
      this.attributeOps.push(operation);
      return;
    }
    this.planMembers(operation.op, target, operation.value);
  }

  private isMembers(target: PatchTarget): target is AttributeTarget {
    return (
      target.kind === 'attribute' && target.extension === undefined && target.attribute.name === this.members.name
    );
  }

  private planMembers(op: PatchOperation['op'], target: AttributeTarget, value: JsonValue | undefined): void {
    if (target.subAttribute !== undefined) {
      throw ScimError.mutability(`Member sub-attributes are immutable; add or remove members instead`);
    }
    const { filter } = target;
    if (filter === undefined) {
      if (op === 'add') {
        const values = this.memberIds(value ?? null);
        if (values.length > 0) this.memberOps.push({ kind: 'add', values });
      } else if (op === 'replace') {
        this.memberOps.push({ kind: 'replace', values: this.memberIds(value ?? null) });
      } else if (value === undefined || value === null) {
        this.memberOps.push({ kind: 'removeAll' });
      } else {
        // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]}; absent ids are not an error.
        const values = this.memberIds(value);
        if (values.length > 0) this.memberOps.push({ kind: 'remove', values, requireMatch: false });
      }
      return;
    }
    const listed = listedValues(filter);
    // Removing, or replacing with null, drops what the filter selects (RFC 7643 §2.5).
    if (op === 'remove' || value === null) {
      const requireMatch = op === 'remove' && this.requireMatch;
      this.memberOps.push(
        listed === undefined
          ? { kind: 'removeByFilter', filter, requireMatch }
          : { kind: 'remove', values: this.unique(listed), requireMatch },
      );
      return;
    }
    // add/replace `members[value eq "id"]` with `{}` or `{"value":"id"}` ensures that member exists.
    if (!isJsonObject(value)) throw ScimError.invalidValue(`${this.members.name}[...] must be given an object`);
    const element = coerceSingleValue(this.members, value, this.members.name);
    const sent = isJsonObject(element) ? getProperty(element, 'value') : undefined;
    const [id, ...others] = listed ?? [];
    if (id === undefined || others.length > 0 || (sent !== undefined && !this.sameId(sent, id))) {
      throw ScimError.invalidPath('Members can be added through a filter only as members[value eq "id"]');
    }
    this.memberOps.push({ kind: 'add', values: [id] });
  }

  /** Member ids of an add/replace/remove value, deduplicated; each member needs a `value`. */
  private memberIds(value: JsonValue): string[] {
    const coerced = value === null ? undefined : coerceAttributeValue(this.members, value, this.members.name);
    const ids: string[] = [];
    (Array.isArray(coerced) ? coerced : []).forEach((element, index) => {
      const id = isJsonObject(element) ? getProperty(element, 'value') : undefined;
      if (typeof id !== 'string') throw ScimError.invalidValue(`${this.members.name}[${index}].value is required`);
      ids.push(id);
    });
    return this.unique(ids);
  }

  private get caseExact(): boolean {
    return findAttribute(this.members.subAttributes ?? [], 'value')?.caseExact === true;
  }

  private sameId(a: JsonValue, b: string): boolean {
    return typeof a === 'string' && (this.caseExact ? a === b : a.toLowerCase() === b.toLowerCase());
  }

  private unique(ids: readonly string[]): string[] {
    const seen = new Set<string>();
    return ids.filter((id) => {
      const key = this.caseExact ? id : id.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

/**
 * Split a Group PATCH into attribute operations and membership deltas, without the member list.
 *
 * The caller applies `attributeOps` with `applyPatch` to the group loaded without members, then
 * runs `memberOps` in order, all in one transaction. Malformed paths and member values fail here;
 * attribute errors fail in that `applyPatch`, still before any row is written; only `requireMatch`
 * needs the membership table.
 *
 * @param request - output of `parsePatchRequest`
 * @param schema - the Group resource type; its core schema must have a multi-valued `members`
 * @param options - `onRemoveNoMatch` decides `requireMatch` on filtered removes
 * @throws ScimError `invalidPath`, `invalidValue` or `mutability`, as `applyPatch` would
 */
export function planGroupPatch(
  request: PatchRequest,
  schema: ResourceSchema,
  options: PatchOptions = {},
): GroupPatchPlan {
  const members = findAttribute(schema.core.attributes, 'members');
  if (members === undefined || !members.multiValued) {
    throw new TypeError(`planGroupPatch: resource type ${schema.name} has no multi-valued members attribute`);
  }
  const planner = new GroupPlanner(members, schema, options);
  for (const operation of request.operations) planner.plan(operation);
  return { attributeOps: planner.attributeOps, memberOps: planner.memberOps };
}
