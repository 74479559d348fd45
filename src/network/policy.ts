/** An agent id or topic pattern: exact, `*` for anything, or a prefix glob such as `team-a.*`. */
export type Pattern = string | readonly string[];

export interface DirectRule {
  from?: Pattern;
  to?: Pattern;
  /** @default true */
  allow?: boolean;
}
export interface PublishRule {
  from?: Pattern;
  topic?: Pattern;
  /** @default true */
  allow?: boolean;
}
export interface SubscribeRule {
  agent?: Pattern;
  topic?: Pattern;
  /** @default true */
  allow?: boolean;
}

/**
 * Who may message whom, publish and subscribe. Each part is a predicate or a rule list (first
 * matching rule wins; no match denies). A part left out allows every registered agent.
 */
export interface MessagePolicy {
  direct?: ((from: string, to: string) => boolean) | readonly DirectRule[];
  publish?: ((from: string, topic: string) => boolean) | readonly PublishRule[];
  subscribe?: ((agent: string, topic: string) => boolean) | readonly SubscribeRule[];
}

/** The policy as three predicates. */
export interface CompiledMessagePolicy {
  direct(from: string, to: string): boolean;
  publish(from: string, topic: string): boolean;
  subscribe(agent: string, topic: string): boolean;
}

function matches(pattern: Pattern | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  const patterns: readonly string[] = typeof pattern === 'string' ? [pattern] : pattern;
  return patterns.some((p) => p === '*' || p === value || (p.endsWith('*') && value.startsWith(p.slice(0, -1))));
}

function firstMatch<R extends { allow?: boolean }>(rules: readonly R[], test: (rule: R) => boolean): boolean {
  const rule = rules.find(test);
  return rule !== undefined && rule.allow !== false;
}

/**
 * Turns a {@link MessagePolicy} into predicates. `isRegistered` is the default for a missing part.
 *
 * @example
 * compileMessagePolicy({ direct: [{ from: 'worker-*', to: 'lead' }] }, isRegistered).direct('worker-1', 'lead'); // true
 */
export function compileMessagePolicy(policy: MessagePolicy, isRegistered: (agentId: string) => boolean): CompiledMessagePolicy {
  const { direct, publish, subscribe } = policy;
  return {
    direct:
      direct === undefined
        ? (from, to) => isRegistered(from) && isRegistered(to)
        : typeof direct === 'function'
          ? direct
          : (from, to) => firstMatch(direct, (r) => matches(r.from, from) && matches(r.to, to)),
    publish:
      publish === undefined
        ? (from) => isRegistered(from)
        : typeof publish === 'function'
          ? publish
          : (from, topic) => firstMatch(publish, (r) => matches(r.from, from) && matches(r.topic, topic)),
    subscribe:
      subscribe === undefined
        ? (agent) => isRegistered(agent)
        : typeof subscribe === 'function'
          ? subscribe
          : (agent, topic) => firstMatch(subscribe, (r) => matches(r.agent, agent) && matches(r.topic, topic)),
  };
}
