import { NoError } from '../contracts/errors.js';

/**
 * The persona the current package's graph runs with: it names the accessibility and security
 * baselines the guard node insists on.
 */
export const DEFAULT_CEREBRUM_PERSONA =
  'You are Cerebrum, the orchestration assistant of Cortex-OS. Every answer you give and every ' +
  'interface you help build meets WCAG 2.2 AA; every design, code change and tool call follows ' +
  'OWASP ASVS and the OWASP LLM Top-10. Refuse work that would break either.';

/** One thing the persona must name; every pattern must match somewhere in the persona text. */
export interface PersonaRequirement {
  readonly id: string;
  readonly patterns: readonly RegExp[];
}

/**
 * The persona policy: WCAG 2.2 AA (AAA also satisfies it), OWASP ASVS and the OWASP LLM Top-10
 * (written "Top-10", "Top 10" or "Top10").
 */
export const PERSONA_REQUIREMENTS: readonly PersonaRequirement[] = [
  { id: 'WCAG 2.2 AA', patterns: [/\bWCAG\s*2\.2\s*(?:level\s*)?AAA?\b/i] },
  { id: 'OWASP ASVS', patterns: [/\bOWASP\b/i, /\bASVS\b/i] },
  { id: 'OWASP LLM Top-10', patterns: [/\bOWASP\b/i, /\bLLM\s*Top[\s-]*10\b/i] },
];

/** The requirements a persona fails, by id; empty when it passes. */
export function personaViolations(persona: string): string[] {
  return PERSONA_REQUIREMENTS.filter((r) => !r.patterns.every((p) => p.test(persona))).map((r) => r.id);
}

/**
 * The error of a persona that fails the policy. The code is INVALID_INPUT, not PERMISSION_DENIED:
 * the persona is configuration that fails a validation rule (fixing the text fixes the run), whereas
 * PERMISSION_DENIED means a caller lacks a right, which no caller identity here could change.
 */
export function personaPolicyError(violations: readonly string[]): NoError {
  return new NoError('INVALID_INPUT', `persona policy violated: the persona must name ${violations.join(', ')}`, {
    details: { violations: [...violations], policy: PERSONA_REQUIREMENTS.map((r) => r.id) },
  });
}

/**
 * Throws a NoError INVALID_INPUT when the persona fails the policy.
 *
 * @example
 * assertPersona(DEFAULT_CEREBRUM_PERSONA); // passes
 * assertPersona('Be helpful.');            // throws; error.details.violations lists all three
 */
export function assertPersona(persona: string): void {
  const violations = personaViolations(persona);
  if (violations.length > 0) throw personaPolicyError(violations);
}
