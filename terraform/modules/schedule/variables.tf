variable "name" {
  description = "Name of the schedule; its role and its dead-letter queue are named after it."
  type        = string

  validation {
    # Schedule names allow 64 characters; the role and the DLQ add a suffix of up to 4.
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.name))
    error_message = "name must be 1 to 60 letters, digits, hyphens or underscores."
  }
}

variable "schedule_expression" {
  description = "When the scheduler Lambda runs: rate(...), cron(...) or at(...)."
  type        = string
  default     = "rate(15 minutes)"

  validation {
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
    condition     = can(regex("^(rate|cron|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...), cron(...) or at(...)."
  }
}

variable "schedule_expression_timezone" {
  description = "Time zone of cron(...) and at(...) expressions."
  type        = string
  default     = "UTC"
}

variable "function_arn" {
  description = "ARN of the Lambda function the schedule invokes."
  type        = string
}

variable "input" {
  description = "JSON event the schedule sends to the function."
  type        = string
  default     = "{\"trigger\":\"schedule\"}"

  validation {
    condition     = can(jsondecode(var.input))
    error_message = "input must be a JSON document."
  }
}

variable "maximum_retry_attempts" {
  description = "How often EventBridge Scheduler retries an invocation that failed to be delivered."
  type        = number
  default     = 3

  validation {
    # https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from 0 to 185."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "How long EventBridge Scheduler keeps retrying one invocation; by then the next run is due anyway."
  type        = number
  default     = 900

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 86400 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number from 60 to 86400."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps undelivered invocations."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600 && floor(var.dlq_message_retention_seconds) == var.dlq_message_retention_seconds
    error_message = "dlq_message_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "account_id" {
  description = "AWS account ID, for the role's aws:SourceAccount condition (confused-deputy protection)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "tags" {
  description = "Tags for the schedule's role and dead-letter queue, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
