import type { ToolDefinition } from '../tool.js';
import { compositionTools } from './composition-tools.js';
import { computeTools } from './compute-tools.js';
import { ioTools } from './io-tools.js';
import { kvTools } from './kv-tools.js';
import { createKeyValueStore, type KeyValueStore } from './store.js';

export interface PrimitiveToolsOptions {
  /** The store behind the memory tools. @default a new createKeyValueStore() per call */
  store?: KeyValueStore;
}

/**
 * The primitive layer's built-in tools: memory (key-value store with atomic writes, compare-and-set and
 * transactions), compute (a safe expression evaluator), io (encodings, JSON, hashes) and composition.
 *
 * @example
 * const layer = createToolLayer('primitive', { store: createKeyValueStore() });
 */
export function primitiveTools(options: PrimitiveToolsOptions = {}): ToolDefinition[] {
  const store = options.store ?? createKeyValueStore();
  return [...kvTools(store), ...computeTools(), ...ioTools(), ...compositionTools()];
}

export { createKeyValueStore, DEFAULT_MAX_KEYS } from './store.js';
export type { KeyValueStore, KeyValueStoreOptions, KvEntry, TransactionOp } from './store.js';
export { kvTools, TransactionOpSchema, KvKeySchema, DEFAULT_KV_LIST_LIMIT, MAX_TRANSACTION_OPS } from './kv-tools.js';
export { computeTools, EvaluateExpressionInputSchema } from './compute-tools.js';
export { ioTools, DEFAULT_JSON_MAX_DEPTH, DEFAULT_IO_MAX_CHARS } from './io-tools.js';
export { compositionTools } from './composition-tools.js';
export {
  evaluateExpression,
  parseExpression,
  evaluateNode,
  EXPRESSION_FUNCTIONS,
  DEFAULT_MAX_EXPRESSION_DEPTH,
  DEFAULT_MAX_EXPRESSION_LENGTH,
} from './expression.js';
export type { ExpressionNode, ExpressionLimits } from './expression.js';
