output "collection_queue_url" {
  description = "URL of the telegram collection queue (COLLECTION_QUEUE_URL)."
  value       = module.collection_queue.queue_url
}

output "collection_dlq_url" {
  description = "URL of the collection dead-letter queue (COLLECTION_DLQ_URL)."
  value       = module.collection_queue.dlq_url
}

output "collection_dlq_arn" {
  description = "ARN of the collection dead-letter queue: the --source-arn of its redrive."
  value       = module.collection_queue.dlq_arn
}

output "processing_queue_url" {
  description = "URL of the podcast processing queue (PROCESSING_QUEUE_URL)."
  value       = module.processing_queue.queue_url
}

output "processing_dlq_url" {
  description = "URL of the processing dead-letter queue (PROCESSING_DLQ_URL)."
  value       = module.processing_queue.dlq_url
}

output "processing_dlq_arn" {
  description = "ARN of the processing dead-letter queue: the --source-arn of its redrive."
  value       = module.processing_queue.dlq_arn
}

output "bucket_name" {
  description = "Name of the episode bucket (BUCKET_NAME)."
  value       = module.storage.bucket_name
}

output "table_name" {
  description = "Name of the state table (TABLE_NAME)."
  value       = module.storage.table_name
}

output "function_names" {
  description = "Names of the three functions, by handler."
  value = {
    telegram  = module.telegram.function_name
    podcastfy = module.podcastfy.function_name
    scheduler = module.scheduler.function_name
  }
}

output "role_policies" {
  description = "The inline policy (JSON) of every role this stack creates, by role, for review and tests."
  value = {
    telegram  = module.telegram.role_policy
    podcastfy = module.podcastfy.role_policy
    scheduler = module.scheduler.role_policy
    schedule  = module.schedule.role_policy
  }
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule."
  value       = module.schedule.schedule_name
}

output "schedule_dlq_url" {
  description = "URL of the schedule's dead-letter queue (invocations that could not be delivered)."
  value       = module.schedule.dlq_url
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify."
  value       = module.alarms.topic_arn
}
