variable "aws_region" {
  description = "AWS region to deploy to; null: from AWS_REGION or the AWS profile."
  type        = string
  default     = null
}

variable "artifacts_dir" {
  description = "Folder with the handler zips from make build; null: the repository's dist/."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Instruction set of the functions: arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 90
}

variable "alarm_email" {
  description = "Email address for the alarms (confirm the subscription mail once); empty: none."
  type        = string
  default     = ""
}

variable "stuck_after_minutes" {
  description = "Minutes after which the scheduler fails an unfinished episode; null derives it from queue-settings.json."
  type        = number
  default     = null
}

variable "stalled_margin_hours" {
  description = "Hours of slack before the pipeline-stalled alarm fires, beyond the longest podcast frequency (STALLED_MARGIN_HOURS)."
  type        = number
  default     = 6
}

variable "episodes_failed_threshold" {
  description = "Failed episodes per hour above which the episodes-failed alarm fires."
  type        = number
  default     = 3
}

variable "runbook_url" {
  description = "Web address of docs/runbook.md, linked from every alarm's description; the default is the path in the repository."
  type        = string
  default     = "docs/runbook.md"
}

variable "deletion_protection" {
  description = "Protect the DynamoDB table from deletion."
  type        = bool
  default     = true
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy delete the bucket with its objects."
  type        = bool
  default     = false
}

variable "telegram_session" {
  description = "Read channels with a Telegram user session too: creates its secret; then run telecast telegram login (terraform/README.md)."
  type        = bool
  default     = false
}

variable "engines" {
  description = "The generator's engines and their keys' references (module telecast's var.engines: e.g. { bedrock = true, polly = true }); {} for the offline engines only."
  type        = any
  default     = {}
}
