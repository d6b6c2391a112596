# Alarms that tell an operator when messages dead-letter, queues back up, functions fail, episodes fail or the pipeline
# stalls, sent to one SNS topic. Every description links the alarm's section of docs/runbook.md (var.runbook_url).

locals {
  topic_name      = "${var.name_prefix}-alarms"
  topic_arn       = "arn:${var.partition}:sns:${var.region}:${var.account_id}:${local.topic_name}"
  alarm_arn_base  = "arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:"
  alarm_arn_match = "${local.alarm_arn_base}${var.name_prefix}-*"

  # Telecast's own metrics: namespace, service, names and dimension values from the catalogue the functions emit from.
  catalogue = jsondecode(file("${path.module}/../../metrics.json"))
  service   = local.catalogue.service
  # The stages an episode can fail in (EpisodesFailed's `stage` values), one metric each in the episodes-failed sum.
  failed_stages = local.catalogue.metrics.EpisodesFailed.dimensions.stage

  # CloudWatch's limit on alarm_description; each alarm checks its own in a precondition.
  description_limit = 1024
}

# The topic is encrypted with this customer managed key rather than the AWS managed alias/aws/sns: CloudWatch can only
# publish to an encrypted topic whose key policy lets it use the key, and the aws/sns key policy cannot be changed.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
resource "aws_kms_key" "this" {
  description             = "Encrypts the ${local.topic_name} SNS topic."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags

  # In a key policy, Resource "*" means this key (AWS requires it):
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Delegates to IAM, like the default key policy, but with the actions named instead of kms:*.
        Sid       = "AccountAdministersAndUsesKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${var.partition}:iam::${var.account_id}:root" }
        Action = [
          "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
          "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
          "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListGrants",
          "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy",
          "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
          "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
          "kms:UpdateKeyDescription",
        ]
        Resource = "*"
      },
      {
        # What SNS needs on CloudWatch's behalf to store an alarm notification. The topic policy limits who publishes.
        Sid       = "CloudWatchAlarmsPublishEncrypted"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.topic_name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sns_topic" "this" {
  name              = local.topic_name
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Account principals keep their IAM-granted access; CloudWatch may publish for this stack's alarms only.
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = local.topic_arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
          ArnLike      = { "aws:SourceArn" = local.alarm_arn_match }
        }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Any message in a DLQ needs an operator: inspect it, fix the cause, redrive (docs/runbook.md).
resource "aws_cloudwatch_metric_alarm" "dlq_messages_visible" {
  for_each = var.dead_letter_queues

  alarm_name          = "${var.name_prefix}-${each.key}-dlq-messages-visible"
  alarm_description   = "Messages are waiting in the dead-letter queue ${each.value}. Inspect them, fix the cause, then redrive: ${var.runbook_url}#${each.key}-dlq-messages-visible"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # An idle queue reports nothing: that is not a problem.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.this.arn]
  ok_actions         = [aws_sns_topic.this.arn]
  tags               = var.tags

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}

# The oldest message ageing past the threshold means the consumer is not keeping up, or keeps failing.
resource "aws_cloudwatch_metric_alarm" "queue_oldest_message_age" {
  for_each = var.queues

  alarm_name          = "${var.name_prefix}-${each.key}-queue-oldest-message-age"
  alarm_description   = "The oldest message in ${each.value.name} is older than ${each.value.oldest_message_age_threshold_seconds} s: its consumer is not keeping up or keeps failing. Runbook: ${var.runbook_url}#queue-oldest-message-age"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.oldest_message_age_threshold_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = var.function_names

  alarm_name          = "${var.name_prefix}-${each.key}-lambda-errors"
  alarm_description   = "The ${each.value} function failed invocations (its logs say why). Runbook: ${var.runbook_url}#lambda-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.lambda_errors_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = var.function_names

  alarm_name          = "${var.name_prefix}-${each.key}-lambda-throttles"
  alarm_description   = "The ${each.value} function was throttled (account concurrency exhausted?). Runbook: ${var.runbook_url}#lambda-throttles"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.lambda_throttles_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}

# More than a few failed episodes in an hour, whatever the stage: each failure is on its episode (error, failed_stage),
# but a run of them points at one cause (an engine's key, a channel gone, a bad deploy). The functions emit
# EpisodesFailed per stage; the alarm sums the stages, a stage with no failure in the hour counting 0.
resource "aws_cloudwatch_metric_alarm" "episodes_failed" {
  alarm_name          = "${var.name_prefix}-episodes-failed"
  alarm_description   = "More than ${var.episodes_failed_threshold} episodes failed in one hour (all stages). Runbook: ${var.runbook_url}#episodes-failed"
  evaluation_periods  = 1
  threshold           = var.episodes_failed_threshold
  comparison_operator = "GreaterThanThreshold"
  # No failure is no data: EMF emits a metric only when a function counts one.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.this.arn]
  ok_actions         = [aws_sns_topic.this.arn]
  tags               = var.tags

  metric_query {
    id          = "failed"
    expression  = "SUM([${join(", ", [for stage in local.failed_stages : "FILL(m_${stage}, 0)"])}])"
    label       = "Episodes failed, all stages"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.failed_stages
    content {
      id          = "m_${metric_query.value}"
      return_data = false
      metric {
        namespace   = local.catalogue.namespace
        metric_name = "EpisodesFailed"
        dimensions  = { service = local.service, stage = metric_query.value }
        stat        = "Sum"
        period      = 3600
      }
    }
  }

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}

# No episode completed for longer than the slowest podcast's frequency plus a margin. The scheduler emits both figures
# every tick, so their difference needs no knowledge of the podcasts here; no data means the scheduler is not running
# (the schedule or the function is broken), which is a stall too.
resource "aws_cloudwatch_metric_alarm" "pipeline_stalled" {
  alarm_name          = "${var.name_prefix}-pipeline-stalled"
  alarm_description   = "No episode has completed for longer than expected (HoursSinceCompletion above CompletionExpectedHours), or the scheduler reports nothing. Runbook: ${var.runbook_url}#pipeline-stalled"
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.this.arn]
  ok_actions          = [aws_sns_topic.this.arn]
  tags                = var.tags

  metric_query {
    id          = "overdue"
    expression  = "since - expected"
    label       = "Hours overdue"
    return_data = true
  }

  metric_query {
    id          = "since"
    return_data = false
    metric {
      namespace   = local.catalogue.namespace
      metric_name = "HoursSinceCompletion"
      dimensions  = { service = local.service }
      stat        = "Maximum"
      period      = 3600
    }
  }

  metric_query {
    id          = "expected"
    return_data = false
    metric {
      namespace   = local.catalogue.namespace
      metric_name = "CompletionExpectedHours"
      dimensions  = { service = local.service }
      stat        = "Maximum"
      period      = 3600
    }
  }

  lifecycle {
    postcondition {
      condition     = length(self.alarm_description) <= local.description_limit
      error_message = "The alarm's description is longer than CloudWatch's 1024 characters: shorten runbook_url."
    }
  }
}
