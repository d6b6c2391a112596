variable "name_prefix" {
  description = "Prefix of every alarm, the topic and the key alias, e.g. telecast-dev."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name_prefix))
    error_message = "name_prefix must be letters, digits, hyphens or underscores."
  }
}

variable "account_id" {
  description = "AWS account ID, for the topic and key policies."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the alarms, for the topic policy's alarm ARN condition."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"
}

variable "dead_letter_queues" {
  description = "Dead-letter queues to watch, by a short key (e.g. collection): their queue names. Any visible message alarms."
  type        = map(string)
  default     = {}
}

variable "queues" {
  description = "Source queues to watch for a backlog, by a short key: name and the age of the oldest message that alarms."
  type = map(object({
    name                                 = string
    oldest_message_age_threshold_seconds = number
  }))
  default = {}

  validation {
    condition     = alltrue([for q in values(var.queues) : q.oldest_message_age_threshold_seconds >= 60 && q.oldest_message_age_threshold_seconds <= 1209600])
    error_message = "oldest_message_age_threshold_seconds must be from 60 to 1209600 (a message cannot be older than 14 days)."
  }
}

variable "function_names" {
  description = "Lambda functions to watch for errors and throttles, by a short key (e.g. telegram)."
  type        = map(string)
  default     = {}
}

variable "lambda_errors_threshold" {
  description = "Function errors per 5 minutes above which the Errors alarm fires (0: any error)."
  type        = number
  default     = 0

  validation {
    condition     = var.lambda_errors_threshold >= 0
    error_message = "lambda_errors_threshold must not be negative."
  }
}

variable "lambda_throttles_threshold" {
  description = "Throttled invocations per 5 minutes above which the Throttles alarm fires (0: any throttle)."
  type        = number
  default     = 0

  validation {
    condition     = var.lambda_throttles_threshold >= 0
    error_message = "lambda_throttles_threshold must not be negative."
  }
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic; empty: no subscription. The address must confirm it once."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address, or empty."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the topic's KMS key is deleted after a destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30 && floor(var.kms_deletion_window_in_days) == var.kms_deletion_window_in_days
    error_message = "kms_deletion_window_in_days must be a whole number from 7 to 30."
  }
}

variable "tags" {
  description = "Tags for the topic, the key and the alarms, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "runbook_url" {
  description = <<-EOT
    Where docs/runbook.md is read: every alarm's description ends with <runbook_url>#<its section>. Set it to the
    repository's web address of the file (https://github.com/<owner>/<repo>/blob/main/docs/runbook.md) so the link in
    an alarm notification opens; the default is the path in the repository.
  EOT
  type        = string
  default     = "docs/runbook.md"

  validation {
    # The anchor is appended; the length keeps every description under CloudWatch's 1024 characters.
    condition     = length(var.runbook_url) > 0 && length(var.runbook_url) <= 512 && !strcontains(var.runbook_url, "#") && !can(regex("\\s", var.runbook_url))
    error_message = "runbook_url must be a path or URL of at most 512 characters, without spaces or a #fragment."
  }
}

variable "episodes_failed_threshold" {
  description = "Failed episodes per hour, all stages together, above which the episodes-failed alarm fires."
  type        = number
  default     = 3

  validation {
    condition     = var.episodes_failed_threshold >= 0 && floor(var.episodes_failed_threshold) == var.episodes_failed_threshold
    error_message = "episodes_failed_threshold must be a whole number, 0 or more."
  }
}
