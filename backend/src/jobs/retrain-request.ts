import { z } from 'zod';
import { reasonSchema } from '../core/schemas.ts';
import { runnerNames } from './job-types.ts';

/** The retrain request body (docs/api.md). A trainer command is never taken from a request. */
export const retrainRequestSchema = z
  .strictObject({
    reason: reasonSchema,
    runner: z.enum(runnerNames).optional().meta({ description: "Default: the model's settings.retrain.runner, else builtin" }),
    gpus: z.number().int().min(0).max(64).optional().meta({ description: 'GPUs for the command runner (CUDA_VISIBLE_DEVICES)' }),
    params: z
      .record(z.string().max(100), z.unknown())
      .refine((p) => Object.keys(p).length <= 100, 'at most 100 parameters')
      .refine((p) => JSON.stringify(p).length <= 20_000, 'at most 20 kB of JSON')
      .optional()
      .meta({ description: 'Trainer parameters (built-in: algorithm gbdt|logistic and its hyperparameters; command: passed as MODELWATCH_PARAMS)' }),
  })
  .meta({ id: 'RetrainRequest' });
export type RetrainRequest = z.output<typeof retrainRequestSchema>;
