/**
 * SDK clients the local stack itself uses (provisioning, the event source mapping's poller, the demo's downloads).
 * The handlers build their own clients from the environment the stack gives them (stack.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorEndpoints } from './emulators.ts';

/** The emulators accept any credentials; these are only there so the SDK signs requests without looking further. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'telecast-local', secretAccessKey: 'telecast-local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface LocalClients {
  sqs: SQSClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

export function createLocalClients(endpoints: EmulatorEndpoints, region: string = LOCAL_REGION): LocalClients {
  const common = { region, credentials: LOCAL_CREDENTIALS };
  return {
    sqs: new SQSClient({ ...common, endpoint: endpoints.sqs }),
    // fauxqs serves path-style (`/<bucket>/<key>`); virtual-hosted style would need `<bucket>.<host>` to resolve.
    s3: new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }),
  };
}

export function destroyLocalClients(clients: LocalClients): void {
  clients.sqs.destroy();
  clients.s3.destroy();
  clients.dynamodb.destroy();
}
