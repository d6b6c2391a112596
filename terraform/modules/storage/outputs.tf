output "bucket_name" {
  description = "Name of the episode bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the episode bucket."
  value       = aws_s3_bucket.this.arn
}

output "table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the DynamoDB table."
  value       = aws_dynamodb_table.this.arn
}

output "table_index_arns" {
  description = "ARNs of the table's indexes, one by one (no wildcard), for IAM."
  value       = [for index in aws_dynamodb_table.this.global_secondary_index : "${aws_dynamodb_table.this.arn}/index/${index.name}"]
}

output "status_index_name" {
  description = "Name of the status index."
  value       = one([for index in aws_dynamodb_table.this.global_secondary_index : index.name])
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the episode bucket: the origin of the publishing distribution."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "bucket_policy" {
  description = "The bucket policy (JSON), for review and tests."
  value       = aws_s3_bucket_policy.this.policy
}
