/**
 * Tokenizer for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2).
 *
 * Keywords (`and`, `eq`, `true`, ...) are lexed as words; the parser decides from context whether
 * a word is a keyword or an attribute name, which keeps both case-insensitive without reserving
 * names.
 */
import { ScimError } from '../errors.ts';

export type Token =
  | { readonly kind: 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'end'; readonly position: number }
  | { readonly kind: 'word'; readonly text: string; readonly position: number }
  | { readonly kind: 'string'; readonly value: string; readonly position: number }
  | { readonly kind: 'number'; readonly value: number; readonly position: number };

/** Characters of attribute paths (with URN prefixes and `$ref`) and keywords. */
const WORD_CHAR = /[A-Za-z0-9_$:.-]/;
/** A word starts with a letter, `$` (`$ref`) or `.` (a sub-attribute after `]` in PATCH paths). */
const WORD_START = /[A-Za-z$.]/;
/** JSON number grammar (RFC 8259 §6). */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const PUNCTUATION: Readonly<Record<string, 'lparen' | 'rparen' | 'lbracket' | 'rbracket'>> = {
  '(': 'lparen',
  ')': 'rparen',
  '[': 'lbracket',
  ']': 'rbracket',
};

/** Builds the error for a syntax problem: `invalidFilter` in filters, `invalidPath` in PATCH paths. */
export type SyntaxErrorFactory = (detail: string) => ScimError;

/**
 * Split filter text into tokens.
 *
 * @param source - the filter or PATCH path text
 * @param fail - creates the error thrown for characters or literals outside the grammar
 */
export function tokenize(source: string, fail: SyntaxErrorFactory = ScimError.invalidFilter): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
      continue;
    }
    const punctuation = PUNCTUATION[ch];
    if (punctuation !== undefined) {
      tokens.push({ kind: punctuation, position: i });
      i += 1;
    } else if (ch === '"' || ch === "'") {
      const { value, end } = readString(source, i, fail);
      tokens.push({ kind: 'string', value, position: i });
      i = end;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(source);
      const value = match === null ? Number.NaN : Number(match[0]);
      // A bare `-` fails the pattern; `1e999` matches it but has no finite JSON value.
      if (match === null || !Number.isFinite(value)) throw fail(`Malformed number at position ${i}`);
      // `-0` compares equal to `0` everywhere (SQL, JSON); keep one zero so the value prints back as itself.
      tokens.push({ kind: 'number', value: value === 0 ? 0 : value, position: i });
      i += match[0].length;
    } else if (WORD_START.test(ch)) {
      const start = i;
      while (i < source.length && WORD_CHAR.test(source.charAt(i))) i += 1;
      tokens.push({ kind: 'word', text: source.slice(start, i), position: start });
    } else {
      throw fail(`Unexpected character ${JSON.stringify(ch)} at position ${i}`);
    }
  }
  tokens.push({ kind: 'end', position: source.length });
  return tokens;
}

/**
 * Read a JSON string literal starting at `start`. Single-quoted strings are accepted too, because
 * GitHub's own documentation sends `emails[type eq 'work'].value`; inside them `\'` is an escape.
 */
function readString(source: string, start: number, fail: SyntaxErrorFactory): { value: string; end: number } {
  const quote = source.charAt(start);
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\') {
      const escape = source.charAt(i + 1);
      const simple = SIMPLE_ESCAPES[escape];
      if (simple !== undefined && (escape !== "'" || quote === "'")) {
        value += simple;
        i += 2;
      } else if (escape === 'u' && /^[0-9A-Fa-f]{4}$/.test(source.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        throw fail(`Invalid escape sequence in string at position ${i}`);
      }
    } else if (ch < ' ') {
      // JSON strings cannot carry raw control characters (RFC 8259 §7).
      throw fail(`Unescaped control character in string at position ${i}`);
    } else {
      value += ch;
      i += 1;
    }
  }
  throw fail(`Unterminated string starting at position ${start}`);
}
