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
  }
}
