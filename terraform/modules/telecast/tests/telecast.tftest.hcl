# Plans the whole of Telecast for one environment, offline (mock provider), and checks the wiring through the module's
# outputs (terraform test cannot address resources inside child modules). artifacts_dir comes from the command line:
#   terraform test -var=artifacts_dir=/folder/with/<name>.zip/per/function   (test/terraform makes them)
# The functions' facts (timeouts, memory, keys, consumed queue) are read from functions.json, as the module reads them.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

# Distinct, known ARNs and URLs at plan time (mock values are otherwise unknown until apply), so the wiring between
# queues, functions and policies can be checked.
override_resource {
  target          = module.collection_queue.aws_sqs_queue.this
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-telegram-collection-queue"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-telegram-collection-queue"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-telegram-collection-queue"
  }
}

override_resource {
  target          = module.collection_queue.aws_sqs_queue.dlq
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-telegram-collection-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-telegram-collection-dlq"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-telegram-collection-dlq"
  }
}

override_resource {
  target          = module.processing_queue.aws_sqs_queue.this
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-queue"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-queue"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"
  }
}

override_resource {
  target          = module.processing_queue.aws_sqs_queue.dlq
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-dlq"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-dlq"
  }
}

override_resource {
  target          = module.schedule.aws_sqs_queue.dlq
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-schedule-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-schedule-dlq"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-schedule-dlq"
  }
}

override_resource {
  target          = module.storage.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "telecast-test-podcasts-123456789012"
    arn = "arn:aws:s3:::telecast-test-podcasts-123456789012"
  }
}

override_resource {
  target          = module.publishing[0].aws_cloudfront_distribution.this
  override_during = plan
  values = {
    id          = "E2TESTDISTRIB"
    arn         = "arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"
    domain_name = "d111111abcdef8.cloudfront.net"
  }
}

override_resource {
  target          = module.storage.aws_dynamodb_table.this
  override_during = plan
  values          = { arn = "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state" }
}

override_resource {
  target          = module.functions["telegram"].aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-telegram" }
}

override_resource {
  target          = module.functions["podcastfy"].aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-podcastfy" }
}

override_resource {
  target          = module.functions["scheduler"].aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-scheduler" }
}

override_resource {
  target          = module.functions["admin"].aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-admin" }
}

override_resource {
  target          = aws_secretsmanager_secret.admin[0]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast-test-admin-AbCdEf" }
}

override_resource {
  target          = aws_secretsmanager_secret.telegram_session[0]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast-test-telegram-session-GhIjKl" }
}

override_resource {
  target          = module.functions["scheduler"].aws_lambda_function.this
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:telecast-test-scheduler" }
}

variables {
  environment        = "test"
  log_retention_days = 14
}

run "queues_take_names_and_redrive_from_queue_settings" {
  command = plan

  assert {
    condition = (output.queues.collection.name == "telecast-test-telegram-collection-queue" &&
      output.queues.collection.dlq_name == "telecast-test-telegram-collection-dlq" &&
      output.queues.processing.name == "telecast-test-podcast-processing-queue" &&
    output.queues.processing.dlq_name == "telecast-test-podcast-processing-dlq")
    error_message = "Queues must keep the seed's names, prefixed telecast-<env>-."
  }

  assert {
    condition = alltrue([
      for key, q in output.queues :
      jsondecode(q.redrive_policy).maxReceiveCount == jsondecode(file("../../queue-settings.json")).queues[key].max_receive_count &&
      jsondecode(q.redrive_policy).maxReceiveCount == 3
    ])
    error_message = "maxReceiveCount must be 3, read from queue-settings.json."
  }

  assert {
    condition     = alltrue([for q in output.queues : jsondecode(q.redrive_policy).deadLetterTargetArn == q.dlq_arn])
    error_message = "Each queue must redrive to its own DLQ."
  }

  assert {
    condition = alltrue([
      for key, q in output.queues :
      q.visibility_timeout_seconds == jsondecode(file("../../queue-settings.json")).queues[key].visibility_timeout_seconds
    ])
    error_message = "Visibility timeouts must come from queue-settings.json."
  }
}

