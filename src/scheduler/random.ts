/**
 * Seeded pseudo-random numbers, so that plans and learning are reproducible: the same seed gives
 * the same sequence on every machine.
 */
export type Random = () => number;

// A module-level binding: a global lookup per draw is ~100x slower under jest's sandboxed globals.
const imul = Math.imul;

/** mulberry32: a small, fast 32-bit generator with good statistical quality for simulation. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string: a stable 32-bit seed or id from content. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
