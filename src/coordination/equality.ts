import { NoError, toError } from '../contracts/errors.js';
import { canonicalJson } from '../network/index.js';

/**
 * When two answers count as the same. LLM answers rarely match byte for byte, so each step is
 * pluggable; they apply in this order: `normalize` maps every answer to a comparable form (answers
 * with equal normal forms, as canonical JSON, are the same); then `equals`, then `judge`, compare
 * the first answers of the groups left, so a judge is asked once per pair of distinct answers.
 */
export interface EqualityOptions {
  /** @default the answer itself */
  normalize?: (answer: unknown) => unknown;
  /** Compares two normalized answers. @default none (canonical JSON equality only) */
  equals?: (a: unknown, b: unknown) => boolean;
  /**
   * A judge (an agent, an LLM call) deciding whether two answers say the same; it gets the
   * answers as given, not normalized. Its failure fails the vote. @default none
   */
  judge?: (a: unknown, b: unknown, context: { signal?: AbortSignal | undefined }) => boolean | Promise<boolean>;
}

/** Strings trimmed, white space collapsed, lower-cased; anything else unchanged. */
export function normalizeText(answer: unknown): unknown {
  return typeof answer === 'string' ? answer.trim().replace(/\s+/g, ' ').toLowerCase() : answer;
}

/**
 * Groups `answers` by the equality options: returns each answer's group number (groups numbered in
 * order of first appearance) and the first answer of each group.
 */
export async function groupAnswers(
  answers: readonly unknown[],
  options: EqualityOptions,
  signal?: AbortSignal,
): Promise<{ groupOf: number[]; representatives: unknown[] }> {
  const byKey = new Map<string, number>();
  const keyRepresentative: unknown[] = [];
  const keyNormal: unknown[] = [];
  const keyOf = answers.map((answer) => {
    let normal: unknown;
    try {
      normal = options.normalize ? options.normalize(answer) : answer;
    } catch (error) {
      throw new NoError('INVALID_INPUT', `consensus normalize threw: ${toError(error).message}; make normalize total (return the answer as is when it cannot normalize it)`, { cause: error, details: {} });
    }
    const key = canonicalJson(normal ?? null);
    let index = byKey.get(key);
    if (index === undefined) {
      byKey.set(key, (index = keyRepresentative.length));
      keyRepresentative.push(answer);
      keyNormal.push(normal);
    }
    return index;
  });
  // Merge the exact groups with equals / judge: each one joins the first earlier group it matches.
  const groupOfKey: number[] = [];
  const representatives: unknown[] = [];
  const normals: unknown[] = [];
  for (let k = 0; k < keyRepresentative.length; k++) {
    let found = -1;
    if (options.equals || options.judge) {
      for (let g = 0; g < representatives.length && found < 0; g++) {
        signal?.throwIfAborted();
        if (options.equals && options.equals(normals[g], keyNormal[k])) found = g;
        else if (options.judge && (await options.judge(representatives[g], keyRepresentative[k], { signal }))) found = g;
      }
    }
    if (found < 0) {
      found = representatives.length;
      representatives.push(keyRepresentative[k]);
      normals.push(keyNormal[k]);
    }
    groupOfKey.push(found);
  }
  return { groupOf: keyOf.map((k) => groupOfKey[k]!), representatives };
}
