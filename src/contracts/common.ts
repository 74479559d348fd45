import { z } from 'zod';

/** A finite number (rejects NaN and ±Infinity, which Zod 4 already refuses for z.number()). */
export const FiniteNumberSchema = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
export const NonNegativeNumberSchema = z.number().nonnegative();
export const PositiveIntSchema = z.number().int().positive();
export const IdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters');

/** Renewable resource capacities or demands, by resource name (cpu, memoryMb, gpu, ...). */
export const ResourceMapSchema = z.record(z.string().min(1).max(64), z.number().nonnegative());
export type ResourceMap = z.infer<typeof ResourceMapSchema>;

/** JSON-compatible value (what crosses process, checkpoint and MCP boundaries). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
