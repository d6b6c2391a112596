/**
 * Emulators plus provisioned resources and Telecast's adapters on top of them, for integration tests of the adapters
 * and core flows without the Lambda runner. Real SDK clients over HTTP; nothing is mocked.
 */
import { DynamoChannelProgress } from '../../src/adapters/dynamo-channel-progress.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../src/adapters/dynamo-audit-log.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../../src/adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../../src/adapters/s3-object-store.ts';
import { SqsQueue } from '../../src/adapters/sqs-queue.ts';
import { createLocalClients, destroyLocalClients, type LocalClients } from '../../src/local/clients.ts';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';
import { provision, type Resources } from '../../src/local/provision.ts';

export interface EmulatedAws {
  emulators: Emulators;
  clients: LocalClients;
  resources: Resources;
  podcasts: DynamoPodcastRepository;
  episodes: DynamoEpisodeRepository;
  progress: DynamoChannelProgress;
  audit: DynamoAuditLog;
  objects: S3ObjectStore;
  queue: SqsQueue;
  stop(): Promise<void>;
}

export async function startEmulatedAws(visibilityTimeoutSeconds: Record<string, number> = { collection: 1, processing: 1 }): Promise<EmulatedAws> {
  const emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
  const clients = createLocalClients(emulators.endpoints);
  const resources = await provision(clients, { visibilityTimeoutSeconds });
  const doc = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    emulators,
    clients,
    resources,
    podcasts: new DynamoPodcastRepository(doc, resources.table),
    episodes: new DynamoEpisodeRepository(doc, resources.table),
    progress: new DynamoChannelProgress(doc, resources.table),
    audit: new DynamoAuditLog(doc, resources.table),
    objects: new S3ObjectStore(clients.s3, resources.bucket),
    queue: new SqsQueue(clients.sqs),
    async stop() {
      destroyLocalClients(clients);
      await emulators.stop();
    },
  };
}
