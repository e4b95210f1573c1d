/**
 * Resolution of PATCH paths and path-less value keys to what they address in a resource
 * (RFC 7644 §3.5.2), shared by `applyPatch` and `planGroupPatch`.
 */
import { ScimError } from '../errors.ts';
import type { FilterNode, PatchPath } from '../filter/ast.ts';
import { formatFilter, formatPatchPath } from '../filter/format.ts';
import { validateValueFilter } from '../filter/validate.ts';
import { SCHEMAS_ATTRIBUTE } from '../schema/common.ts';
import { findAttribute, findExtension, resolveAttributePath } from '../schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema, ScimSchema } from '../schema/types.ts';

/** What a path selects: a whole extension object, or an attribute with optional filter and sub-attribute. */
export type PatchTarget =
  | { readonly kind: 'extension'; readonly schema: ScimSchema }
  | {
      readonly kind: 'attribute';
      /** URN of the extension object holding the attribute; absent for core attributes. */
      readonly extension?: string;
      readonly attribute: AttributeDefinition;
      /** Canonical filter over the attribute's elements (`emails[type eq "work"]`). */
      readonly filter?: FilterNode;
      readonly subAttribute?: AttributeDefinition;
    };

export type AttributeTarget = Extract<PatchTarget, { kind: 'attribute' }>;

/**
 * Schema lookups with the caller's extra immutable attributes applied, e.g. `userName` in the
 * managed dialect, where GitHub forbids renames (idp-quirks.md §9.3).
 */
export class TargetResolver {
  private readonly immutable: ReadonlySet<string>;
  /** Lower-case alias → the attribute path it stands for. */
  private readonly aliases: ReadonlyMap<string, string>;

  /**
   * @param schema - the resource type
   * @param immutableAttributes - attribute paths (`userName`, `name.givenName`) to treat as immutable
   * @param aliases - names that stand for attribute paths (`givenName` → `name.givenName`), for keys of a
   *   path-less value and for a bare path; an alias never hides an attribute of the schema
   */
  constructor(
    private readonly schema: ResourceSchema,
    immutableAttributes: readonly string[] = [],
    aliases: Readonly<Record<string, string>> = {},
  ) {
    this.aliases = new Map(
      Object.entries(aliases).map(([alias, text]) => {
        if (resolveAttributePath(schema, text) === undefined) throw new TypeError(`aliases: unknown attribute "${text}"`);
        return [alias.toLowerCase(), text];
      }),
    );
    this.immutable = new Set(
      immutableAttributes.map((text) => {
        const resolved = resolveAttributePath(schema, text);
        if (resolved === undefined) throw new TypeError(`immutableAttributes: unknown attribute "${text}"`);
        return TargetResolver.key(resolved.extension, resolved.attribute.name, resolved.subAttribute?.name);
      }),
    );
  }

  private static key(extension: string | undefined, name: string, subName?: string): string {
    return [extension ?? '', name, subName ?? ''].join('|').toLowerCase();
  }

  /** The attribute with the immutable overrides applied to it and to its sub-attributes. */
  private effective(extension: string | undefined, attribute: AttributeDefinition): AttributeDefinition {
    const override = (definition: AttributeDefinition, subName?: string): AttributeDefinition =>
      definition.mutability === 'readWrite' &&
      this.immutable.has(TargetResolver.key(extension, attribute.name, subName))
        ? { ...definition, mutability: 'immutable' }
        : definition;
    const subAttributes = attribute.subAttributes?.map((sub) => override(sub, sub.name));
    const own = override(attribute);
    return subAttributes === undefined ? own : { ...own, subAttributes };
  }

  /** The overridden copy of `sub` among `attribute`'s effective sub-attributes. */
  private effectiveSub(
    attribute: AttributeDefinition,
    sub: AttributeDefinition | undefined,
  ): AttributeDefinition | undefined {
    return sub === undefined ? undefined : findAttribute(attribute.subAttributes ?? [], sub.name);
  }

