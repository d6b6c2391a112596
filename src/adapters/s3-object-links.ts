/** ObjectLinks over S3: presigned GETs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html). */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectLinks } from '../core/ports.ts';

export class S3ObjectLinks implements ObjectLinks {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  linkTo(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}
