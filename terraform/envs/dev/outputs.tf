output "collection_queue_url" {
  description = "URL of the telegram collection queue."
  value       = module.telecast.collection_queue_url
}

output "collection_dlq_url" {
  description = "URL of the collection dead-letter queue (inspect dead letters)."
  value       = module.telecast.collection_dlq_url
}

output "collection_dlq_arn" {
  description = "ARN of the collection dead-letter queue (aws sqs start-message-move-task --source-arn)."
  value       = module.telecast.collection_dlq_arn
}

output "processing_queue_url" {
  description = "URL of the podcast processing queue."
  value       = module.telecast.processing_queue_url
}

output "processing_dlq_url" {
  description = "URL of the processing dead-letter queue (inspect dead letters)."
  value       = module.telecast.processing_dlq_url
}

output "processing_dlq_arn" {
  description = "ARN of the processing dead-letter queue (aws sqs start-message-move-task --source-arn)."
  value       = module.telecast.processing_dlq_arn
}

output "bucket_name" {
  description = "Name of the episode bucket."
  value       = module.telecast.bucket_name
}

output "table_name" {
  description = "Name of the state table."
  value       = module.telecast.table_name
}

output "function_names" {
  description = "Names of the Lambda functions, by handler."
  value       = module.telecast.function_names
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule."
  value       = module.telecast.schedule_name
}

output "alarm_topic_arn" {
  description = "ARN of the alarm SNS topic."
  value       = module.telecast.alarm_topic_arn
}

output "dashboard_url" {
  description = "The CloudWatch dashboard (docs/runbook.md, Dashboard)."
  value       = module.telecast.dashboard_url
}

output "schedule_dlq_url" {
  description = "URL of the schedule's dead-letter queue (invocations Scheduler could not deliver)."
  value       = module.telecast.schedule_dlq_url
}

output "admin_url" {
  description = "The admin page's URL (null until functions.json has the admin function)."
  value       = module.telecast.admin_url
}

output "admin_secret_arn" {
  description = "ARN of the admin page's secret (password hash and session key), set out of band."
  value       = module.telecast.admin_secret_arn
}

output "telegram_session_secret_arn" {
  description = "ARN of the Telegram user session's secret (TELEGRAM_SESSION_SECRET_ID of telecast telegram login), null unless telegram_session."
  value       = module.telecast.telegram_session_secret_arn
}

output "public_base_url" {
  description = "Base URL of the published files (PUBLIC_BASE_URL): object public/<x> is served at <url>/<x>."
  value       = module.telecast.public_base_url
}

output "feed_url_pattern" {
  description = "Where a podcast's feed is served (replace <podcast_id>): the URL to give podcast apps and directories."
  value       = module.telecast.feed_url_pattern
}
