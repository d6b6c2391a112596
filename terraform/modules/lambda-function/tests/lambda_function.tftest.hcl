# Plans a consumer function like podcastfy (offline: mock provider). zip_path comes from the command line:
#   terraform test -var=zip_path=/path/to/any.zip    (test/terraform creates a tiny one)

mock_provider "aws" {}

# Known ARNs at plan time (mock values are otherwise unknown until apply), so the policies can be inspected.

override_resource {
  target          = aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/telecast-test-podcastfy" }
}

override_resource {
  target          = aws_iam_role.this
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/telecast-test-podcastfy" }
}

override_resource {
  target          = aws_lambda_function.this
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:telecast-test-podcastfy" }
}

variables {
  function_name      = "telecast-test-podcastfy"
  timeout            = 900
  memory_size        = 1536
  log_retention_days = 14
  environment_variables = {
    TABLE_NAME = "telecast-test-state"
  }

  policy_statements = [
    {
      sid       = "ConsumeProcessingQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = ["arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"]
    },
    {
      sid       = "ListOwnPrefixes"
      actions   = ["s3:ListBucket"]
      resources = ["arn:aws:s3:::telecast-test-podcasts-123456789012"]
      conditions = [{
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["podcasts/*"]
      }]
    },
  ]

  sqs_event_source = {
    queue_arn                          = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"
    queue_visibility_timeout_seconds   = 5400
    batch_size                         = 1
    maximum_batching_window_in_seconds = 0
    maximum_concurrency                = 2
  }
}

run "deploys_the_prebuilt_zip_on_node_22" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256(var.zip_path) && aws_lambda_function.this.filename == var.zip_path
    error_message = "The function must upload the given zip, hashed from the file."
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "nodejs22.x" && aws_lambda_function.this.handler == "index.handler"
    error_message = "Runtime must be nodejs22.x with handler index.handler."
  }

  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "The default architecture must be arm64."
  }
}

run "logs_json_to_its_own_group_with_retention" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/telecast-test-podcastfy" && aws_cloudwatch_log_group.this.retention_in_days == 14
    error_message = "The function must have /aws/lambda/<name> with the given retention."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_format == "JSON" && aws_lambda_function.this.logging_config[0].log_group == aws_cloudwatch_log_group.this.name
    error_message = "The function must log JSON to its own group."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && s.Resource == ["${aws_cloudwatch_log_group.this.arn}:*"]
    ])
    error_message = "The role must write logs to its own log group only."
  }
}

run "role_has_only_the_given_statements" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement : [for a in s.Action : !strcontains(a, "*")]
    ]))
    error_message = "No action may contain a wildcard."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.this.policy, "logs:CreateLogGroup")
    error_message = "The role must not create log groups (AWSLambdaBasicExecutionRole is not used)."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s.Sid == "ListOwnPrefixes" && try(s.Condition, null) == { StringLike = { "s3:prefix" = ["podcasts/*"] } }
    ])
    error_message = "Conditions must be rendered as { operator = { key = values } }."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the role."
  }
}

run "sqs_trigger_reports_batch_item_failures" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.sqs[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "The event source mapping must report batch item failures."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.sqs[0].batch_size == 1 && aws_lambda_event_source_mapping.sqs[0].maximum_batching_window_in_seconds == 0
    error_message = "Batch size and window must come from the caller."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.sqs[0].scaling_config[0].maximum_concurrency == 2
    error_message = "Maximum concurrency must be capped."
  }
}

run "no_trigger_without_event_source" {
  command = plan

  variables {
    sqs_event_source = null
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.sqs) == 0
    error_message = "Without sqs_event_source there is no event source mapping."
  }
}

run "rejects_visibility_timeout_below_six_times_the_timeout" {
  command = plan

  variables {
    sqs_event_source = {
      queue_arn                        = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"
      queue_visibility_timeout_seconds = 5399
      batch_size                       = 1
      maximum_concurrency              = 2
    }
  }

  expect_failures = [aws_lambda_event_source_mapping.sqs]
}

run "rejects_wildcard_actions" {
  command = plan

  variables {
    policy_statements = [{
      sid       = "TooBroad"
      actions   = ["sqs:*"]
      resources = ["arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"]
    }]
  }

  expect_failures = [var.policy_statements]
}

run "rejects_a_retention_cloudwatch_does_not_offer" {
  command = plan

  variables {
    log_retention_days = 15
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_a_maximum_concurrency_below_two" {
  command = plan

  variables {
    sqs_event_source = {
      queue_arn                        = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"
      queue_visibility_timeout_seconds = 5400
      batch_size                       = 1
      maximum_concurrency              = 1
    }
  }

  expect_failures = [var.sqs_event_source]
}

run "is_unreserved_by_default" {
  command = plan

  assert {
    condition     = output.reserved_concurrent_executions == null
    error_message = "Without reserved_concurrent_executions the function must share the account's pool (unreserved)."
  }
}

run "reserves_the_given_concurrency" {
  command = plan

  variables {
    reserved_concurrent_executions = 1
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 1 && output.reserved_concurrent_executions == 1
    error_message = "reserved_concurrent_executions must reach the function and its output."
  }
}

run "rejects_a_negative_or_fractional_reserved_concurrency" {
  command = plan

  variables {
    reserved_concurrent_executions = -1
  }

  expect_failures = [var.reserved_concurrent_executions]
}
