/**
 * Reads terraform/queue-settings.json, the one source of truth for queue names and settings (Terraform reads the same
 * file with jsondecode). Nothing here repeats its numbers: the local stack provisions and polls from what it returns.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const QUEUE_SETTINGS_PATH = fileURLToPath(new URL('../../terraform/queue-settings.json', import.meta.url));

export interface QueueSetting {
  name: string;
  dlq_name: string;
  visibility_timeout_seconds: number;
  message_retention_seconds: number;
  dlq_message_retention_seconds: number;
  max_receive_count: number;
  batch_size: number;
  maximum_batching_window_seconds: number;
  maximum_concurrency: number;
}

/** Keyed by role (`collection`, `processing`), as in the JSON. Which function consumes a queue: terraform/functions.json. */
export type QueueSettings = Record<string, QueueSetting>;

const STRING_KEYS = ['name', 'dlq_name'] as const;
const NUMBER_KEYS = [
  'visibility_timeout_seconds',
  'message_retention_seconds',
  'dlq_message_retention_seconds',
  'max_receive_count',
  'batch_size',
  'maximum_batching_window_seconds',
  'maximum_concurrency',
] as const;

/** Parses and checks the file's shape; throws naming every missing or mistyped key. */
export function loadQueueSettings(path: string = QUEUE_SETTINGS_PATH): QueueSettings {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { queues?: Record<string, Record<string, unknown>> };
  if (!raw.queues || typeof raw.queues !== 'object') throw new Error(`${path}: no "queues" object`);
  const problems: string[] = [];
  for (const [key, queue] of Object.entries(raw.queues)) {
    for (const k of STRING_KEYS) if (typeof queue[k] !== 'string') problems.push(`queues.${key}.${k} must be a string`);
    for (const k of NUMBER_KEYS) if (typeof queue[k] !== 'number') problems.push(`queues.${key}.${k} must be a number`);
  }
  if (problems.length) throw new Error(`${path}: ${problems.join('; ')}`);
  return raw.queues as unknown as QueueSettings;
}

/**
 * The scheduler's default STUCK_AFTER_MINUTES: the longest SQS may still be retrying a message (visibility timeout x
 * max receive count, of the slowest queue) plus 30 minutes, so no episode is failed while it may still be delivered.
 * terraform/modules/telecast derives the same (local.stuck_after_minutes), CONFIG_KEYS holds the result as its default.
 */
export function stuckAfterMinutesFor(settings: QueueSettings): number {
  const retrySpanSeconds = Math.max(...Object.values(settings).map((q) => q.visibility_timeout_seconds * q.max_receive_count));
  return Math.ceil(retrySpanSeconds / 60) + 30;
}
