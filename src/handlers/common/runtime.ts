/** What every handler's default dependencies share: SDK clients created once per cold start, a clock, lease sizing. */
import type { Context } from 'aws-lambda';
import { createAwsClients, usesCustomS3Endpoint, type AwsClients } from '../../adapters/aws-clients.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../../adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../../adapters/s3-object-store.ts';
import { SqsQueue } from '../../adapters/sqs-queue.ts';
import { systemClock } from '../../core/ports.ts';

export function createRuntime(env: Record<string, string | undefined>, names: { tableName: string; bucketName?: string }) {
  const clients: AwsClients = createAwsClients({ s3ForcePathStyle: usesCustomS3Endpoint(env) });
  const queue = new SqsQueue(clients.sqs);
  return {
    clients,
    podcasts: new DynamoPodcastRepository(clients.dynamo, names.tableName),
    episodes: new DynamoEpisodeRepository(clients.dynamo, names.tableName),
    objects: new S3ObjectStore(clients.s3, names.bucketName ?? ''),
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
