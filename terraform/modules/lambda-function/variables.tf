variable "function_name" {
  description = "Name of the function; its role and its log group are named after it."
  type        = string

  validation {
    # https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (64), and the role name limit (64).
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1 to 64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the prebuilt deployment package (dist/<name>.zip from build.mjs). Terraform only uploads it."
  type        = string
}

variable "handler" {
  description = "Entry point inside the zip."
  type        = string
  default     = "index.handler"
}

variable "runtime" {
  description = "Lambda runtime. nodejs22.x: the AWS provider in use (5.100) rejects nodejs24.x."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs[0-9]+\\.x$", var.runtime))
    error_message = "runtime must be a Node.js runtime such as nodejs22.x: the bundles are ESM for Node."
  }
}

variable "architecture" {
  description = "Instruction set: arm64 (cheaper per GB-second) or x86_64. The bundles are plain JavaScript and wasm."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "ephemeral_storage_size" {
  description = "Size of /tmp in MB; null: Lambda's default, 512."
  type        = number
  default     = 512
  # A caller passes null where its function has no size of its own (functions.json lists one only where it differs).
  nullable = false

  validation {
    condition     = var.ephemeral_storage_size >= 512 && var.ephemeral_storage_size <= 10240 && floor(var.ephemeral_storage_size) == var.ephemeral_storage_size
    error_message = "ephemeral_storage_size must be a whole number of MB from 512 to 10240."
  }
}

variable "reserved_concurrent_executions" {
  description = <<-EOT
    Concurrency reserved for the function, which is also its cap: at most this many run at once. null (the default):
    unreserved, the function shares the account's pool. 0 stops every invocation.
  EOT
  type        = number
  default     = null

  validation {
    # https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html (ReservedConcurrentExecutions >= 0)
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be a whole number, at least 0, or null (unreserved)."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function: its only configuration."
  type        = map(string)
  default     = {}
}

variable "application_log_level" {
  description = "Lambda's JSON-log filter for application logs; keep it equal to POWERTOOLS_LOG_LEVEL or lower-level logs are dropped."
  type        = string
  default     = "INFO"

  validation {
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number

  validation {
    # The values CloudWatch Logs accepts: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "policy_statements" {
  description = <<-EOT
    Least-privilege Allow statements of the function's role, besides its own log group, which the module adds.
    Each: sid (alphanumeric), actions (no wildcards), resources, and optional conditions ({ test, variable, values }).
  EOT
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", s.sid))])
    error_message = "Every sid must be alphanumeric (an IAM rule)."
  }

  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid])) == length(var.policy_statements)
    error_message = "Every statement needs its own sid."
  }

  validation {
    # Least privilege: name every action. A wildcard would also grant actions AWS adds later.
    condition     = alltrue(flatten([for s in var.policy_statements : [for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9]+$", a))]]))
    error_message = "Actions must be explicit service:Action names; wildcards are not allowed."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Every statement needs at least one action and one resource."
  }
}

variable "sqs_event_source" {
  description = <<-EOT
    Optional SQS queue that triggers the function, with the event source mapping's settings. The queue's visibility
    timeout is needed to check it against 6 x the function's timeout. null: no event source mapping.
  EOT
  type = object({
    queue_arn                          = string
    queue_visibility_timeout_seconds   = number
    batch_size                         = number
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = number
  })
  default = null

  validation {
    # https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
    condition     = var.sqs_event_source == null || try(var.sqs_event_source.batch_size >= 1 && var.sqs_event_source.batch_size <= 10000, false)
    error_message = "sqs_event_source.batch_size must be from 1 to 10000."
  }

  validation {
    condition     = var.sqs_event_source == null || try(var.sqs_event_source.maximum_batching_window_in_seconds >= 0 && var.sqs_event_source.maximum_batching_window_in_seconds <= 300, false)
    error_message = "sqs_event_source.maximum_batching_window_in_seconds must be from 0 to 300."
  }

  validation {
    # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency (2..1000)
    condition     = var.sqs_event_source == null || try(var.sqs_event_source.maximum_concurrency >= 2 && var.sqs_event_source.maximum_concurrency <= 1000, false)
    error_message = "sqs_event_source.maximum_concurrency must be from 2 to 1000."
  }
}

variable "tags" {
  description = "Tags for the function, its role and its log group, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
