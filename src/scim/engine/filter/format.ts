/**
 * Filter and PATCH path printers: the inverse of the parsers, so `parseFilter(formatFilter(ast))`
 * yields `ast` again. Used for error details, logs and round-trip tests.
 */
import type { ComparisonValue, FilterNode, PatchPath } from './ast.ts';
import { formatAttributePath } from './attribute-path.ts';

/** Binding strength: `or` < `and` < everything else (RFC 7644 §3.4.2.2, Table 4 ordering). */
function precedence(node: FilterNode): number {
  if (node.kind === 'or') return 1;
  if (node.kind === 'and') return 2;
  return 3;
}

function formatValue(value: ComparisonValue): string {
  // JSON.stringify escapes quotes, control characters and lone surrogates, which the lexer reads back.
  return JSON.stringify(value);
}

/**
 * Print a filter AST as RFC 7644 filter text, adding parentheses only where the tree shape
 * differs from the default precedence and left associativity.
 *
 * @param node - the filter to print
 */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${formatAttributePath(node.path)} ${node.op} ${formatValue(node.value)}`;
    case 'present':
      return `${formatAttributePath(node.path)} pr`;
    case 'not':
      return `not (${formatFilter(node.filter)})`;
    case 'valuePath':
      return `${formatAttributePath(node.path)}[${formatFilter(node.filter)}]`;
    case 'and':
    case 'or': {
      const own = precedence(node);
      const left = formatFilter(node.left);
      const right = formatFilter(node.right);
      // Both operators associate to the left, so a right operand of equal strength needs parentheses.
      const leftText = precedence(node.left) < own ? `(${left})` : left;
      const rightText = precedence(node.right) <= own ? `(${right})` : right;
      return `${leftText} ${node.kind} ${rightText}`;
    }
  }
}

/**
 * Print a PATCH path (RFC 7644 §3.5.2).
 *
 * @param path - the path to print
 */
export function formatPatchPath(path: PatchPath): string {
  const filter = path.filter === undefined ? '' : `[${formatFilter(path.filter)}]`;
  const subAttr = path.subAttr === undefined ? '' : `.${path.subAttr}`;
  return `${formatAttributePath(path.attribute)}${filter}${subAttr}`;
}
