import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { parseCollectionRequest } from '../core/contracts.ts';
const s = new SQSClient({}); const s3 = new S3Client({}); const d = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (e: any) => { console.log(SendMessageCommand, PutObjectCommand, UpdateCommand, BatchProcessor, EventType, processPartialResponse, Logger, parseCollectionRequest, s, s3, d); };
