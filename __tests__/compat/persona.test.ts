import { isNoError } from '../../src/contracts/index';
import {
  assertPersona,
  DEFAULT_CEREBRUM_PERSONA,
  PERSONA_REQUIREMENTS,
  personaPolicyError,
  personaViolations,
} from '../../src/compat/index';

describe('persona policy', () => {
  it('accepts the default persona, which names WCAG 2.2 AA, OWASP ASVS and the OWASP LLM Top-10', () => {
    expect(personaViolations(DEFAULT_CEREBRUM_PERSONA)).toEqual([]);
    expect(() => assertPersona(DEFAULT_CEREBRUM_PERSONA)).not.toThrow();
  });

  it.each([
    ['Follow WCAG 2.2 AA, OWASP ASVS and the OWASP LLM Top 10.', []],
    ['wcag 2.2 level aaa; owasp asvs; owasp llm top10', []],
    ['Follow OWASP ASVS and the OWASP LLM Top-10.', ['WCAG 2.2 AA']],
    ['Follow WCAG 2.1 AA, OWASP ASVS and the OWASP LLM Top-10.', ['WCAG 2.2 AA']],
    ['Follow WCAG 2.2 A, OWASP ASVS and the OWASP LLM Top-10.', ['WCAG 2.2 AA']],
    ['Follow WCAG 2.2 AA and the OWASP LLM Top-10.', ['OWASP ASVS']],
    ['Follow WCAG 2.2 AA, ASVS and the LLM Top-10.', ['OWASP ASVS', 'OWASP LLM Top-10']],
    ['Follow WCAG 2.2 AA and OWASP ASVS.', ['OWASP LLM Top-10']],
    ['Be helpful.', ['WCAG 2.2 AA', 'OWASP ASVS', 'OWASP LLM Top-10']],
  ])('%j fails %j', (persona, missing) => {
    expect(personaViolations(persona)).toEqual(missing);
  });

  it('throws a typed INVALID_INPUT error listing every missing requirement', () => {
    let caught: unknown;
    try {
      assertPersona('You are a helpful assistant.');
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_INPUT')).toBe(true);
    const error = caught as ReturnType<typeof personaPolicyError>;
    expect(error.details).toEqual({ violations: ['WCAG 2.2 AA', 'OWASP ASVS', 'OWASP LLM Top-10'], policy: PERSONA_REQUIREMENTS.map((r) => r.id) });
    expect(error.message).toContain('WCAG 2.2 AA, OWASP ASVS, OWASP LLM Top-10');
  });
});
