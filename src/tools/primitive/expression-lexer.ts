import { ToolCallError } from '../errors.js';

export type TokenKind = 'number' | 'ident' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text (the parsed value for numbers is in `value`). */
  text: string;
  value: number;
  /** 0-based offset in the source. */
  pos: number;
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const TWO_CHAR_OPS = new Set(['<=', '>=', '==', '!=']);
const ONE_CHAR_OPS = new Set(['+', '-', '*', '/', '%', '^', '(', ')', ',', '<', '>']);

export function syntaxError(message: string, pos: number): ToolCallError {
  return new ToolCallError('INVALID_INPUT', `${message} at position ${pos}`, { details: { position: pos } });
}

/**
 * Splits an expression into numbers, identifiers and operators. Sticky regexes, no backtracking
 * beyond one token, so the cost is linear in the length.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const ch = source[pos] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      pos++;
      continue;
    }
    NUMBER.lastIndex = pos;
    const num = NUMBER.exec(source);
    if (num) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw syntaxError(`number '${num[0]}' is out of range`, pos);
      tokens.push({ kind: 'number', text: num[0], value, pos });
      pos += num[0].length;
      continue;
    }
    IDENT.lastIndex = pos;
    const ident = IDENT.exec(source);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], value: 0, pos });
      pos += ident[0].length;
      continue;
    }
    const two = source.slice(pos, pos + 2);
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ kind: 'op', text: two, value: 0, pos });
      pos += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(ch)) {
      tokens.push({ kind: 'op', text: ch, value: 0, pos });
      pos++;
      continue;
    }
    throw syntaxError(`unexpected character ${JSON.stringify(ch)}`, pos);
  }
  tokens.push({ kind: 'end', text: '', value: 0, pos });
  return tokens;
}
