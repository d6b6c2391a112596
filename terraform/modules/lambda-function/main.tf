# One Lambda function from a prebuilt zip, with its own role, its own log group and, optionally, its SQS trigger.
# Packaging stays in build.mjs (deterministic zips): the hash comes from the file, so an unchanged build plans no change.

locals {
  # Lambda writes to this group only. AWSLambdaBasicExecutionRole is deliberately not attached: it allows
  # logs:CreateLogGroup and writing to every log group of the account.
  logs_statement = {
    Sid      = "WriteOwnLogs"
    Effect   = "Allow"
    Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  caller_statements = [
    for s in var.policy_statements : merge(
      {
        Sid      = s.sid
        Effect   = "Allow"
        Action   = s.actions
        Resource = s.resources
      },
      # IAM groups conditions by operator, then by key: { StringLike = { "s3:prefix" = [...] } }.
      length(s.conditions) == 0 ? {} : {
        Condition = {
          for test in distinct([for c in s.conditions : c.test]) : test => {
            for c in s.conditions : c.variable => c.values if c.test == test
          }
        }
      }
    )
  ]

  # Built with jsonencode rather than aws_iam_policy_document so tests can read the policy under a mock provider.
  role_policy = {
    Version   = "2012-10-17"
    Statement = concat([local.logs_statement], local.caller_statements)
  }
}

resource "aws_cloudwatch_log_group" "this" {
  # The name Lambda uses by default, so nothing else ever creates a second, retention-less group.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name        = var.function_name
  description = "Execution role of the ${var.function_name} Lambda function."
  tags        = var.tags

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.role_policy)
}

resource "aws_lambda_function" "this" {
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  timeout          = var.timeout
  memory_size      = var.memory_size
  # null leaves the provider's -1: unreserved.
  reserved_concurrent_executions = var.reserved_concurrent_executions
  tags                           = var.tags

  ephemeral_storage {
    size = var.ephemeral_storage_size
  }

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [1] : []
    content {
      variables = var.environment_variables
    }
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = "INFO"
  }

  # The role must be able to write logs before the first invocation.
  depends_on = [aws_iam_role_policy.this]
}

resource "aws_lambda_event_source_mapping" "sqs" {
  count = var.sqs_event_source == null ? 0 : 1

  event_source_arn                   = var.sqs_event_source.queue_arn
  function_name                      = aws_lambda_function.this.arn
  batch_size                         = var.sqs_event_source.batch_size
  maximum_batching_window_in_seconds = var.sqs_event_source.maximum_batching_window_in_seconds
  # Powertools BatchProcessor returns batchItemFailures: only failed records are retried.
  # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
  function_response_types = ["ReportBatchItemFailures"]

  # Caps the pollers' concurrency so throttling cannot burn a message's receives.
  scaling_config {
    maximum_concurrency = var.sqs_event_source.maximum_concurrency
  }

  lifecycle {
    # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
    precondition {
      condition     = var.sqs_event_source.queue_visibility_timeout_seconds >= 6 * var.timeout
      error_message = "The queue's visibility timeout (${var.sqs_event_source.queue_visibility_timeout_seconds} s) must be at least 6 x the function timeout (${6 * var.timeout} s), or messages are redelivered while still being processed."
    }

    # Lambda rejects a batch size above 10 without a batching window.
    precondition {
      condition     = var.sqs_event_source.batch_size <= 10 || var.sqs_event_source.maximum_batching_window_in_seconds >= 1
      error_message = "A batch_size above 10 needs maximum_batching_window_in_seconds >= 1."
    }
  }

  # CreateEventSourceMapping checks that the role may already receive from the queue.
  depends_on = [aws_iam_role_policy.this]
}
