import { ToolCallError } from '../errors.js';
import { syntaxError, tokenize, type Token } from './expression-lexer.js';

/** Longest expression accepted. @default 1000 characters */
export const DEFAULT_MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting of parentheses, unary signs, powers and calls. @default 64 */
export const DEFAULT_MAX_EXPRESSION_DEPTH = 64;

export type ExpressionNode =
  | { kind: 'number'; value: number }
  | { kind: 'variable'; name: string; pos: number }
  | { kind: 'unary'; op: '-' | '+'; arg: ExpressionNode }
  | { kind: 'binary'; op: string; left: ExpressionNode; right: ExpressionNode; pos: number }
  | { kind: 'call'; fn: string; args: ExpressionNode[]; pos: number };

export interface ExpressionLimits {
  /** @default DEFAULT_MAX_EXPRESSION_LENGTH */
  maxLength?: number;
  /** @default DEFAULT_MAX_EXPRESSION_DEPTH */
  maxDepth?: number;
}

/** The functions an expression may call, with their arity (max undefined = any number ≥ min). */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, { min: number; max?: number; fn: (...args: number[]) => number }>> = {
  min: { min: 1, fn: Math.min },
  max: { min: 1, fn: Math.max },
  abs: { min: 1, max: 1, fn: Math.abs },
  round: { min: 1, max: 1, fn: Math.round },
  floor: { min: 1, max: 1, fn: Math.floor },
  ceil: { min: 1, max: 1, fn: Math.ceil },
  sqrt: { min: 1, max: 1, fn: Math.sqrt },
};

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

/**
 * Parses an arithmetic expression by recursive descent (no eval, no Function):
 *
 *   comparison := additive (('<' | '<=' | '>' | '>=' | '==' | '!=') additive)?
 *   additive   := term (('+' | '-') term)*
 *   term       := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+') unary | power
 *   power      := primary ('^' unary)?          right-associative; -2^2 is -(2^2)
 *   primary    := number | name | name '(' comparison (',' comparison)* ')' | '(' comparison ')'
 *
 * @throws ToolCallError INVALID_INPUT naming the position of the problem.
 */
export function parseExpression(source: string, limits: ExpressionLimits = {}): ExpressionNode {
  const maxLength = limits.maxLength ?? DEFAULT_MAX_EXPRESSION_LENGTH;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_EXPRESSION_DEPTH;
  if (source.length > maxLength) {
    throw new ToolCallError('INVALID_INPUT', `expression is ${source.length} characters, over the limit of ${maxLength}`, { details: { maxLength } });
  }
  const tokens = tokenize(source);
  let i = 0;
  let depth = 0;
  const peek = (): Token => tokens[i] as Token;
  const isOp = (text: string): boolean => peek().kind === 'op' && peek().text === text;
  const expect = (text: string): void => {
    if (!isOp(text)) throw syntaxError(`expected '${text}' but found ${describe(peek())}`, peek().pos);
    i++;
  };
  const nest = <T>(fn: () => T): T => {
    if (++depth > maxDepth) throw syntaxError(`expression nests deeper than ${maxDepth}`, peek().pos);
    const out = fn();
    depth--;
    return out;
  };

  function comparison(): ExpressionNode {
    const left = additive();
    const tok = peek();
    if (tok.kind === 'op' && COMPARISONS.has(tok.text)) {
      i++;
      return { kind: 'binary', op: tok.text, left, right: additive(), pos: tok.pos };
    }
    return left;
  }
  function additive(): ExpressionNode {
    let node = term();
    while (isOp('+') || isOp('-')) {
      const tok = tokens[i++] as Token;
      node = { kind: 'binary', op: tok.text, left: node, right: term(), pos: tok.pos };
    }
    return node;
  }
  function term(): ExpressionNode {
    let node = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const tok = tokens[i++] as Token;
      node = { kind: 'binary', op: tok.text, left: node, right: unary(), pos: tok.pos };
    }
    return node;
  }
  function unary(): ExpressionNode {
    if (isOp('-') || isOp('+')) {
      const op = (tokens[i++] as Token).text as '-' | '+';
      return nest(() => ({ kind: 'unary', op, arg: unary() }));
    }
    return power();
  }
  function power(): ExpressionNode {
    const base = primary();
    if (!isOp('^')) return base;
    const tok = tokens[i++] as Token;
    return nest(() => ({ kind: 'binary', op: '^', left: base, right: unary(), pos: tok.pos }));
  }
  function primary(): ExpressionNode {
    const tok = peek();
    if (tok.kind === 'number') {
      i++;
      return { kind: 'number', value: tok.value };
    }
    if (tok.kind === 'ident') {
      i++;
      if (!isOp('(')) return { kind: 'variable', name: tok.text, pos: tok.pos };
      i++;
      const args = nest(() => {
        const list = [comparison()];
        while (isOp(',')) {
          i++;
          list.push(comparison());
        }
        return list;
      });
      expect(')');
      return { kind: 'call', fn: tok.text, args, pos: tok.pos };
    }
    if (isOp('(')) {
      i++;
      const inner = nest(comparison);
      expect(')');
      return inner;
    }
    throw syntaxError(`expected a number, a name or '(' but found ${describe(tok)}`, tok.pos);
  }

  const root = comparison();
  if (peek().kind !== 'end') throw syntaxError(`unexpected ${describe(peek())}`, peek().pos);
  return root;
}

