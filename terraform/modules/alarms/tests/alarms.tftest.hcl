# Plans the alarms and their topic (offline: mock provider).

mock_provider "aws" {}

# Known ARNs at plan time (mock values are otherwise unknown until apply), so the wiring can be inspected.
override_resource {
  target          = aws_sns_topic.this
  override_during = plan
  values = {
    id  = "arn:aws:sns:eu-central-1:123456789012:telecast-test-alarms"
    arn = "arn:aws:sns:eu-central-1:123456789012:telecast-test-alarms"
  }
}

override_resource {
  target          = aws_kms_key.this
  override_during = plan
  values = {
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    arn    = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

variables {
  name_prefix = "telecast-test"
  account_id  = "123456789012"
  region      = "eu-central-1"

  dead_letter_queues = {
    collection = "telecast-test-telegram-collection-dlq"
    processing = "telecast-test-podcast-processing-dlq"
  }

  queues = {
    processing = {
      name                                 = "telecast-test-podcast-processing-queue"
      oldest_message_age_threshold_seconds = 16200
    }
  }

  function_names = {
    podcastfy = "telecast-test-podcastfy"
  }
}

run "alarms_on_any_visible_message_in_each_dlq" {
  command = plan

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.dlq_messages_visible) == ["collection", "processing"]
    error_message = "Every DLQ needs its alarm."
  }

  assert {
    condition = alltrue([
      for k, a in aws_cloudwatch_metric_alarm.dlq_messages_visible :
      a.namespace == "AWS/SQS" && a.metric_name == "ApproximateNumberOfMessagesVisible" &&
      a.dimensions == tomap({ QueueName = var.dead_letter_queues[k] }) &&
      a.statistic == "Maximum" && a.period == 60 && a.threshold == 0 &&
      a.comparison_operator == "GreaterThanThreshold" && a.treat_missing_data == "notBreaching"
    ])
    error_message = "DLQ alarms: ApproximateNumberOfMessagesVisible, Maximum over 60 s, > 0, missing data not breaching."
  }

  assert {
    condition = alltrue([
      for a in aws_cloudwatch_metric_alarm.dlq_messages_visible :
      a.alarm_actions == toset([aws_sns_topic.this.arn]) && a.ok_actions == toset([aws_sns_topic.this.arn])
    ])
    error_message = "DLQ alarms must notify the topic on ALARM and on OK."
  }
}

run "alarms_on_backlog_errors_and_throttles" {
  command = plan

  assert {
    condition = (aws_cloudwatch_metric_alarm.queue_oldest_message_age["processing"].metric_name == "ApproximateAgeOfOldestMessage" &&
    aws_cloudwatch_metric_alarm.queue_oldest_message_age["processing"].threshold == 16200)
    error_message = "Each main queue needs an ApproximateAgeOfOldestMessage alarm at its threshold."
  }

  assert {
    condition = (aws_cloudwatch_metric_alarm.lambda_errors["podcastfy"].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.lambda_throttles["podcastfy"].metric_name == "Throttles" &&
    aws_cloudwatch_metric_alarm.lambda_errors["podcastfy"].dimensions == tomap({ FunctionName = "telecast-test-podcastfy" }))
    error_message = "Each function needs Errors and Throttles alarms."
  }
}

run "episodes_failed_sums_every_stage_of_the_catalogue_over_an_hour" {
  command = plan

  assert {
    condition = (aws_cloudwatch_metric_alarm.episodes_failed.alarm_name == "telecast-test-episodes-failed" &&
      aws_cloudwatch_metric_alarm.episodes_failed.threshold == 3 &&
      aws_cloudwatch_metric_alarm.episodes_failed.comparison_operator == "GreaterThanThreshold" &&
    aws_cloudwatch_metric_alarm.episodes_failed.treat_missing_data == "notBreaching")
    error_message = "episodes-failed fires above 3 (the default) failed episodes; no data is no failure."
  }

  assert {
    # One query per stage EpisodesFailed is emitted with (metrics.json), each summed over one hour with its dimensions.
    condition = sort(flatten([
      for q in aws_cloudwatch_metric_alarm.episodes_failed.metric_query : [
        for m in q.metric : "${m.dimensions.stage}:${m.dimensions.service}"
        if m.metric_name == "EpisodesFailed" && m.namespace == "Telecast" && m.stat == "Sum" && m.period == 3600 && !q.return_data
      ]
    ])) == sort([for stage in jsondecode(file("../../metrics.json")).metrics.EpisodesFailed.dimensions.stage : "${stage}:telecast"])
    error_message = "episodes-failed must read EpisodesFailed for every catalogued stage, Sum over 3600 s, with service telecast."
  }

  assert {
    condition = [
      for q in aws_cloudwatch_metric_alarm.episodes_failed.metric_query : q.expression if q.return_data
    ] == ["SUM([FILL(m_queued, 0), FILL(m_collecting, 0), FILL(m_generating, 0)])"]
    error_message = "episodes-failed must alarm on the sum of the stages, a missing stage filled with 0."
  }
}

