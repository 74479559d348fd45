export { createLlmPlanner, DEFAULT_PLANNER_MAX_ATTEMPTS, MAX_GOAL_CHARS } from './llm-planner.js';
export type { LlmPlanner, LlmPlannerOptions, PlanOptions, PlanDraft, CapabilitySource } from './llm-planner.js';
export { checkPlan, PlanDraftSchema, PLAN_TOOL_NAME } from './plan-check.js';
export type { PlanCheckContext } from './plan-check.js';
export { MAX_PROMPT_VALUE_CHARS } from './prompt.js';
