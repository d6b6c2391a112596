output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_policy" {
  description = "The role's inline policy document (JSON), for review and tests."
  value       = aws_iam_role_policy.this.policy
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_retention_days" {
  description = "Retention of the function's log group, in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}

output "timeout" {
  description = "Timeout of the function, in seconds."
  value       = aws_lambda_function.this.timeout
}

output "memory_size" {
  description = "Memory of the function, in MB."
  value       = aws_lambda_function.this.memory_size
}

output "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function (its cap), or null when unreserved (the provider's -1)."
  value       = try(aws_lambda_function.this.reserved_concurrent_executions >= 0, false) ? aws_lambda_function.this.reserved_concurrent_executions : null
}

output "ephemeral_storage_size" {
  description = "Size of the function's /tmp, in MB."
  value       = one(aws_lambda_function.this.ephemeral_storage[*].size)
}

output "runtime" {
  description = "Runtime of the function."
  value       = aws_lambda_function.this.runtime
}

output "environment_variables" {
  description = "Environment variables of the function (configuration only: names and URLs, no secrets)."
  value       = var.environment_variables
}

output "event_source_mapping" {
  description = "Settings of the SQS event source mapping, or null without one."
  value = one([for m in aws_lambda_event_source_mapping.sqs : {
    uuid                               = m.uuid
    event_source_arn                   = m.event_source_arn
    batch_size                         = m.batch_size
    maximum_batching_window_in_seconds = m.maximum_batching_window_in_seconds
    function_response_types            = m.function_response_types
    maximum_concurrency                = one(m.scaling_config[*].maximum_concurrency)
  }])
}

output "application_log_level" {
  description = "Lambda's filter of the function's application logs."
  value       = aws_lambda_function.this.logging_config[0].application_log_level
}
