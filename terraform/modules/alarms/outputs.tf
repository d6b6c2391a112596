output "topic_arn" {
  description = "ARN of the alarm topic."
  value       = aws_sns_topic.this.arn
}

output "topic_name" {
  description = "Name of the alarm topic."
  value       = aws_sns_topic.this.name
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts the alarm topic."
  value       = aws_kms_key.this.arn
}

output "alarm_names" {
  description = "Names of every alarm, by kind and key."
  value = {
    dlq_messages_visible     = { for k, a in aws_cloudwatch_metric_alarm.dlq_messages_visible : k => a.alarm_name }
    queue_oldest_message_age = { for k, a in aws_cloudwatch_metric_alarm.queue_oldest_message_age : k => a.alarm_name }
    lambda_errors            = { for k, a in aws_cloudwatch_metric_alarm.lambda_errors : k => a.alarm_name }
    lambda_throttles         = { for k, a in aws_cloudwatch_metric_alarm.lambda_throttles : k => a.alarm_name }
    episodes_failed          = aws_cloudwatch_metric_alarm.episodes_failed.alarm_name
    pipeline_stalled         = aws_cloudwatch_metric_alarm.pipeline_stalled.alarm_name
  }
}

# Built from the names in AWS's alarm ARN format rather than read from the resources, so they are known at plan time:
# the dashboard's alarm widget lists them, and a plan (or terraform test) can show the whole dashboard body.
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html#amazoncloudwatch-resources-for-iam-policies
output "alarm_arns" {
  description = "ARNs of every alarm (for the dashboard's alarm status widget), sorted."
  value = sort(concat(
    [for a in aws_cloudwatch_metric_alarm.dlq_messages_visible : "${local.alarm_arn_base}${a.alarm_name}"],
    [for a in aws_cloudwatch_metric_alarm.queue_oldest_message_age : "${local.alarm_arn_base}${a.alarm_name}"],
    [for a in aws_cloudwatch_metric_alarm.lambda_errors : "${local.alarm_arn_base}${a.alarm_name}"],
    [for a in aws_cloudwatch_metric_alarm.lambda_throttles : "${local.alarm_arn_base}${a.alarm_name}"],
    ["${local.alarm_arn_base}${aws_cloudwatch_metric_alarm.episodes_failed.alarm_name}"],
    ["${local.alarm_arn_base}${aws_cloudwatch_metric_alarm.pipeline_stalled.alarm_name}"],
  ))
}

output "episodes_failed_alarm_arn" {
  description = "ARN of the episodes-failed alarm."
  value       = "${local.alarm_arn_base}${aws_cloudwatch_metric_alarm.episodes_failed.alarm_name}"
}

output "pipeline_stalled_alarm_arn" {
  description = "ARN of the pipeline-stalled alarm."
  value       = "${local.alarm_arn_base}${aws_cloudwatch_metric_alarm.pipeline_stalled.alarm_name}"
}
