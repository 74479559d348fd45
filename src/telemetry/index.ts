export {
  TELEMETRY_SCOPE,
  SPAN_NAMES,
  SCHEDULER_ATTRIBUTES,
  COORDINATION_ATTRIBUTES,
  SWARM_ATTRIBUTES,
  ANOMALY_ATTRIBUTES,
  GENAI_OPERATIONS,
  GENAI_ATTRIBUTES,
  AGENT_ATTRIBUTES,
  METRICS,
  OPERATOR_METRICS,
  SIMPLE_PLAN_MAX_TASKS,
  MODERATE_PLAN_MAX_TASKS,
  complexityOf,
} from './names.js';
export type { MetricDefinition, Complexity } from './names.js';
export { getNoTracer, withSpan } from './tracer.js';
export {
  recordSchedulingLatency,
  recordAgentUtilization,
  recordToolInvocation,
  recordToolDuration,
  recordCoordinationEfficiency,
  recordRunEnded,
  recordTaskEnded,
  recordAttemptStarted,
  recordAttemptFailed,
  recordRecovery,
  recordAnomaly,
  recordHealingAction,
  trackRun,
  trackCircuits,
  trackPool,
  recordPoolScaled,
  liveRuns,
  liveBacklogByCapability,
  CIRCUIT_STATES,
} from './metrics.js';
export type { RunGaugeSource, CircuitSource, PoolGaugeSource } from './metrics.js';
export { useMeterProvider, noMeterProvider } from './provider.js';
export { redact, redactText, redactIfSecret, holdsSecret, REDACTED, DEFAULT_SECRET_KEY_PATTERN, DEFAULT_SECRET_VALUE_PATTERNS } from './redact.js';
export { createAuditTrail, verifyAuditEntries, DEFAULT_AUDIT_MAX_ENTRIES, AUDIT_GENESIS_HASH } from './audit.js';
export type { AuditInput, AuditEntry, AuditVerification, AuditTrailOptions, AuditTrail } from './audit.js';
export { createEventEnvelope, activeTraceparent } from './events.js';
export type { EnvelopeOptions } from './events.js';
export { jsonLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LogLevel, LineSink, JsonLoggerOptions } from './logger.js';
