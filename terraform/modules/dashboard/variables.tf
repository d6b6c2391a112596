variable "name_prefix" {
  description = "Prefix of the dashboard's name (<name_prefix>-pipeline), e.g. telecast-dev."
  type        = string

  validation {
    # Dashboard names: letters, digits, - and _, up to 255 characters (with "-pipeline").
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 200 letters, digits, hyphens or underscores."
  }
}

variable "region" {
  description = "AWS region whose metrics the widgets show (every metric widget names it)."
  type        = string
}

variable "queue_names" {
  description = "The pipeline's source queues by settings key, in pipeline order: collection, processing."
  type = object({
    collection = string
    processing = string
  })
}

variable "dlq_names" {
  description = "The dead-letter queues by key: collection, processing and the schedule's."
  type = object({
    collection = string
    processing = string
    schedule   = string
  })
}

variable "function_names" {
  description = "Deployed function names by functions.json name (telegram, podcastfy, scheduler, admin): Lambda's metrics and the ColdStart dimension."
  type        = map(string)

  validation {
    condition     = length(var.function_names) > 0
    error_message = "function_names must name at least one function."
  }
}

variable "alarm_arns" {
  description = "ARNs of the alarms the alarm status widget lists (every alarm of the alarms module)."
  type        = list(string)

  validation {
    # The alarm status widget shows at most 100 alarms.
    condition     = length(var.alarm_arns) <= 100 && alltrue([for a in var.alarm_arns : can(regex("^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:[0-9]{12}:alarm:.+$", a))])
    error_message = "alarm_arns must be at most 100 CloudWatch alarm ARNs."
  }
}

variable "period_seconds" {
  description = "Default period of the metric widgets, in seconds (hourly widgets use 3600)."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.period_seconds)
    error_message = "period_seconds must be 60, 300, 900 or 3600."
  }
}