run "consumers_are_triggered_by_their_queues_with_batch_item_failures" {
  command = plan

  assert {
    condition = (output.functions.telegram.event_source_mapping.event_source_arn == output.queues.collection.arn &&
    output.functions.podcastfy.event_source_mapping.event_source_arn == output.queues.processing.arn)
    error_message = "telegram consumes the collection queue, podcastfy the processing queue."
  }

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      f.consumes == null ? output.functions[name].event_source_mapping == null : output.functions[name].event_source_mapping.event_source_arn == output.queues[f.consumes].arn
    ])
    error_message = "A function must be triggered by the queue functions.json says it consumes, and by none if it consumes none."
  }

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      contains(output.functions[name].event_source_mapping.function_response_types, "ReportBatchItemFailures") if f.consumes != null
    ])
    error_message = "Every event source mapping must report batch item failures."
  }

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      output.functions[name].event_source_mapping.batch_size == jsondecode(file("../../queue-settings.json")).queues[f.consumes].batch_size &&
      output.functions[name].event_source_mapping.maximum_concurrency == jsondecode(file("../../queue-settings.json")).queues[f.consumes].maximum_concurrency &&
      output.functions[name].event_source_mapping.maximum_batching_window_in_seconds == jsondecode(file("../../queue-settings.json")).queues[f.consumes].maximum_batching_window_seconds
      if f.consumes != null
    ])
    error_message = "Batch size, batching window and maximum concurrency must come from queue-settings.json."
  }

  assert {
    condition     = output.functions.scheduler.event_source_mapping == null
    error_message = "The scheduler is invoked by the schedule, not by a queue."
  }
}

run "functions_run_node_22_with_the_sizes_of_functions_json" {
  command = plan

  assert {
    condition     = sort(keys(output.functions)) == sort(keys(jsondecode(file("../../functions.json")).functions))
    error_message = "Every function of functions.json, and no other, must be deployed."
  }

  assert {
    condition     = alltrue([for f in output.functions : f.runtime == "nodejs22.x"])
    error_message = "Every function must run nodejs22.x."
  }

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      output.functions[name].timeout == f.timeout_seconds && output.functions[name].memory_size == f.memory_mb &&
      output.functions[name].ephemeral_storage_size == try(f.ephemeral_storage_mb, 512)
    ])
    error_message = "Timeout, memory and /tmp size (512 MB unless given) must come from functions.json."
  }

  assert {
    condition = (output.functions.telegram.timeout == 120 && output.functions.podcastfy.timeout == 900 && output.functions.scheduler.timeout == 60 &&
      output.functions.telegram.memory_size == 512 && output.functions.podcastfy.memory_size == 1536 && output.functions.scheduler.memory_size == 256 &&
    output.functions.podcastfy.ephemeral_storage_size == 2048)
    error_message = "Timeouts must be 120 / 900 / 60 s, memory 512 / 1536 / 256 MB, and podcastfy's /tmp 2048 MB."
  }

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      output.queues[f.consumes].visibility_timeout_seconds >= 6 * output.functions[name].timeout if f.consumes != null
    ])
    error_message = "Each queue's visibility timeout must be at least 6 x its consumer's timeout."
  }
}

