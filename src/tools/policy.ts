import { z } from 'zod';
import { ToolCapabilitySchema, ToolLayerLevelSchema, type ToolCapability, type ToolLayerLevel } from '../contracts/tools.js';
import { parseWith } from '../contracts/validate.js';

/** One rule: every field that is given (and is not `'*'`) must match the call. */
export const PolicyRuleSchema = z.object({
  /** A caller id, or `'*'` for any caller. */
  caller: z.string().min(1),
  layer: z.union([ToolLayerLevelSchema, z.literal('*')]).optional(),
  capability: z.union([ToolCapabilitySchema, z.literal('*')]).optional(),
  tool: z.string().min(1).optional(),
  effect: z.enum(['allow', 'deny']),
});
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

export const ToolPolicySchema = z.object({ rules: z.array(PolicyRuleSchema).default([]) });
export type ToolPolicy = z.infer<typeof ToolPolicySchema>;
export type ToolPolicyInput = z.input<typeof ToolPolicySchema>;

/**
 * What happens when no rule matches: primitive and dashboard tools are open, execution tools
 * (files, processes, network) are closed until a rule allows them.
 */
export const DEFAULT_LAYER_EFFECT: Readonly<Record<ToolLayerLevel, 'allow' | 'deny'>> = {
  primitive: 'allow',
  dashboard: 'allow',
  execution: 'deny',
};

/** The facts about a call that a policy looks at. */
export interface PolicyRequest {
  caller: string;
  layer: ToolLayerLevel;
  capability: ToolCapability;
  tool: string;
}

export interface PolicyDecision {
  effect: 'allow' | 'deny';
  /** The deciding rule's index; undefined when the layer's default decided. */
  ruleIndex?: number;
  reason: string;
}

const matches = (pattern: string | undefined, value: string): boolean =>
  pattern === undefined || pattern === '*' || pattern === value;

/** Validates a policy (a bad rule is a typed INVALID_REQUEST error naming the field). */
export function coercePolicy(policy: ToolPolicyInput | undefined): ToolPolicy {
  return parseWith(ToolPolicySchema, policy ?? { rules: [] }, { what: 'tool policy' });
}

/**
 * Decides one call. Among the matching rules a deny wins over an allow, whatever their order;
 * with no matching rule the layer's default applies ({@link DEFAULT_LAYER_EFFECT}).
 *
 * @example
 * decide({ rules: [{ caller: 'ops', layer: 'execution', effect: 'allow' }] },
 *   { caller: 'ops', layer: 'execution', capability: 'process', tool: 'run-command' }); // allow
 */
export function decide(policy: ToolPolicy, request: PolicyRequest): PolicyDecision {
  let allowedBy: number | undefined;
  for (let i = 0; i < policy.rules.length; i++) {
    const rule = policy.rules[i] as PolicyRule;
    const hit =
      matches(rule.caller, request.caller) &&
      matches(rule.layer, request.layer) &&
      matches(rule.capability, request.capability) &&
      matches(rule.tool, request.tool);
    if (!hit) continue;
    if (rule.effect === 'deny') return { effect: 'deny', ruleIndex: i, reason: `denied by policy rule ${i}` };
    allowedBy ??= i;
  }
  if (allowedBy !== undefined) return { effect: 'allow', ruleIndex: allowedBy, reason: `allowed by policy rule ${allowedBy}` };
  const effect = DEFAULT_LAYER_EFFECT[request.layer];
  return { effect, reason: `no policy rule matches; the ${request.layer} layer's default is ${effect}` };
}
