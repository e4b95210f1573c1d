/**
 * Recursive-descent parser for the SCIM filter grammar (RFC 7644 §3.4.2.2, Figure 1, with errata
 * 4690/7322: value filters may use logic and grouping but not nested value paths) and the PATCH
 * path rule (RFC 7644 §3.5.2, Figure 7).
 *
 *   filter     = or
 *   or         = and *("or" and)
 *   and        = unary *("and" unary)
 *   unary      = "not" "(" or ")" / "(" or ")" / attrPath "[" or "]" / attrPath "pr"
 *              / attrPath compareOp compValue
 *   patchPath  = attrPath / attrPath "[" or "]" ["." ATTRNAME]
 *
 * Keywords and operators match in any letter case. Whitespace between tokens is optional where
 * the tokens are unambiguous, which is more liberal than the RFC's mandatory SP.
 */
import { ScimError } from '../errors.ts';
import type { AttributePath, ComparisonOperator, ComparisonValue, FilterNode, PatchPath } from './ast.ts';
import { isAttributeName, parseAttributePath } from './attribute-path.ts';
import { tokenize } from './lexer.ts';
import type { SyntaxErrorFactory, Token } from './lexer.ts';

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set<ComparisonOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);

/** Nesting of parentheses, `not` and value paths; real IdP filters use two or three levels. */
const MAX_DEPTH = 32;
/**
 * Attribute expressions per filter; bounds the work of every later walk over the AST, and the SQL it compiles to: each
 * term of an `and`/`or` chain nests the SQL expression one to three levels deeper (three for `not (…)` inside a value
 * path), and SQLite refuses a tree deeper than SQLITE_MAX_EXPR_DEPTH, 1000 by default
 * (https://www.sqlite.org/limits.html): `emails[not (…) or …]` fails there from about 322 terms. 250 runs on both stores
 * in every shape, with 32 levels of grouping on top.
 */
export const MAX_FILTER_TERMS = 250;
const MAX_TERMS = MAX_FILTER_TERMS;

function isComparisonOperator(text: string): text is ComparisonOperator {
  return COMPARISON_OPERATORS.has(text);
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.kind === 'word' && token.text.toLowerCase() === keyword;
}

