variable "environment" {
  description = "Environment name (dev, prod, ...): every resource is named telecast-<environment>-<purpose>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2 to 10 lowercase letters and digits, starting with a letter."
  }
}

variable "artifacts_dir" {
  description = "Folder holding the prebuilt handler zips from build.mjs: <name>.zip for every function of functions.json."
  type        = string
}

variable "lambda_architecture" {
  description = "Instruction set of every function: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions, also Lambda's application log level filter (at most INFO: the metrics' EMF lines count as INFO)."
  type        = string
  default     = "INFO"

  validation {
    # Values both Powertools and Lambda's JSON log filter accept.
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 30

  validation {
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "stuck_after_minutes" {
  description = <<-EOT
    Minutes after which the scheduler marks an unfinished episode as failed (STUCK_AFTER_MINUTES). null (the default)
    derives it from queue-settings.json: the longest a message can legitimately still be retried (visibility timeout x
    max receive count, of the slowest queue) plus 30 minutes, so no episode is failed while SQS may still deliver it.
  EOT
  type        = number
  default     = null

  validation {
    condition     = var.stuck_after_minutes == null || (try(var.stuck_after_minutes >= 5 && floor(var.stuck_after_minutes) == var.stuck_after_minutes, false))
    error_message = "stuck_after_minutes must be a whole number of minutes, at least 5 (the scheduler refuses less), or null."
  }
}

variable "stalled_margin_hours" {
  description = <<-EOT
    Hours of slack before the pipeline-stalled alarm fires (STALLED_MARGIN_HOURS of the scheduler): it fires when no
    episode has completed for longer than the longest frequency among enabled podcasts plus this margin.
  EOT
  type        = number
  default     = 6

  validation {
    condition     = var.stalled_margin_hours >= 1 && floor(var.stalled_margin_hours) == var.stalled_margin_hours
    error_message = "stalled_margin_hours must be a whole number of hours, at least 1 (the scheduler refuses less)."
  }
}

variable "schedule_expression" {
  description = "How often the scheduler Lambda runs."
  type        = string
  default     = "rate(15 minutes)"
}

variable "alarm_email" {
  description = "Email address that receives the alarms; empty: no subscription."
  type        = string
  default     = ""
}

variable "episodes_failed_threshold" {
  description = "Failed episodes per hour, all stages together, above which the episodes-failed alarm fires."
  type        = number
  default     = 3
}

variable "runbook_url" {
  description = "Where docs/runbook.md is read (e.g. its https://github.com/<owner>/<repo>/blob/main/... address): each alarm's description links <runbook_url>#<section>."
  type        = string
  default     = "docs/runbook.md"
}

variable "queue_age_alarm_threshold_seconds" {
  description = <<-EOT
    Age of a queue's oldest message that alarms. null: per queue, visibility timeout x max_receive_count from
    queue-settings.json, an age a message reaches only when its consumer is not keeping up.
  EOT
  type        = number
  default     = null

  validation {
    condition     = var.queue_age_alarm_threshold_seconds == null || try(var.queue_age_alarm_threshold_seconds >= 60 && var.queue_age_alarm_threshold_seconds <= 1209600, false)
    error_message = "queue_age_alarm_threshold_seconds must be from 60 to 1209600, or null."
  }
}

variable "telegram_web_url" {
  description = "Where the collector, the scheduler and the admin read channels' public web previews (TELEGRAM_WEB_URL)."
  type        = string
  default     = "https://t.me"

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\\s?#]*)?$", var.telegram_web_url))
    error_message = "telegram_web_url must be an https URL without query or fragment, such as https://t.me."
  }
}

variable "telegram_session" {
  description = <<-EOT
    Whether channels may be read with a Telegram user session (MTProto). true creates the session's secret
    (TELEGRAM_SESSION_SECRET_ID) and reserves one concurrent collector; after apply the operator runs
    `telecast telegram login`, which stores the session in the secret (terraform/README.md). false: exports and web
    previews only.
  EOT
  type        = bool
  default     = false
}

variable "media_expiration_days" {
  description = "Days after which downloaded episode media expire from the bucket."
  type        = number
  default     = 30
}

variable "deletion_protection" {
  description = "Protect the DynamoDB table from deletion; off only where the data is disposable."
  type        = bool
  default     = true
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy empty the bucket first (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags for every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "engines" {
  description = <<-EOT
    The generator's engines (docs/architecture.md "Engines"): which AWS engines the deployment uses (`bedrock`, `polly`:
    only those get their IAM grant), the Bedrock model, OpenAI-compatible, Gemini and ElevenLabs endpoints and models,
    and where each API key is kept: a Secrets Manager secret ARN or name, or `ssm:<parameter name or ARN>` (the key is
    never in Terraform state; podcastfy may read exactly the secrets and parameters named here). Unset fields take the
    defaults of src/core/config.ts; a podcast names the writer and voice engine it uses.
  EOT
  type = object({
    bedrock                      = optional(bool, false)
    polly                        = optional(bool, false)
    bedrock_model_id             = optional(string, "amazon.nova-lite-v1:0")
    openai_base_url              = optional(string, "https://api.openai.com/v1")
    openai_model                 = optional(string, "gpt-4o-mini")
    openai_tts_model             = optional(string, "gpt-4o-mini-tts")
    openai_api_key_secret_id     = optional(string, "")
    gemini_base_url              = optional(string, "https://generativelanguage.googleapis.com")
    gemini_model                 = optional(string, "gemini-2.5-flash")
    gemini_tts_model             = optional(string, "gemini-2.5-flash-preview-tts")
    gemini_api_key_secret_id     = optional(string, "")
    elevenlabs_base_url          = optional(string, "https://api.elevenlabs.io")
    elevenlabs_model             = optional(string, "eleven_multilingual_v2")
    elevenlabs_api_key_secret_id = optional(string, "")
    synthesis_concurrency        = optional(number, 0)
  })
  default = {}

  validation {
    # A foundation model id (amazon.nova-lite-v1:0), a cross-region inference profile id (us.anthropic.claude-…), or
    # the ARN of a model, profile or provisioned throughput in this account.
    condition     = can(regex("^(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:[a-z-]+/[A-Za-z0-9.:_/-]+|((us|eu|apac|us-gov|ca|jp|au|global)\\.)?[a-z0-9-]+\\.[A-Za-z0-9.:_-]+)$", var.engines.bedrock_model_id))
    error_message = "engines.bedrock_model_id must be a Bedrock model id (amazon.nova-lite-v1:0), an inference profile id (us.anthropic.claude-3-5-haiku-20241022-v1:0) or a Bedrock ARN."
  }

  validation {
    # `file:` is for the local stack; a key pasted in place of its reference would be sent as a secret id and granted.
    condition = alltrue([
      for ref in [var.engines.openai_api_key_secret_id, var.engines.gemini_api_key_secret_id, var.engines.elevenlabs_api_key_secret_id] :
      ref == "" ||
      can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", ref)) ||
      can(regex("^ssm:(arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+|/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)$", ref)) ||
      (can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", ref)) && !can(regex("^(sk-|sk_|AIza)", ref)) && !can(regex("^[A-Za-z0-9_]{32,}$", ref)))
    ])
    error_message = "engines.*_api_key_secret_id must be empty, a Secrets Manager secret ARN or name, or ssm:<parameter name or ARN>; never the key itself, nor file: (local stack only)."
  }

  validation {
    condition     = var.engines.synthesis_concurrency >= 0 && floor(var.engines.synthesis_concurrency) == var.engines.synthesis_concurrency
    error_message = "engines.synthesis_concurrency must be a whole number, 0 for each engine's own default."
  }
}

variable "publishing" {
  description = <<-EOT
    Publish podcast feeds: a CloudFront distribution serves the bucket's public/ prefix (modules/publishing), the
    functions are told its URL (PUBLIC_BASE_URL) and podcastfy and the admin may write under public/. false: no
    distribution, PUBLIC_BASE_URL is "" and no function may touch public/.
  EOT
  type        = bool
  default     = true
}

variable "publishing_price_class" {
  description = "CloudFront price class of the publishing distribution (PriceClass_100, PriceClass_200 or PriceClass_All)."
  type        = string
  default     = "PriceClass_100"
}
