/**
 * The SDK clients, created once per process and shared by the adapters. Endpoints come from the SDK's standard
 * AWS_ENDPOINT_URL_SQS / _S3 / _DYNAMODB variables, so the same bundle runs against AWS or the local emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
}

export interface ClientOptions {
  /** Path-style S3 URLs: emulators on 127.0.0.1 cannot serve bucket subdomains. Off for AWS. */
  s3ForcePathStyle?: boolean;
  maxAttempts?: number;
}

export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const common = options.maxAttempts ? { maxAttempts: options.maxAttempts } : {};
  return {
    sqs: new SQSClient(common),
    s3: new S3Client({ ...common, forcePathStyle: options.s3ForcePathStyle ?? false }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  };
}

/** Whether S3 is pointed at a custom endpoint (an emulator), which then needs path-style addressing. */
export function usesCustomS3Endpoint(env: Record<string, string | undefined>): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}
