import type { Random } from '../scheduler/random.js';

/**
 * Which personal bests a particle is drawn to: the whole swarm's best (`global`: converges fast, and
 * on a rugged landscape often too early) or the best of itself and its two ring neighbours (`ring`:
 * slower to agree, so it explores more; Bratton and Kennedy's standard PSO uses it).
 */
export type SwarmTopology = 'global' | 'ring';

/** Constriction coefficients: velocity ← χ·(velocity + c1·r1·(personal − x) + c2·r2·(neighbours' − x)). */
export interface Constriction {
  chi: number;
  c1: number;
  c2: number;
}

/** The swarm's whole state between iterations: plain arrays, so it is cheap to copy or inspect. */
export interface SwarmState {
  positions: number[][];
  velocities: number[][];
  bestPositions: number[][];
  /** Each particle's best value so far; Infinity until it has been evaluated. */
  bestValues: number[];
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/**
 * Particles spread uniformly over the box, `initial` points first; velocities as in SPSO 2007, half
 * the way to another uniform point, so the first move is on the scale of the box.
 */
export function initialSwarm(size: number, lower: readonly number[], upper: readonly number[], initial: readonly number[][], random: Random): SwarmState {
  const uniform = (): number[] => lower.map((lo, d) => lo + random() * (upper[d]! - lo));
  const positions = Array.from({ length: size }, (_, i) => (i < initial.length ? [...initial[i]!] : uniform()));
  const velocities = positions.map((x) => uniform().map((u, d) => (u - x[d]!) / 2));
  return { positions, velocities, bestPositions: positions.map((x) => [...x]), bestValues: positions.map(() => Infinity) };
}

/** The index of the best personal best a particle sees under the topology (ties: lowest index). */
export function guideOf(state: SwarmState, particle: number, topology: SwarmTopology, globalBest: number): number {
  if (topology === 'global') return globalBest;
  const n = state.bestValues.length;
  let guide = particle;
  for (const j of [(particle + n - 1) % n, (particle + 1) % n]) {
    if (state.bestValues[j]! < state.bestValues[guide]! || (state.bestValues[j] === state.bestValues[guide] && j < guide)) guide = j;
  }
  return guide;
}

/** The index of the lowest personal best (ties: lowest index), or -1 before any evaluation. */
export function bestParticle(state: SwarmState): number {
  let best = -1;
  state.bestValues.forEach((v, i) => {
    if (v !== Infinity && (best < 0 || v < state.bestValues[best]!)) best = i;
  });
  return best;
}

/**
 * Moves every particle one step. A coordinate that would leave the box stops at the wall and its
 * velocity there drops to zero (absorbing walls), so no evaluated point ever lies outside the
 * bounds; velocities are also held to the box's width, which constriction makes rare but a wall
 * that keeps absorbing would otherwise never see.
 */
export function moveSwarm(state: SwarmState, lower: readonly number[], upper: readonly number[], topology: SwarmTopology, k: Constriction, random: Random): void {
  const globalBest = bestParticle(state);
  for (let i = 0; i < state.positions.length; i++) {
    const x = state.positions[i]!;
    const v = state.velocities[i]!;
    const personal = state.bestPositions[i]!;
    const guideIndex = guideOf(state, i, topology, globalBest < 0 ? i : globalBest);
    const guide = state.bestPositions[guideIndex]!;
    for (let d = 0; d < x.length; d++) {
      const width = upper[d]! - lower[d]!;
      const r1 = random();
      const r2 = random();
      const next = k.chi * (v[d]! + k.c1 * r1 * (personal[d]! - x[d]!) + k.c2 * r2 * (guide[d]! - x[d]!));
      v[d] = clamp(next, -width, width);
      const moved = x[d]! + v[d]!;
      if (moved < lower[d]! || moved > upper[d]!) {
        x[d] = clamp(moved, lower[d]!, upper[d]!);
        v[d] = 0;
      } else x[d] = moved;
    }
  }
}

/** Records the values of the first `values.length` particles; returns how many personal bests improved. */
export function recordValues(state: SwarmState, values: readonly number[]): number {
  let improved = 0;
  values.forEach((value, i) => {
    if (value < state.bestValues[i]!) {
      state.bestValues[i] = value;
      state.bestPositions[i] = [...state.positions[i]!];
      improved++;
    }
  });
  return improved;
}

/**
 * The swarm's spread: the mean distance of the particles to the best point, each coordinate divided
 * by its bound's width (so 1 is the box's scale and 0 means every particle sits on the best).
 */
export function swarmRadius(state: SwarmState, best: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  let total = 0;
  for (const x of state.positions) {
    let sum = 0;
    for (let d = 0; d < x.length; d++) {
      const width = upper[d]! - lower[d]!;
      if (width > 0) sum += ((x[d]! - best[d]!) / width) ** 2;
    }
    total += Math.sqrt(sum);
  }
  return total / state.positions.length;
}
