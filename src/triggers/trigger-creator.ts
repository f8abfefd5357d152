import { z } from 'zod';

/**
 * Who configured a schedule or a Slack channel (the API token, as `token:<id>`): members change and
 * remove only what they configured; admins anything. Absent on what was configured before it was
 * recorded (then admins only).
 */
export const TriggerCreator = z.object({ id: z.string().min(1), name: z.string() });
export type TriggerCreator = z.infer<typeof TriggerCreator>;
