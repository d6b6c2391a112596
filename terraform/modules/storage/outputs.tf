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
