# Plans the queue pair with the processing queue's settings from queue-settings.json (offline: mock provider).

mock_provider "aws" {}

# Known ARNs and URLs at plan time (mock values are otherwise unknown until apply), so the policies can be inspected.

override_resource {
  target          = aws_sqs_queue.this
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-queue"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-queue"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-queue"
  }
}

override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    id  = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/telecast-test-podcast-processing-dlq"
    arn = "arn:aws:sqs:eu-central-1:123456789012:telecast-test-podcast-processing-dlq"
  }
}

variables {
  name                          = "telecast-test-podcast-processing-queue"
  dlq_name                      = "telecast-test-podcast-processing-dlq"
  visibility_timeout_seconds    = jsondecode(file("../../queue-settings.json")).queues.processing.visibility_timeout_seconds
  message_retention_seconds     = jsondecode(file("../../queue-settings.json")).queues.processing.message_retention_seconds
  dlq_message_retention_seconds = jsondecode(file("../../queue-settings.json")).queues.processing.dlq_message_retention_seconds
  max_receive_count             = jsondecode(file("../../queue-settings.json")).queues.processing.max_receive_count
}

run "redrives_to_its_own_dlq_after_three_receives" {
  command = plan

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq.arn
    error_message = "The redrive policy must target this module's DLQ."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy).maxReceiveCount == 3
    error_message = "maxReceiveCount must be 3, as in queue-settings.json."
  }

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 5400
    error_message = "The visibility timeout must come from queue-settings.json."
  }
}

run "dlq_accepts_only_its_source_and_outlives_it" {
  command = plan

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy).redrivePermission == "byQueue"
    error_message = "The DLQ's redrive allow policy must be byQueue."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy).sourceQueueArns == [aws_sqs_queue.this.arn]
    error_message = "Only the source queue may use the DLQ."
  }

  assert {
    condition     = aws_sqs_queue.dlq.message_retention_seconds == 1209600 && aws_sqs_queue.dlq.message_retention_seconds > aws_sqs_queue.this.message_retention_seconds
    error_message = "The DLQ must keep messages 14 days, longer than the source queue."
  }
}

run "encrypts_both_queues_with_sse_sqs" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.dlq.sqs_managed_sse_enabled
    error_message = "Both queues must use SSE-SQS."
  }
}

run "denies_requests_without_tls_on_both_queues" {
  command = plan

  assert {
    condition = alltrue([
      for p in [aws_sqs_queue_policy.this, aws_sqs_queue_policy.dlq] : anytrue([
        for s in jsondecode(p.policy).Statement :
        s.Effect == "Deny" && s.Principal == "*" && s.Condition.Bool["aws:SecureTransport"] == "false"
      ])
    ])
    error_message = "Both queue policies must deny aws:SecureTransport = false."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.this.policy).Statement[0].Resource == aws_sqs_queue.this.arn && jsondecode(aws_sqs_queue_policy.dlq.policy).Statement[0].Resource == aws_sqs_queue.dlq.arn
    error_message = "Each policy must cover its own queue."
  }

  assert {
    condition     = aws_sqs_queue_policy.this.queue_url == aws_sqs_queue.this.url && aws_sqs_queue_policy.dlq.queue_url == aws_sqs_queue.dlq.url
    error_message = "Each policy must be attached to its own queue."
  }
}

run "rejects_a_dlq_that_expires_before_its_source" {
  command = plan

  variables {
    dlq_message_retention_seconds = 345600
  }

  expect_failures = [aws_sqs_queue.dlq]
}

run "rejects_a_receive_count_aws_does_not_allow" {
  command = plan

  variables {
    max_receive_count = 1001
  }

  expect_failures = [var.max_receive_count]
}
