import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../tool.js';
import { DEFAULT_MAX_EXPRESSION_LENGTH, evaluateExpression } from './expression.js';

/** A variable name an expression may use. */
export const VariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _');

export const EvaluateExpressionInputSchema = z.object({
  expression: z.string().min(1).max(DEFAULT_MAX_EXPRESSION_LENGTH),
  variables: z.record(VariableNameSchema, z.number().refine(Number.isFinite, 'must be finite')).default({}),
});

/** The `compute` tools. */
export function computeTools(): ToolDefinition[] {
  return [
    defineTool({
      name: 'evaluate-expression',
      capability: 'compute',
      description:
        'Evaluates an arithmetic expression safely: numbers, + - * / % ^, parentheses, unary minus, comparisons ' +
        '(< <= > >= == !=), min/max/abs/round/floor/ceil/sqrt and named variables. Division by zero is an error.',
      input: EvaluateExpressionInputSchema,
      mutating: false,
      run: async ({ expression, variables }) => ({ value: evaluateExpression(expression, variables) }),
    }),
  ];
}
