# The episode bucket (private, encrypted, versioned, TLS only) and the state table (podcasts + episodes).

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: every object belongs to the bucket owner, and access is decided by IAM and the bucket policy only.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.sse_algorithm
    }
    # Fewer KMS requests with SSE-KMS; ignored with AES256.
    bucket_key_enabled = var.sse_algorithm == "aws:kms"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      # A Deny: its wildcard action narrows access and must cover every action.
      # https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }], length(var.public_read_distribution_arns) == 0 ? [] : [{
      # The published files, read by CloudFront through its origin access control, and only by the distributions
      # named: the condition on fixed ARNs keeps the policy non-public, so the public access block stays on.
      # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
      Sid       = "AllowCloudFrontReadPublic"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.this.arn}/public/*"
      Condition = { StringEquals = { "AWS:SourceArn" = var.public_read_distribution_arns } }
    }])
  })

  lifecycle {
    precondition {
      # CloudFront cannot decrypt objects encrypted with the AWS managed key aws/s3 (its key policy cannot be changed).
      condition     = length(var.public_read_distribution_arns) == 0 || var.sse_algorithm == "AES256"
      error_message = "public_read_distribution_arns needs sse_algorithm = \"AES256\": CloudFront cannot read objects encrypted with the AWS managed key aws/s3."
    }
  }

  # S3 rejects a bucket policy while Block Public Access is still being applied to a new bucket.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Downloaded images and kept turns (podcasts/*/turns/, for a retried generation) are only needed while the episode is
  # generated. A lifecycle filter cannot express podcasts/*/media/ (prefixes only), so the rule matches the tag the
  # writer puts on media objects and turns.
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
  rule {
    id     = "expire-episode-media"
    status = "Enabled"

    filter {
      and {
        prefix = "podcasts/"
        tags   = { (var.media_tag.key) = var.media_tag.value }
      }
    }

    expiration {
      days = var.media_expiration_days
    }
  }

  # Whole-bucket housekeeping; these actions do not accept tag filters.
  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  # Lifecycle rules on a versioned bucket must be applied after versioning.
  depends_on = [aws_s3_bucket_versioning.this]
}

# Keys must match src/adapters/dynamo-table.ts (TABLE_KEYS); test/terraform checks both agree.
resource "aws_dynamodb_table" "this" {
  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  attribute {
    name = "updated_at"
    type = "S"
  }

  # Sparse: only episodes carry status. Serves the scheduler's stuck-episode sweep.
  global_secondary_index {
    name            = "status-index"
    hash_key        = "status"
    range_key       = "updated_at"
    projection_type = "ALL"
  }

  # AWS-only: the local emulator (dynalite) ignores TTL.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # KMS encryption with the AWS managed key aws/dynamodb (the default would be an AWS owned key).
  server_side_encryption {
    enabled = true
  }
}