/** `"userName" at position 4`, for error details. */
function at(token: Token): string {
  return `${describe(token)} at position ${token.position}`;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'word':
      return JSON.stringify(token.text);
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${String(token.value)}`;
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'lbracket':
      return '"["';
    case 'rbracket':
      return '"]"';
  }
}

class Parser {
  private index = 0;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly fail: SyntaxErrorFactory,
  ) {}

  /** `filter` up to the end of input. */
  parseWholeFilter(): FilterNode {
    if (this.peek().kind === 'end') throw this.fail('Filter is empty');
    const node = this.parseOr(false);
    this.expectEnd();
    return node;
  }

  /** `patchPath` up to the end of input. */
  parseWholePatchPath(): PatchPath {
    const attribute = this.parseAttributePathToken();
    if (this.peek().kind !== 'lbracket') {
      this.expectEnd();
      return { attribute };
    }
    const filter = this.parseValueFilter(attribute);
    const after = this.peek();
    if (after.kind === 'word' && after.text.startsWith('.')) {
      const subAttr = after.text.slice(1);
      if (!isAttributeName(subAttr)) throw this.fail(`Invalid sub-attribute ${at(after)}`);
      this.index += 1;
      this.expectEnd();
      return { attribute, filter, subAttr };
    }
    this.expectEnd();
    return { attribute, filter };
  }

  private peek(offset = 0): Token {
    // The token list always ends with `end`, so clamping keeps every read in bounds.
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private expect(kind: Token['kind'], what: string): void {
    const token = this.peek();
    if (token.kind !== kind) {
      throw this.fail(`Expected ${what} but found ${at(token)}`);
    }
    this.index += 1;
  }

  private expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') {
      throw this.fail(`Unexpected ${at(token)}; expected "and", "or" or the end`);
    }
  }

  private nested<T>(parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw this.fail(`Filter is nested more than ${MAX_DEPTH} levels deep`);
    const result = parse();
    this.depth -= 1;
    return result;
  }

  private parseOr(inValuePath: boolean): FilterNode {
    let left = this.parseAnd(inValuePath);
    while (isKeyword(this.peek(), 'or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.parseAnd(inValuePath) };
    }
    return left;
  }

  private parseAnd(inValuePath: boolean): FilterNode {
    let left = this.parseUnary(inValuePath);
    while (isKeyword(this.peek(), 'and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.parseUnary(inValuePath) };
    }
    return left;
  }

  private parseUnary(inValuePath: boolean): FilterNode {
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.index += 1;
      return this.nested(() => {
        const inner = this.parseOr(inValuePath);
        this.expect('rparen', '")"');
        return inner;
      });
    }
    // `not` is a keyword only before "(", so an attribute could still be called "not".
    if (isKeyword(token, 'not') && this.peek(1).kind === 'lparen') {
      this.index += 2;
      return this.nested(() => {
        const inner = this.parseOr(inValuePath);
        this.expect('rparen', '")"');
        return { kind: 'not', filter: inner };
      });
    }
    if (token.kind !== 'word') {
      throw this.fail(`Expected an attribute path, "(" or "not" but found ${at(token)}`);
    }
    return this.parseAttributeExpression(inValuePath);
  }

  private parseAttributeExpression(inValuePath: boolean): FilterNode {
    const pathToken = this.peek();
    const path = this.parseAttributePathToken();
    this.terms += 1;
    if (this.terms > MAX_TERMS) throw this.fail(`Filter has more than ${MAX_TERMS} expressions`);
    const operator = this.peek();
    if (operator.kind === 'lbracket') {
      if (inValuePath) {
        throw this.fail(`Value filters cannot be nested (position ${operator.position})`);
      }
      return { kind: 'valuePath', path, filter: this.parseValueFilter(path) };
    }
    if (operator.kind !== 'word') {
      throw this.fail(`Expected an operator after ${describe(pathToken)} but found ${at(operator)}`);
    }
    const op = operator.text.toLowerCase();
    this.index += 1;
    if (op === 'pr') return { kind: 'present', path };
    if (!isComparisonOperator(op)) {
      throw this.fail(`Unknown operator ${at(operator)}; expected eq, ne, co, sw, ew, gt, ge, lt, le or pr`);
    }
    return { kind: 'compare', path, op, value: this.parseComparisonValue() };
  }

  /** `"[" valFilter "]"` after `attribute`. */
  private parseValueFilter(attribute: AttributePath): FilterNode {
    const open = this.peek();
    if (attribute.subAttr !== undefined) {
      throw this.fail(`A value filter must follow an attribute, not a sub-attribute (position ${open.position})`);
    }
    this.expect('lbracket', '"["');
    return this.nested(() => {
      if (this.peek().kind === 'rbracket') throw this.fail(`Empty value filter at position ${open.position}`);
      const inner = this.parseOr(true);
      this.expect('rbracket', '"]"');
      return inner;
    });
  }

  private parseAttributePathToken(): AttributePath {
    const token = this.peek();
    if (token.kind !== 'word') {
      throw this.fail(`Expected an attribute path but found ${at(token)}`);
    }
    const path = parseAttributePath(token.text);
    if (path === undefined) {
      throw this.fail(`${at(token)} is not a valid attribute path`);
    }
    this.index += 1;
    return path;
  }

  private parseComparisonValue(): ComparisonValue {
    const token = this.peek();
    this.index += 1;
    switch (token.kind) {
      case 'string':
      case 'number':
        return token.value;
      case 'word': {
        const literal = token.text.toLowerCase();
        if (literal === 'true') return true;
        if (literal === 'false') return false;
        if (literal === 'null') return null;
        // Microsoft's tutorial shows `externalId eq jyoung`; say how to fix it rather than guess.
        const quoted = JSON.stringify(token.text);
        throw this.fail(
          `Comparison value ${at(token)} must be a JSON string, number, true, false or null; quote text: ${quoted}`,
        );
      }
      default:
        throw this.fail(`Expected a comparison value but found ${at(token)}`);
    }
  }
}

/**
 * Parse a SCIM filter (RFC 7644 §3.4.2.2).
 *
 * @param source - filter text, already URL-decoded
 * @returns the AST, with attribute names as written and operators in lower case
 * @throws ScimError with scimType `invalidFilter` when the text is not a filter
 */
export function parseFilter(source: string): FilterNode {
  const fail = ScimError.invalidFilter;
  return new Parser(tokenize(source, fail), fail).parseWholeFilter();
}

/**
 * Parse a PATCH operation's `path` (RFC 7644 §3.5.2): `attrPath`, `attrPath[valFilter]` or
 * `attrPath[valFilter].subAttr`.
 *
 * @param source - the `path` string
 * @throws ScimError with scimType `invalidPath` when the text is not a path
 */
export function parsePatchPath(source: string): PatchPath {
  const fail = ScimError.invalidPath;
  return new Parser(tokenize(source, fail), fail).parseWholePatchPath();
}
