/**
 * The SDK clients, created once per process and shared by the adapters. Endpoints come from the SDK's standard
 * AWS_ENDPOINT_URL_SQS / _S3 / _DYNAMODB variables, so the same bundle runs against AWS or the local emulators.
 * One factory per service, so a function that needs no S3 (the scheduler) does not bundle the S3 client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  maxAttempts?: number;
}

function common(options: ClientOptions): { maxAttempts?: number } {
  return options.maxAttempts ? { maxAttempts: options.maxAttempts } : {};
}

export function createSqsClient(options: ClientOptions = {}): SQSClient {
  return new SQSClient(common(options));
}

/** `forcePathStyle`: emulators on 127.0.0.1 cannot serve bucket subdomains (see {@link usesCustomS3Endpoint}). */
export function createS3Client(options: ClientOptions & { forcePathStyle?: boolean } = {}): S3Client {
  return new S3Client({ ...common(options), forcePathStyle: options.forcePathStyle ?? false });
}

export function createDynamoClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(common(options)), { marshallOptions: { removeUndefinedValues: true } });
}

/** Whether S3 is pointed at a custom endpoint (an emulator), which then needs path-style addressing. */
export function usesCustomS3Endpoint(env: Record<string, string | undefined>): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}
