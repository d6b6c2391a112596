# Plans the bucket and the table (offline: mock provider). test/terraform also generates a check that the table keys
# equal src/adapters/dynamo-table.ts.

mock_provider "aws" {}

# Known ARNs at plan time (mock values are otherwise unknown until apply), so the policies can be inspected.
override_resource {
  target          = aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "telecast-test-podcasts-123456789012"
    arn = "arn:aws:s3:::telecast-test-podcasts-123456789012"
  }
}

variables {
  bucket_name = "telecast-test-podcasts-123456789012"
  table_name  = "telecast-test-state"
}

run "bucket_blocks_every_kind_of_public_access" {
  command = plan

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All four public access block settings must be true."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
}

run "bucket_is_encrypted_and_versioned" {
  command = plan

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Default encryption must be SSE-S3 unless aws:kms is asked for."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be enabled."
  }
}

run "bucket_denies_requests_without_tls" {
  command = plan

  assert {
    condition = anytrue([
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      s.Effect == "Deny" && s.Principal == "*" && s.Condition.Bool["aws:SecureTransport"] == "false" &&
      s.Resource == [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    ])
    error_message = "The bucket policy must deny aws:SecureTransport = false on the bucket and its objects."
  }
}

run "lifecycle_expires_media_and_cleans_up" {
  command = plan

  variables {
    media_expiration_days = 10
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      r.id == "expire-episode-media" && r.status == "Enabled" && try(r.expiration[0].days, 0) == 10 &&
      try(r.filter[0].and[0].prefix, "") == "podcasts/" && try(r.filter[0].and[0].tags, {}) == tomap({ "telecast-class" = "media" })
    ])
    error_message = "Media under podcasts/ tagged telecast-class=media must expire after media_expiration_days."
  }

  assert {
    condition = anytrue([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule :
      r.status == "Enabled" && try(r.abort_incomplete_multipart_upload[0].days_after_initiation, 0) == 7
    ])
    error_message = "Incomplete multipart uploads must be aborted."
  }
}

run "table_matches_the_adapter_key_design" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.hash_key == "pk" && aws_dynamodb_table.this.range_key == "sk"
    error_message = "Keys must be pk (hash) and sk (range), as in src/adapters/dynamo-table.ts."
  }

  assert {
    condition = aws_dynamodb_table.this.attribute == toset([
      { name = "pk", type = "S" }, { name = "sk", type = "S" },
      { name = "status", type = "S" }, { name = "updated_at", type = "S" },
    ])
    error_message = "Every key attribute must be a string."
  }

  assert {
    condition = anytrue([
      for g in aws_dynamodb_table.this.global_secondary_index :
      g.name == "status-index" && g.hash_key == "status" && g.range_key == "updated_at" && g.projection_type == "ALL"
    ])
    error_message = "The status-index GSI must be keyed status / updated_at with projection ALL."
  }

  assert {
    condition     = aws_dynamodb_table.this.ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.this.ttl[0].enabled
    error_message = "TTL must be enabled on expires_at."
  }
}

run "table_is_on_demand_recoverable_and_encrypted" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "The table must be on demand."
  }

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled && aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "Point-in-time recovery and server-side encryption must be on."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "Deletion protection must be on by default."
  }
}

run "rejects_an_invalid_bucket_name" {
  command = plan

  variables {
    bucket_name = "Telecast_Bucket"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_admits_no_one_by_default" {
  command = plan

  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid] == ["DenyInsecureTransport"]
    error_message = "Without public_read_distribution_arns the policy holds only the TLS Deny."
  }
}

run "bucket_admits_the_named_distributions_on_public_objects_only" {
  command = plan

  variables {
    public_read_distribution_arns = ["arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"]
  }

  assert {
    condition = [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Effect == "Allow"] == [{
      Sid       = "AllowCloudFrontReadPublic"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::telecast-test-podcasts-123456789012/public/*"
      Condition = { StringEquals = { "AWS:SourceArn" = ["arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"] } }
    }]
    error_message = "The distribution may only GetObject under public/, and only that distribution (AWS:SourceArn)."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    error_message = "The public access block stays on: the ARN condition keeps the policy non-public."
  }
}

run "rejects_a_public_distribution_with_the_aws_managed_kms_key" {
  command = plan

  variables {
    sse_algorithm                 = "aws:kms"
    public_read_distribution_arns = ["arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"]
  }

  expect_failures = [aws_s3_bucket_policy.this]
}

run "rejects_a_distribution_arn_that_is_not_one" {
  command = plan

  variables {
    public_read_distribution_arns = ["arn:aws:s3:::somebody-elses-bucket"]
  }

  expect_failures = [var.public_read_distribution_arns]
}