run "functions_are_configured_by_environment_variables" {
  command = plan

  assert {
    condition = alltrue([
      for name, f in jsondecode(file("../../functions.json")).functions :
      keys(output.functions[name].environment_variables) == sort(concat(f.environment, ["POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"]))
    ])
    error_message = "Every function must get exactly the keys functions.json names, plus the Powertools settings (and no NODE_OPTIONS)."
  }

  assert {
    condition = alltrue([
      for f in output.functions :
      lookup(f.environment_variables, "TABLE_NAME", output.table_name) == output.table_name &&
      lookup(f.environment_variables, "BUCKET_NAME", output.bucket_name) == output.bucket_name &&
      f.environment_variables.POWERTOOLS_SERVICE_NAME == "telecast" && f.environment_variables.POWERTOOLS_LOG_LEVEL == "INFO"
    ])
    error_message = "TABLE_NAME and BUCKET_NAME must name the stack's table and bucket; Powertools settings on every function."
  }

  assert {
    condition = (output.functions.telegram.environment_variables.TABLE_NAME == output.table_name &&
      output.functions.telegram.environment_variables.BUCKET_NAME == output.bucket_name &&
      output.functions.telegram.environment_variables.PROCESSING_QUEUE_URL == output.queues.processing.url &&
      output.functions.telegram.environment_variables.COLLECTION_DLQ_URL == output.queues.collection.dlq_url &&
    output.functions.telegram.environment_variables.MAX_RECEIVE_COUNT == "3")
    error_message = "telegram needs TABLE_NAME, BUCKET_NAME, PROCESSING_QUEUE_URL, COLLECTION_DLQ_URL and MAX_RECEIVE_COUNT."
  }

  assert {
    condition = (output.functions.podcastfy.environment_variables.TABLE_NAME == output.table_name &&
      output.functions.podcastfy.environment_variables.BUCKET_NAME == output.bucket_name &&
      output.functions.podcastfy.environment_variables.PROCESSING_DLQ_URL == output.queues.processing.dlq_url &&
    output.functions.podcastfy.environment_variables.MAX_RECEIVE_COUNT == "3")
    error_message = "podcastfy needs TABLE_NAME, BUCKET_NAME, PROCESSING_DLQ_URL and MAX_RECEIVE_COUNT."
  }

  assert {
    condition = (output.functions.scheduler.environment_variables.TABLE_NAME == output.table_name &&
      output.functions.scheduler.environment_variables.COLLECTION_QUEUE_URL == output.queues.collection.url &&
      output.functions.scheduler.environment_variables.PROCESSING_QUEUE_URL == output.queues.processing.url &&
      output.functions.scheduler.environment_variables.COLLECTION_DLQ_URL == output.queues.collection.dlq_url &&
      output.functions.scheduler.environment_variables.PROCESSING_DLQ_URL == output.queues.processing.dlq_url &&
      output.functions.scheduler.environment_variables.STUCK_AFTER_MINUTES == "300" &&
    output.functions.scheduler.environment_variables.STALLED_MARGIN_HOURS == "6")
    error_message = "scheduler needs TABLE_NAME, the four queue URLs, STUCK_AFTER_MINUTES and STALLED_MARGIN_HOURS (default 6)."
  }

  assert {
    condition = alltrue([
      for name in ["telegram", "scheduler", "admin"] :
      output.functions[name].environment_variables.TELEGRAM_WEB_URL == "https://t.me" &&
      output.functions[name].environment_variables.TELEGRAM_SESSION_SECRET_ID == ""
    ])
    error_message = "telegram, scheduler and admin read channels' web previews at https://t.me, and have no session secret by default."
  }

  assert {
    condition     = output.functions.scheduler.environment_variables.BUCKET_NAME == output.bucket_name
    error_message = "The scheduler needs BUCKET_NAME to check that a channel's export was uploaded."
  }

  assert {
    condition     = output.telegram_session_secret_arn == null && length(aws_secretsmanager_secret.telegram_session) == 0
    error_message = "Without telegram_session there is no session secret."
  }

  assert {
    condition     = alltrue([for f in output.functions : f.reserved_concurrent_executions == null])
    error_message = "Without a session every function, the collector included, is unreserved."
  }
}

run "every_function_logs_to_its_own_group_with_retention" {
  command = plan

  assert {
    condition = alltrue([
      for f in output.functions : f.log_group_name == "/aws/lambda/${f.name}" && f.log_retention_days == 14
    ])
    error_message = "Every function needs /aws/lambda/<name> with the configured retention."
  }
}

run "no_role_policy_has_a_wildcard_action" {
  command = plan

  assert {
    condition     = keys(output.role_policies) == ["admin", "podcastfy", "schedule", "scheduler", "telegram"]
    error_message = "Every role this stack creates must be checked."
  }

  assert {
    condition = alltrue(flatten([
      for policy in values(output.role_policies) : [
        for s in jsondecode(policy).Statement : [
          for a in flatten([s.Action]) : !strcontains(a, "*")
        ]
      ]
    ]))
    error_message = "No role may be granted a wildcard action (no * and no service:*)."
  }

  assert {
    condition     = alltrue(flatten([for policy in values(output.role_policies) : [for s in jsondecode(policy).Statement : s.Effect == "Allow"]]))
    error_message = "Role policies grant only what is listed."
  }

  assert {
    condition     = alltrue([for policy in values(output.role_policies) : !strcontains(policy, "kms:")])
    error_message = "The queues use SSE-SQS: no role needs KMS."
  }
}

