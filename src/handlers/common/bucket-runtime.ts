/** State, queues and the episode bucket: what the two SQS consumers use (runtime.ts has the rest). */
import { createS3Client, usesCustomS3Endpoint } from '../../adapters/aws-clients.ts';
import { S3ObjectStore } from '../../adapters/s3-object-store.ts';
import { createStateRuntime } from './runtime.ts';

export function createRuntime(env: Record<string, string | undefined>, names: { tableName: string; bucketName: string }) {
  return {
    ...createStateRuntime(names.tableName),
    objects: new S3ObjectStore(createS3Client({ forcePathStyle: usesCustomS3Endpoint(env) }), names.bucketName),
  };
}