run "episodes_failed_threshold_is_configurable" {
  command = plan

  variables {
    episodes_failed_threshold = 10
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.episodes_failed.threshold == 10 && strcontains(aws_cloudwatch_metric_alarm.episodes_failed.alarm_description, "More than 10 episodes")
    error_message = "episodes_failed_threshold sets the threshold and the description says it."
  }
}

run "pipeline_stalled_compares_the_schedulers_two_figures" {
  command = plan

  assert {
    condition = (aws_cloudwatch_metric_alarm.pipeline_stalled.threshold == 0 &&
      aws_cloudwatch_metric_alarm.pipeline_stalled.comparison_operator == "GreaterThanThreshold" &&
    aws_cloudwatch_metric_alarm.pipeline_stalled.treat_missing_data == "breaching")
    error_message = "pipeline-stalled fires when the difference is above 0, and when the scheduler reports nothing."
  }

  assert {
    condition = {
      for q in aws_cloudwatch_metric_alarm.pipeline_stalled.metric_query : q.id => try(
        "${q.metric[0].namespace}/${q.metric[0].metric_name}:${q.metric[0].period}:${jsonencode(q.metric[0].dimensions)}",
        "${q.expression}:${q.return_data}",
      )
      } == {
      overdue  = "since - expected:true"
      since    = "Telecast/HoursSinceCompletion:3600:{\"service\":\"telecast\"}"
      expected = "Telecast/CompletionExpectedHours:3600:{\"service\":\"telecast\"}"
    }
    error_message = "pipeline-stalled must alarm on HoursSinceCompletion - CompletionExpectedHours, hourly, by service only."
  }
}

run "every_alarm_notifies_on_ok_and_links_its_runbook_section" {
  command = plan

  variables {
    runbook_url = "https://github.com/example/telecast/blob/main/docs/runbook.md"
  }

  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.dlq_messages_visible), values(aws_cloudwatch_metric_alarm.queue_oldest_message_age),
        values(aws_cloudwatch_metric_alarm.lambda_errors), values(aws_cloudwatch_metric_alarm.lambda_throttles),
      [aws_cloudwatch_metric_alarm.episodes_failed, aws_cloudwatch_metric_alarm.pipeline_stalled]) :
      a.ok_actions == toset([aws_sns_topic.this.arn]) && a.alarm_actions == toset([aws_sns_topic.this.arn]) &&
      strcontains(a.alarm_description, "https://github.com/example/telecast/blob/main/docs/runbook.md#") && length(a.alarm_description) <= 1024
    ])
    error_message = "Every alarm must notify the topic on ALARM and OK, and link runbook_url#<section> within 1024 characters."
  }

  assert {
    condition = (endswith(aws_cloudwatch_metric_alarm.dlq_messages_visible["collection"].alarm_description, "runbook.md#collection-dlq-messages-visible") &&
      endswith(aws_cloudwatch_metric_alarm.episodes_failed.alarm_description, "runbook.md#episodes-failed") &&
    endswith(aws_cloudwatch_metric_alarm.pipeline_stalled.alarm_description, "runbook.md#pipeline-stalled"))
    error_message = "Each description links its own section."
  }

  assert {
    condition = output.alarm_arns == sort([
      for name in concat(values(output.alarm_names.dlq_messages_visible), values(output.alarm_names.queue_oldest_message_age),
        values(output.alarm_names.lambda_errors), values(output.alarm_names.lambda_throttles),
      [output.alarm_names.episodes_failed, output.alarm_names.pipeline_stalled]) :
      "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:${name}"
    ])
    error_message = "alarm_arns must hold the ARN of every alarm, and only those."
  }
}

run "rejects_a_runbook_url_with_a_fragment" {
  command = plan

  variables {
    runbook_url = "docs/runbook.md#alarms"
  }

  expect_failures = [var.runbook_url]
}

run "topic_is_encrypted_with_a_key_cloudwatch_may_use" {
  command = plan

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == aws_kms_key.this.arn && aws_kms_key.this.enable_key_rotation
    error_message = "The topic must be encrypted with the rotated customer managed key."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement :
      s.Principal == { Service = "cloudwatch.amazonaws.com" } && s.Action == ["kms:Decrypt", "kms:GenerateDataKey"]
    ])
    error_message = "CloudWatch must be able to use the key, or alarm notifications are dropped."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_kms_key.this.policy).Statement : [for a in s.Action : !strcontains(a, "*")]
    ]))
    error_message = "The key policy must name its actions."
  }

  assert {
    condition = jsondecode(aws_sns_topic_policy.this.policy).Statement[0].Condition == {
      StringEquals = { "aws:SourceAccount" = "123456789012" }
      ArnLike      = { "aws:SourceArn" = "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:telecast-test-*" }
    }
    error_message = "Only this stack's alarms may publish to the topic."
  }
}

run "no_subscription_without_an_email" {
  command = plan

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "An empty alarm_email must create no subscription."
  }
}

run "subscribes_the_alarm_email" {
  command = plan

  variables {
    alarm_email = "ops@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "ops@example.com"
    error_message = "alarm_email must be subscribed by email."
  }
}

run "rejects_a_malformed_email" {
  command = plan

  variables {
    alarm_email = "not an email"
  }

  expect_failures = [var.alarm_email]
}