run "roles_grant_each_function_only_its_own_resources" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(output.role_policies.telegram).Statement : s.Sid => { action = s.Action, resource = s.Resource }
      } == {
      WriteOwnLogs = {
        action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-telegram:*"]
      }
      ConsumeCollectionQueue = {
        action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"]
        resource = [output.queues.collection.arn]
      }
      SendProcessingAndDeadLetter = {
        action   = ["sqs:SendMessage"]
        resource = [output.queues.processing.arn, output.queues.collection.dlq_arn]
      }
      ReadChannelExports = {
        action   = ["s3:GetObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/channel-exports/*"]
      }
      ReadWriteEpisodes = {
        action   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/podcasts/*"]
      }
      ListBucketForNotFound = {
        action   = ["s3:ListBucket"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012"]
      }
      ReadWriteStateTable = {
        action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
        resource = [
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state",
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state/index/status-index",
        ]
      }
    }
    error_message = "telegram's role must hold exactly its least-privilege statements."
  }

  assert {
    condition = {
      for s in jsondecode(output.role_policies.podcastfy).Statement : s.Sid => { action = s.Action, resource = s.Resource }
      } == {
      WriteOwnLogs = {
        action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-podcastfy:*"]
      }
      ConsumeProcessingQueue = {
        action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"]
        resource = [output.queues.processing.arn]
      }
      SendDeadLetter = {
        action   = ["sqs:SendMessage"]
        resource = [output.queues.processing.dlq_arn]
      }
      ReadWriteEpisodes = {
        action   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/podcasts/*"]
      }
      ListBucketForNotFound = {
        action   = ["s3:ListBucket"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012"]
      }
      ReadWriteStateTable = {
        action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
        resource = [
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state",
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state/index/status-index",
        ]
      }
      PublishPublicFiles = {
        action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/public/*"]
      }
    }
    error_message = "podcastfy's role must hold exactly its least-privilege statements."
  }

  assert {
    condition = {
      for s in jsondecode(output.role_policies.scheduler).Statement : s.Sid => { action = s.Action, resource = s.Resource }
      } == {
      WriteOwnLogs = {
        action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-scheduler:*"]
      }
      ReadWriteStateTable = {
        action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
        resource = [
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state",
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state/index/status-index",
        ]
      }
      SendCollectionRequests = {
        action   = ["sqs:SendMessage"]
        resource = [output.queues.collection.arn]
      }
      ReadQueueDepths = {
        action = ["sqs:GetQueueAttributes"]
        resource = [
          output.queues.collection.arn, output.queues.collection.dlq_arn,
          output.queues.processing.arn, output.queues.processing.dlq_arn,
        ]
      }
      ReadChannelExports = {
        action   = ["s3:GetObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/channel-exports/*"]
      }
      ListBucketForNotFound = {
        action   = ["s3:ListBucket"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012"]
      }
    }
    error_message = "scheduler's role must hold exactly its least-privilege statements."
  }

  assert {
    condition = {
      for s in jsondecode(output.role_policies.admin).Statement : s.Sid => { action = s.Action, resource = s.Resource }
      } == {
      WriteOwnLogs = {
        action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-admin:*"]
      }
      ReadWriteStateTable = {
        action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
        resource = [
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state",
          "arn:aws:dynamodb:eu-central-1:123456789012:table/telecast-test-state/index/status-index",
        ]
      }
      SendStageMessages = {
        action   = ["sqs:SendMessage"]
        resource = [output.queues.collection.arn, output.queues.processing.arn]
      }
      ReadQueueDepths = {
        action = ["sqs:GetQueueAttributes"]
        resource = [
          output.queues.collection.arn, output.queues.collection.dlq_arn,
          output.queues.processing.arn, output.queues.processing.dlq_arn,
        ]
      }
      PeekAndRedriveDeadLetters = {
        action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"]
        resource = [output.queues.collection.dlq_arn, output.queues.processing.dlq_arn]
      }
      ReadEpisodeFiles = {
        action   = ["s3:GetObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/podcasts/*"]
      }
      ReadChannelExports = {
        action   = ["s3:GetObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/channel-exports/*"]
      }
      ListBucketForNotFound = {
        action   = ["s3:ListBucket"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012"]
      }
      ReadAdminSecret = {
        action   = ["secretsmanager:GetSecretValue"]
        resource = ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast-test-admin-AbCdEf"]
      }
      PublishPublicFiles = {
        action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        resource = ["arn:aws:s3:::telecast-test-podcasts-123456789012/public/*"]
      }
    }
    error_message = "admin's role must hold exactly its least-privilege statements."
  }

  assert {
    condition = alltrue([
      for name in ["telegram", "podcastfy", "scheduler", "admin"] : anytrue([
        for s in jsondecode(output.role_policies[name]).Statement :
        s.Sid == "ListBucketForNotFound" && try(s.Condition, null) == null
      ])
    ])
    error_message = "ListBucket must be granted on the bucket alone (for 404s on missing keys), to every function that reads objects."
  }
}

run "alarms_cover_every_dlq_queue_and_function" {
  command = plan

  assert {
    condition     = keys(output.alarm_names.dlq_messages_visible) == ["collection", "processing", "schedule"]
    error_message = "Every DLQ, the schedule's included, needs its alarm."
  }

  assert {
    condition     = keys(output.alarm_names.queue_oldest_message_age) == ["collection", "processing"]
    error_message = "Both main queues need an age alarm."
  }

  assert {
    condition = (keys(output.alarm_names.lambda_errors) == ["admin", "podcastfy", "scheduler", "telegram"] &&
    keys(output.alarm_names.lambda_throttles) == ["admin", "podcastfy", "scheduler", "telegram"])
    error_message = "Every function needs Errors and Throttles alarms."
  }

  assert {
    condition     = output.alarm_names.episodes_failed == "telecast-test-episodes-failed" && output.alarm_names.pipeline_stalled == "telecast-test-pipeline-stalled"
    error_message = "The stack needs the episodes-failed and pipeline-stalled alarms."
  }
}

run "the_dashboard_shows_this_stacks_queues_functions_and_alarms" {
  command = plan

  assert {
    condition     = output.dashboard_name == "telecast-test-pipeline" && strcontains(output.dashboard_url, "region=eu-central-1#dashboards/dashboard/telecast-test-pipeline")
    error_message = "The dashboard is telecast-<env>-pipeline, in the stack's region."
  }

  assert {
    condition = jsonencode([
      for w in jsondecode(output.dashboard_body).widgets : w.properties.alarms if w.type == "alarm"
    ]) == jsonencode([output.alarm_arns])
    error_message = "The alarm status widget must list every alarm of the stack."
  }

  assert {
    condition = length(output.alarm_arns) == (length(output.alarm_names.dlq_messages_visible) + length(output.alarm_names.queue_oldest_message_age) +
    length(output.alarm_names.lambda_errors) + length(output.alarm_names.lambda_throttles) + 2)
    error_message = "alarm_arns must hold one ARN per alarm."
  }

  assert {
    # Every AWS/SQS line is on one of the stack's five queues, every AWS/Lambda line on one of its functions.
    condition = alltrue(flatten([
      for w in jsondecode(output.dashboard_body).widgets : [
        for l in try(w.properties.metrics, []) :
        l[0] == "AWS/SQS" ? contains(flatten([for q in values(output.queues) : [q.name, q.dlq_name]]), l[3]) || l[3] == "telecast-test-schedule-dlq" :
        l[0] == "AWS/Lambda" ? contains(values(output.function_names), l[3]) : true
      ]
    ]))
    error_message = "The dashboard may show only this stack's queues and functions."
  }
}

run "a_quieter_log_level_keeps_the_metrics" {
  command = plan

  variables {
    log_level = "WARN"
  }

  assert {
    condition     = alltrue([for f in output.functions : f.environment_variables.POWERTOOLS_LOG_LEVEL == "WARN" && f.application_log_level == "INFO"])
    error_message = "With log_level WARN, Powertools logs at WARN but Lambda's filter stays at INFO, the level it gives the EMF lines."
  }
}

run "lambdas_log_filter_follows_a_verbose_log_level" {
  command = plan

  variables {
    log_level = "DEBUG"
  }

  assert {
    condition     = alltrue([for f in output.functions : f.application_log_level == "DEBUG"])
    error_message = "With log_level DEBUG, Lambda's filter must let DEBUG lines through."
  }
}

run "stalled_margin_hours_is_the_schedulers_setting" {
  command = plan

  variables {
    stalled_margin_hours = 12
  }

  assert {
    condition     = output.functions.scheduler.environment_variables.STALLED_MARGIN_HOURS == "12"
    error_message = "stalled_margin_hours is the scheduler's STALLED_MARGIN_HOURS."
  }

  assert {
    condition     = !contains(keys(output.functions.podcastfy.environment_variables), "STALLED_MARGIN_HOURS")
    error_message = "Only functions whose functions.json entry names STALLED_MARGIN_HOURS get it."
  }
}

run "rejects_a_stalled_margin_under_one_hour" {
  command = plan

  variables {
    stalled_margin_hours = 0
  }

  expect_failures = [var.stalled_margin_hours]
}

run "the_admin_page_has_a_function_url_and_its_secret" {
  command = plan

  assert {
    condition     = output.functions.admin.environment_variables.ADMIN_SECRET_ID == "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast-test-admin-AbCdEf"
    error_message = "The admin function must be given its secret's ARN as ADMIN_SECRET_ID."
  }

  assert {
    condition     = aws_lambda_function_url.admin[0].authorization_type == "NONE" && aws_lambda_permission.admin_url[0].function_url_auth_type == "NONE"
    error_message = "The admin page is public behind its own session check: a function URL with auth NONE and its permission."
  }
}

run "a_telegram_session_gets_its_secret_and_one_collector_at_a_time" {
  command = plan

  variables {
    telegram_session = true
  }

  assert {
    condition = (aws_secretsmanager_secret.telegram_session[0].name == "telecast-test-telegram-session" &&
    output.telegram_session_secret_arn == "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast-test-telegram-session-GhIjKl")
    error_message = "telegram_session must create the secret telecast-<env>-telegram-session and output its ARN."
  }

  assert {
    condition = alltrue([
      for name in ["telegram", "scheduler", "admin"] :
      output.functions[name].environment_variables.TELEGRAM_SESSION_SECRET_ID == output.telegram_session_secret_arn
    ])
    error_message = "telegram, scheduler and admin must be given the session secret's ARN as TELEGRAM_SESSION_SECRET_ID."
  }

  assert {
    condition     = !contains(keys(output.functions.podcastfy.environment_variables), "TELEGRAM_SESSION_SECRET_ID")
    error_message = "podcastfy reads no channel and gets no session secret."
  }

  assert {
    condition = (output.functions.telegram.reserved_concurrent_executions == 1 &&
      output.functions.podcastfy.reserved_concurrent_executions == null &&
      output.functions.scheduler.reserved_concurrent_executions == null &&
    output.functions.admin.reserved_concurrent_executions == null)
    error_message = "With a session only the collector is reserved, to 1: Telegram refuses one session on two connections (AUTH_KEY_DUPLICATED)."
  }

  assert {
    condition = {
      for name in ["telegram", "scheduler", "admin"] : name => [
        for s in jsondecode(output.role_policies[name]).Statement : { sid = s.Sid, action = s.Action, resource = s.Resource }
        if contains(s.Resource, output.telegram_session_secret_arn)
      ]
      } == {
      telegram  = [{ sid = "ReadTelegramSession", action = ["secretsmanager:GetSecretValue"], resource = [output.telegram_session_secret_arn] }]
      scheduler = [{ sid = "DescribeTelegramSession", action = ["secretsmanager:DescribeSecret"], resource = [output.telegram_session_secret_arn] }]
      admin     = [{ sid = "DescribeTelegramSession", action = ["secretsmanager:DescribeSecret"], resource = [output.telegram_session_secret_arn] }]
    }
    error_message = "Only the collector may read the session; scheduler and admin only describe it (has it a value?)."
  }

  assert {
    condition = (length(jsondecode(output.role_policies.telegram).Statement) == 8 &&
      length(jsondecode(output.role_policies.scheduler).Statement) == 7 &&
      length(jsondecode(output.role_policies.admin).Statement) == 11 &&
    !strcontains(output.role_policies.podcastfy, "secretsmanager:"))
    error_message = "The session adds one statement to telegram, scheduler and admin each, and none to podcastfy."
  }
}

run "rejects_a_telegram_web_url_that_is_not_https" {
  command = plan

  variables {
    telegram_web_url = "http://t.me"
  }

  expect_failures = [var.telegram_web_url]
}

run "unused_engines_get_no_grant" {
  command = plan

  assert {
    condition = alltrue([
      for action in ["bedrock:", "polly:", "secretsmanager:", "ssm:"] : !strcontains(output.role_policies.podcastfy, action)
    ])
    error_message = "A deployment that names no AWS engine and no key reference gives podcastfy no Bedrock, Polly, secret or parameter grant."
  }
}

run "bedrock_grants_invoke_on_the_named_foundation_model_only" {
  command = plan

  variables {
    engines = { bedrock = true }
  }

  assert {
    condition = [
      for s in jsondecode(output.role_policies.podcastfy).Statement : { action = s.Action, resource = s.Resource } if s.Sid == "InvokeBedrockModel"
      ] == [{
        action   = ["bedrock:InvokeModel"]
        resource = ["arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-lite-v1:0"]
    }]
    error_message = "bedrock = true grants bedrock:InvokeModel on the foundation-model ARN of engines.bedrock_model_id, in the stack's region."
  }

  assert {
    condition     = output.functions.podcastfy.environment_variables.BEDROCK_MODEL_ID == "amazon.nova-lite-v1:0"
    error_message = "podcastfy is told the model it may invoke."
  }

  assert {
    condition = (!strcontains(output.role_policies.podcastfy, "polly:") &&
    alltrue([for name in ["telegram", "scheduler", "admin"] : !strcontains(output.role_policies[name], "bedrock:")]))
    error_message = "Bedrock alone grants no Polly, and only podcastfy may invoke the model."
  }
}

run "an_inference_profile_grants_the_profile_and_the_model_it_routes_to" {
  command = plan

  variables {
    engines = { bedrock = true, bedrock_model_id = "us.anthropic.claude-3-5-haiku-20241022-v1:0" }
  }

  assert {
    condition = [
      for s in jsondecode(output.role_policies.podcastfy).Statement : s.Resource if s.Sid == "InvokeBedrockModel"
      ] == [[
        "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    ]]
    error_message = "A cross-region profile needs its own ARN and the foundation model's in the regions it routes to, and no other model."
  }
}

run "polly_grants_synthesize_speech_only" {
  command = plan

  variables {
    engines = { polly = true }
  }

  assert {
    condition = [
      for s in jsondecode(output.role_policies.podcastfy).Statement : { action = s.Action, resource = s.Resource } if s.Sid == "SynthesizeSpeech"
    ] == [{ action = ["polly:SynthesizeSpeech"], resource = ["*"] }]
    error_message = "polly = true grants polly:SynthesizeSpeech (Polly has no resource ARNs but lexicons)."
  }

  assert {
    condition     = !strcontains(output.role_policies.podcastfy, "bedrock:")
    error_message = "Polly alone grants no Bedrock model."
  }
}

run "key_references_grant_exactly_their_secrets_and_parameters" {
  command = plan

  variables {
    engines = {
      openai_api_key_secret_id     = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast/openai-AbCdEf"
      gemini_api_key_secret_id     = "ssm:/telecast/gemini"
      elevenlabs_api_key_secret_id = "telecast/elevenlabs"
    }
  }

  assert {
    condition = {
      for s in jsondecode(output.role_policies.podcastfy).Statement : s.Sid => { action = s.Action, resource = s.Resource }
      if contains(["ReadEngineKeySecrets", "ReadEngineKeyParameters"], s.Sid)
      } == {
      ReadEngineKeySecrets = {
        action = ["secretsmanager:GetSecretValue"]
        resource = [
          "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast/elevenlabs-??????",
          "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast/openai-AbCdEf",
        ]
      }
      ReadEngineKeyParameters = {
        action   = ["ssm:GetParameter"]
        resource = ["arn:aws:ssm:eu-central-1:123456789012:parameter/telecast/gemini"]
      }
    }
    error_message = "podcastfy may read the configured secrets (an ARN as it is, a name with its six-character suffix) and ssm: parameters (by ARN), and nothing else."
  }

  assert {
    condition = (output.functions.podcastfy.environment_variables.OPENAI_API_KEY_SECRET_ID == "arn:aws:secretsmanager:eu-central-1:123456789012:secret:telecast/openai-AbCdEf" &&
      output.functions.podcastfy.environment_variables.GEMINI_API_KEY_SECRET_ID == "ssm:/telecast/gemini" &&
    output.functions.podcastfy.environment_variables.ELEVENLABS_API_KEY_SECRET_ID == "telecast/elevenlabs")
    error_message = "podcastfy is given each reference as configured."
  }

  assert {
    condition = (!strcontains(output.role_policies.podcastfy, "bedrock:") && !strcontains(output.role_policies.podcastfy, "polly:") &&
    alltrue([for name in ["telegram", "scheduler"] : !strcontains(output.role_policies[name], "telecast/")]))
    error_message = "Keys grant no engine, and no other function may read them."
  }
}

run "rejects_a_bedrock_model_id_that_is_not_one" {
  command = plan

  variables {
    engines = { bedrock = true, bedrock_model_id = "nova lite" }
  }

  expect_failures = [var.engines]
}

run "rejects_a_key_in_place_of_its_reference" {
  command = plan

  variables {
    engines = { openai_api_key_secret_id = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz" }
  }

  expect_failures = [var.engines]
}

run "rejects_a_file_key_reference_outside_the_local_stack" {
  command = plan

  variables {
    engines = { gemini_api_key_secret_id = "file:/tmp/gemini.key" }
  }

  expect_failures = [var.engines]
}

run "publishing_serves_public_files_and_tells_the_publishers_where" {
  command = plan

  assert {
    condition = (output.public_base_url == "https://d111111abcdef8.cloudfront.net" &&
    output.feed_url_pattern == "https://d111111abcdef8.cloudfront.net/<podcast_id>/feed.xml")
    error_message = "public_base_url and feed_url_pattern must come from the publishing distribution."
  }

  assert {
    condition = {
      for name, f in output.functions : name => f.environment_variables.PUBLIC_BASE_URL if contains(keys(f.environment_variables), "PUBLIC_BASE_URL")
    } == { podcastfy = output.public_base_url, admin = output.public_base_url }
    error_message = "podcastfy and admin, and only they (functions.json), must be given PUBLIC_BASE_URL = the distribution's https URL."
  }

  assert {
    condition = {
      for name, policy in output.role_policies : name => [
        for s in jsondecode(policy).Statement : s.Sid if anytrue([for r in flatten([s.Resource]) : strcontains(r, "/public/")])
      ]
    } == { admin = ["PublishPublicFiles"], podcastfy = ["PublishPublicFiles"], schedule = [], scheduler = [], telegram = [] }
    error_message = "Only podcastfy and the admin may touch public/, through PublishPublicFiles alone."
  }

  assert {
    condition = [
      for s in jsondecode(output.bucket_policy).Statement : { principal = s.Principal, action = s.Action, resource = s.Resource, condition = s.Condition }
      if s.Effect == "Allow"
      ] == [{
        principal = { Service = "cloudfront.amazonaws.com" }
        action    = "s3:GetObject"
        resource  = "arn:aws:s3:::telecast-test-podcasts-123456789012/public/*"
        condition = { StringEquals = { "AWS:SourceArn" = ["arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"] } }
    }]
    error_message = "The bucket must admit the stack's own distribution, and it alone, to read public/* only."
  }
}

run "without_publishing_nothing_is_public" {
  command = plan

  variables {
    publishing = false
  }

  assert {
    condition     = output.public_base_url == null && output.feed_url_pattern == null
    error_message = "Without publishing there is no public URL."
  }

  assert {
    condition = (output.functions.podcastfy.environment_variables.PUBLIC_BASE_URL == "" &&
    output.functions.admin.environment_variables.PUBLIC_BASE_URL == "")
    error_message = "Without publishing PUBLIC_BASE_URL is \"\" (the default of CONFIG_KEYS)."
  }

  assert {
    condition     = alltrue([for policy in values(output.role_policies) : !strcontains(policy, "/public/")])
    error_message = "Without publishing no function may touch public/."
  }

  assert {
    condition     = [for s in jsondecode(output.bucket_policy).Statement : s.Sid] == ["DenyInsecureTransport"]
    error_message = "Without publishing the bucket policy admits no one."
  }
}
