output "schedule_name" {
  description = "Name of the schedule."
  value       = aws_scheduler_schedule.this.name
}

output "schedule_arn" {
  description = "ARN of the schedule."
  value       = aws_scheduler_schedule.this.arn
}

output "role_arn" {
  description = "ARN of the role EventBridge Scheduler uses."
  value       = aws_iam_role.this.arn
}

output "role_policy" {
  description = "The role's inline policy document (JSON), for review and tests."
  value       = aws_iam_role_policy.this.policy
}

output "dlq_url" {
  description = "URL of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the schedule's dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}
