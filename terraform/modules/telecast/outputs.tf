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

output "queues" {
  description = "Both source queues with their dead-letter queues, by settings key (collection, processing)."
  value = {
    for key, q in { collection   = module.collection_queue, processing = module.processing_queue } : key => {
      name                       = q.queue_name
      url                        = q.queue_url
      arn                        = q.queue_arn
      visibility_timeout_seconds = q.queue_visibility_timeout_seconds
      redrive_policy             = q.queue_redrive_policy
      dlq_name                   = q.dlq_name
      dlq_url                    = q.dlq_url
      dlq_arn                    = q.dlq_arn
    }
  }
}

output "function_names" {
  description = "Names of the functions, by functions.json name."
  value       = { for name, f in module.functions : name => f.function_name }
}

output "functions" {
  description = "The functions, by functions.json name: configuration, log group and SQS trigger, for review and tests."
  value = {
    for name, f in module.functions : name => {
      name                           = f.function_name
      arn                            = f.function_arn
      runtime                        = f.runtime
      timeout                        = f.timeout
      memory_size                    = f.memory_size
      ephemeral_storage_size         = f.ephemeral_storage_size
      reserved_concurrent_executions = f.reserved_concurrent_executions
      environment_variables          = f.environment_variables
      log_group_name                 = f.log_group_name
      log_retention_days             = f.log_retention_days
      application_log_level          = f.application_log_level
      event_source_mapping           = f.event_source_mapping
    }
  }
}

output "role_policies" {
  description = "The inline policy (JSON) of every role this stack creates, by role (functions by functions.json name), for review and tests."
  value       = merge({ for name, f in module.functions : name => f.role_policy }, { schedule = module.schedule.role_policy })
}

output "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule."
  value       = module.schedule.schedule_name
}

output "schedule_dlq_url" {
  description = "URL of the schedule's dead-letter queue (invocations that could not be delivered)."
  value       = module.schedule.dlq_url
}

output "alarm_names" {
  description = "Names of every alarm, by kind and key."
  value       = module.alarms.alarm_names
}

output "alarm_arns" {
  description = "ARNs of every alarm (the dashboard's alarm status widget lists them)."
  value       = module.alarms.alarm_arns
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = module.dashboard.dashboard_name
}

output "dashboard_url" {
  description = "The CloudWatch dashboard in the console."
  value       = module.dashboard.dashboard_url
}

output "dashboard_body" {
  description = "The dashboard's body (JSON), for review and tests."
  value       = module.dashboard.dashboard_body
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms notify."
  value       = module.alarms.topic_arn
}

output "admin_url" {
  description = "The admin page's function URL (null without the admin function)."
  value       = try(aws_lambda_function_url.admin[0].function_url, null)
}

output "admin_secret_arn" {
  description = "ARN of the admin page's secret: put its password hash and session key there (terraform/README.md)."
  value       = try(aws_secretsmanager_secret.admin[0].arn, null)
}

output "telegram_session_secret_arn" {
  description = "ARN of the Telegram user session's secret (TELEGRAM_SESSION_SECRET_ID): telecast telegram login writes it (terraform/README.md); null unless telegram_session."
  value       = try(aws_secretsmanager_secret.telegram_session[0].arn, null)
}

output "public_base_url" {
  description = "PUBLIC_BASE_URL: https://<distribution domain>, where object public/<x> is served at <url>/<x>; null without publishing."
  value       = try(module.publishing[0].public_base_url, null)
}

output "feed_url_pattern" {
  description = "Where a podcast's feed is served (replace <podcast_id>); null without publishing."
  value       = try(module.publishing[0].feed_url_pattern, null)
}

output "publishing_distribution_id" {
  description = "ID of the publishing CloudFront distribution (for an invalidation by hand); null without publishing."
  value       = try(module.publishing[0].distribution_id, null)
}

output "bucket_policy" {
  description = "The episode bucket's policy (JSON), for review and tests."
  value       = module.storage.bucket_policy
}
