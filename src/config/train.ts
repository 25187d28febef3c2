import { z } from 'zod';

/** `train` section. Every field has a default. */
export const TrainConfigSchema = z.strictObject({});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
