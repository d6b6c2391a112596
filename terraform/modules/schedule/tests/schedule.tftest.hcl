# Plans the schedule of the scheduler Lambda (offline: mock provider).

mock_provider "aws" {}

# Known ARNs at plan time (mock values are otherwise unknown until apply), so the policies can be inspected.
override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-schedule-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-schedule-dlq"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-schedule-dlq"
  }
}

override_resource {
  target          = aws_iam_role.this
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/telecast-test-schedule" }
}

variables {
  name         = "telecast-test-schedule"
  function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:telecast-test-scheduler"
  account_id   = "123456789012"
}

run "invokes_the_scheduler_every_15_minutes_on_time" {
  command = plan

  assert {
    condition     = aws_scheduler_schedule.this.schedule_expression == "rate(15 minutes)"
    error_message = "The default schedule must be rate(15 minutes)."
  }

  assert {
    condition     = aws_scheduler_schedule.this.flexible_time_window[0].mode == "OFF"
    error_message = "The flexible time window must be OFF."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].arn == var.function_arn && aws_scheduler_schedule.this.target[0].role_arn == aws_iam_role.this.arn
    error_message = "The schedule must invoke the scheduler function with its own role."
  }
}

run "retries_then_dead_letters" {
  command = plan

  assert {
    condition = (aws_scheduler_schedule.this.target[0].retry_policy[0].maximum_retry_attempts == 3 &&
    aws_scheduler_schedule.this.target[0].retry_policy[0].maximum_event_age_in_seconds == 900)
    error_message = "The retry policy must be set."
  }

  assert {
    condition     = aws_scheduler_schedule.this.target[0].dead_letter_config[0].arn == aws_sqs_queue.dlq.arn
    error_message = "Failed invocations must go to the schedule's DLQ."
  }

  assert {
    condition     = aws_sqs_queue.dlq.sqs_managed_sse_enabled
    error_message = "The DLQ must use SSE-SQS."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_sqs_queue_policy.dlq.policy).Statement :
      s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false" && s.Resource == aws_sqs_queue.dlq.arn
    ])
    error_message = "The DLQ must deny requests without TLS."
  }
}

run "role_is_for_this_account_and_this_function_only" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0] == {
      Sid       = "SchedulerAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }
    error_message = "Only EventBridge Scheduler of this account may assume the role."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : { action = s.Action, resource = s.Resource }] == [
      { action = ["lambda:InvokeFunction"], resource = [var.function_arn] },
      { action = ["sqs:SendMessage"], resource = [aws_sqs_queue.dlq.arn] },
    ]
    error_message = "The role may only invoke the function and send to the DLQ."
  }
}

run "rejects_a_retry_count_scheduler_does_not_allow" {
  command = plan

  variables {
    maximum_retry_attempts = 186
  }

  expect_failures = [var.maximum_retry_attempts]
}