function describe(tok: Token): string {
  return tok.kind === 'end' ? 'the end of the expression' : `'${tok.text}'`;
}

function fail(message: string, details: Record<string, unknown> = {}): ToolCallError {
  return new ToolCallError('INVALID_INPUT', message, { details });
}

const finite = (value: number, what: string): number => {
  if (!Number.isFinite(value)) throw fail(`${what} is not a finite number`);
  return value;
};

/**
 * Evaluates a parsed expression. Arithmetic needs numbers; comparisons give booleans.
 *
 * @throws ToolCallError INVALID_INPUT on an unknown name or function, a wrong argument count,
 *   division or modulo by zero, or a result that is not finite.
 */
export function evaluateNode(node: ExpressionNode, variables: ReadonlyMap<string, number>): number | boolean {
  const num = (n: ExpressionNode): number => {
    const v = evaluateNode(n, variables);
    if (typeof v !== 'number') throw fail('a comparison result cannot be used as a number');
    return v;
  };
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'variable': {
      const value = variables.get(node.name);
      if (value === undefined) throw fail(`unknown variable '${node.name}' at position ${node.pos}`, { variable: node.name, position: node.pos });
      return value;
    }
    case 'unary':
      return node.op === '-' ? -num(node.arg) : num(node.arg);
    case 'call': {
      const spec = Object.hasOwn(EXPRESSION_FUNCTIONS, node.fn) ? EXPRESSION_FUNCTIONS[node.fn] : undefined;
      if (spec === undefined) throw fail(`unknown function '${node.fn}' at position ${node.pos}`, { function: node.fn, position: node.pos });
      if (node.args.length < spec.min || node.args.length > (spec.max ?? Infinity)) {
        throw fail(`${node.fn}() takes ${spec.max === undefined ? `at least ${spec.min}` : spec.min} argument(s), got ${node.args.length}`);
      }
      const args = node.args.map(num);
      if (node.fn === 'sqrt' && (args[0] as number) < 0) throw fail('sqrt of a negative number');
      return finite(spec.fn(...args), `${node.fn}()`);
    }
    case 'binary': {
      const a = num(node.left);
      const b = num(node.right);
      switch (node.op) {
        case '+': return finite(a + b, 'the sum');
        case '-': return finite(a - b, 'the difference');
        case '*': return finite(a * b, 'the product');
        case '/':
          if (b === 0) throw fail(`division by zero at position ${node.pos}`, { position: node.pos });
          return finite(a / b, 'the quotient');
        case '%':
          if (b === 0) throw fail(`modulo by zero at position ${node.pos}`, { position: node.pos });
          return finite(a % b, 'the remainder');
        case '^': return finite(a ** b, 'the power');
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '==': return a === b;
        default: return a !== b;
      }
    }
  }
}

/**
 * Parses and evaluates in one step.
 *
 * @example
 * evaluateExpression('max(a, b) * 2 - 1', { a: 3, b: 5 }); // 9
 */
export function evaluateExpression(source: string, variables: Readonly<Record<string, number>> = {}, limits: ExpressionLimits = {}): number | boolean {
  return evaluateNode(parseExpression(source, limits), new Map(Object.entries(variables)));
}
