/**
 * One structured JSON logger (Powertools) for every handler. Records add `podcast_id`, `episode_id` and the SQS
 * `message_id` through child loggers; message bodies, tokens and secrets are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'telecast' });
export type { Logger };
