/**
 * Names the A2A bridge puts on the wire and on spans. Dashboards and remote peers depend on these
 * strings, so they are constants here and nowhere else.
 */
export const A2A_SPAN_NAMES = {
  /** One call from a pool agent to a remote A2A agent (createA2AAgent). */
  call: 'no.a2a.call',
  /** One A2A task served by a pool agent (serveAgentOverA2A). */
  serve: 'no.a2a.serve',
} as const;

export const A2A_ATTRIBUTES = {
  agentId: 'no.a2a.agent_id',
  url: 'no.a2a.url',
  taskId: 'no.a2a.task_id',
  contextId: 'no.a2a.context_id',
  /** The planned task's id on the calling side. */
  loopTaskId: 'no.a2a.loop_task_id',
  attempt: 'no.a2a.attempt',
  state: 'no.a2a.task_state',
} as const;

/**
 * Message metadata keys nO sends with every call and reads on every served task. A peer that is not
 * nO ignores them; an nO server uses them to rebuild the caller's run context.
 */
export const A2A_METADATA_KEYS = {
  /** The caller's idempotency key (the same for every attempt of a task, also after a resume). */
  idempotencyKey: 'no.idempotencyKey',
  /** The caller's planned task id. */
  taskId: 'no.taskId',
  /** The caller's attempt number. */
  attempt: 'no.attempt',
  /** Outputs of the task's dependencies, by task id. */
  dependencies: 'no.dependencies',
  /** W3C trace context of the calling span. */
  traceparent: 'traceparent',
  /** On a failed status message: `{ message, code? }` of the error the agent threw. */
  error: 'no.error',
} as const;

/** The agent-card extension in which a served nO agent describes itself (id, capabilities, metadata). */
export const A2A_AGENT_EXTENSION_URI = 'urn:langgraph-no:a2a:agent:v1';
