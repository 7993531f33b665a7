import { z } from 'zod';

export const modelEntry = z.object({
  id: z.string().min(1).max(200),
  object: z.literal('model'),
  created: z.number().int().nonnegative(),
  owned_by: z.string().max(200),
  /** Set on the gateway's built-in demo upstream so nobody mistakes it for the real model. */
  airlock_demo: z.boolean().optional(),
});
export const modelList = z.object({
  object: z.literal('list'),
  data: z.array(modelEntry),
});
export type ModelEntry = z.infer<typeof modelEntry>;
export type ModelList = z.infer<typeof modelList>;