  /**
   * Resolve a PATCH `path`.
   *
   * @throws ScimError `invalidPath` for unknown attributes or a filter on a non-multi-valued attribute
   */
  resolvePath(path: PatchPath): PatchTarget {
    const text = formatPatchPath(path);
    const { attribute: attributePath } = path;
    // A bare extension URN parses as URI + name (`urn:…:2.0` + `User`): the whole extension object.
    const bare = path.filter === undefined && path.subAttr === undefined && attributePath.subAttr === undefined;
    if (bare && attributePath.uri !== undefined) {
      const extension = findExtension(this.schema, `${attributePath.uri}:${attributePath.name}`);
      if (extension !== undefined) return { kind: 'extension', schema: extension };
    }
    const aliased = bare && attributePath.uri === undefined ? this.unalias(attributePath.name) : undefined;
    const resolved = resolveAttributePath(this.schema, aliased ?? attributePath);
    if (resolved === undefined) throw ScimError.invalidPath(`Path "${text}" names an unknown attribute`);
    if (resolved.attribute === SCHEMAS_ATTRIBUTE) {
      throw ScimError.mutability('"schemas" is maintained by the service provider');
    }
    const attribute = this.effective(resolved.extension, resolved.attribute);
    const base = {
      kind: 'attribute' as const,
      ...(resolved.extension === undefined ? {} : { extension: resolved.extension }),
    };
    if (path.filter === undefined) {
      const subAttribute = this.effectiveSub(attribute, resolved.subAttribute);
      return subAttribute === undefined ? { ...base, attribute } : { ...base, attribute, subAttribute };
    }
    if (attribute.type !== 'complex' || !attribute.multiValued) {
      throw ScimError.invalidPath(`Path "${text}": a value filter needs a multi-valued complex attribute`);
    }
    let filter: FilterNode;
    try {
      filter = validateValueFilter(path.filter, attribute);
    } catch (error) {
      // Inside a PATCH path a bad filter is a bad path (RFC 7644 §3.12 "invalidPath").
      if (error instanceof ScimError) throw ScimError.invalidPath(`Path "${text}": ${error.detail}`);
      throw error;
    }
    if (path.subAttr === undefined) return { ...base, attribute, filter };
    const subAttribute = findAttribute(attribute.subAttributes ?? [], path.subAttr);
    if (subAttribute === undefined) throw ScimError.invalidPath(`Path "${text}" names an unknown sub-attribute`);
    return { ...base, attribute, filter, subAttribute };
  }

  /**
   * Resolve one key of a path-less add/replace value: an attribute name, a dotted or
   * URN-qualified path (Entra sends `name.givenName` and `urn:…:User:employeeNumber`), or an
   * extension URN. Unknown keys yield undefined and are skipped, as in POST bodies
   * (idp-quirks.md X6, X7); so does `schemas`, which `applyPatch` keeps in step itself.
   */
  resolveKey(key: string): PatchTarget | undefined {
    const extension = findExtension(this.schema, key);
    if (extension !== undefined) return { kind: 'extension', schema: extension };
    const resolved = resolveAttributePath(this.schema, this.unalias(key) ?? key);
    if (resolved === undefined || resolved.attribute === SCHEMAS_ATTRIBUTE) return undefined;
    const attribute = this.effective(resolved.extension, resolved.attribute);
    const subAttribute = this.effectiveSub(attribute, resolved.subAttribute);
    return {
      kind: 'attribute',
      ...(resolved.extension === undefined ? {} : { extension: resolved.extension }),
      attribute,
      ...(subAttribute === undefined ? {} : { subAttribute }),
    };
  }

  /** The attribute path an alias stands for, when `name` is an alias and not an attribute of the schema. */
  private unalias(name: string): string | undefined {
    const text = this.aliases.get(name.toLowerCase());
    if (text === undefined || resolveAttributePath(this.schema, name) !== undefined) return undefined;
    return text;
  }

  /** An attribute of an extension object, for keys inside `{"urn:…:User": {...}}`; undefined if unknown. */
  resolveExtensionAttribute(extension: ScimSchema, name: string): AttributeTarget | undefined {
    const attribute = findAttribute(extension.attributes, name);
    if (attribute === undefined) return undefined;
    return { kind: 'attribute', extension: extension.id, attribute: this.effective(extension.id, attribute) };
  }
}

/** Canonical text of a target, for error details. */
export function describeTarget(target: AttributeTarget): string {
  const prefix = target.extension === undefined ? '' : `${target.extension}:`;
  const sub = target.subAttribute === undefined ? '' : `.${target.subAttribute.name}`;
  const filter = target.filter === undefined ? '' : `[${formatFilter(target.filter)}]`;
  return `${prefix}${target.attribute.name}${filter}${sub}`;
}
