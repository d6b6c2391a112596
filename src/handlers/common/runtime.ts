/**
 * What the handlers' default dependencies share: SDK clients created once per cold start, a clock, lease sizing.
 * The episode bucket is in bucket-runtime.ts, so a function without S3 (the scheduler) does not bundle its client.
 */
import type { Context } from 'aws-lambda';
import { createDynamoClient, createSqsClient } from '../../adapters/aws-clients.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../../adapters/dynamo-repository.ts';
import { DynamoChannelProgress } from '../../adapters/dynamo-channel-progress.ts';
import { SqsQueue } from '../../adapters/sqs-queue.ts';
import { systemClock } from '../../core/ports.ts';

/** State and queues: what every function uses. */
export function createStateRuntime(tableName: string) {
  const dynamo = createDynamoClient();
  const queue = new SqsQueue(createSqsClient());
  return {
    podcasts: new DynamoPodcastRepository(dynamo, tableName),
    episodes: new DynamoEpisodeRepository(dynamo, tableName),
    progress: new DynamoChannelProgress(dynamo, tableName),
    queue,
    inspector: queue,
    clock: systemClock,
  };
}

/**
 * How long a claim stays exclusive: the invocation's remaining time. A redelivery can only arrive after the
 * visibility timeout (≥ 6 × the function timeout), by which time this invocation has ended one way or another.
 */
export function leaseSeconds(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined, fallbackSeconds = 900): number {
  const ms = context?.getRemainingTimeInMillis?.();
  return Math.max(1, Math.ceil((typeof ms === 'number' && ms > 0 ? ms : fallbackSeconds * 1000) / 1000));
}
