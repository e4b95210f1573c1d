/**
 * Typed AST of SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2).
 *
 * The parser keeps attribute names as written; `validateFilter` returns the canonical form
 * (schema spelling, URN only for extension attributes, implicit `.value` made explicit), which is
 * what evaluators and SQL compilers should walk.
 */

export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** `compValue` of the RFC grammar: a JSON string, number, `true`, `false` or `null`. */
export type ComparisonValue = string | number | boolean | null;

/** `attrPath = [URI ":"] ATTRNAME *1subAttr`. Optional keys are absent, never `undefined`. */
export interface AttributePath {
  /** Schema URN prefix, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  readonly uri?: string;
  readonly name: string;
  readonly subAttr?: string;
}

/** `attrPath compareOp compValue`. */
export interface ComparisonNode {
  readonly kind: 'compare';
  readonly path: AttributePath;
  readonly op: ComparisonOperator;
  readonly value: ComparisonValue;
}

/** `attrPath "pr"`. */
export interface PresentNode {
  readonly kind: 'present';
  readonly path: AttributePath;
}

/** `FILTER ("and" / "or") FILTER`; `and` binds tighter, both associate to the left. */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly left: FilterNode;
  readonly right: FilterNode;
}

/** `"not" "(" FILTER ")"`. */
export interface NotNode {
  readonly kind: 'not';
  readonly filter: FilterNode;
}

/**
 * `attrPath "[" valFilter "]"`: the inner filter's paths name sub-attributes of `path`, and cannot
 * contain another value path (RFC 7644 errata 4690).
 */
export interface ValuePathNode {
  readonly kind: 'valuePath';
  readonly path: AttributePath;
  readonly filter: FilterNode;
}

export type FilterNode = ComparisonNode | PresentNode | LogicalNode | NotNode | ValuePathNode;

/**
 * A PATCH `path`: `attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2, Figure 7).
 * With `filter`, `attribute` has no `subAttr` and the selected sub-attribute is `subAttr` here.
 */
export interface PatchPath {
  readonly attribute: AttributePath;
  readonly filter?: FilterNode;
  readonly subAttr?: string;
}
