variable "bucket_name" {
  description = "Name of the episode bucket (globally unique)."
  type        = string

  validation {
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "table_name" {
  description = "Name of the DynamoDB table holding podcast configurations and episode status."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3 to 255 letters, digits, underscores, hyphens or dots."
  }
}

variable "sse_algorithm" {
  description = "Default encryption of the bucket: AES256 (SSE-S3) or aws:kms (SSE-KMS with the AWS managed key aws/s3)."
  type        = string
  default     = "AES256"

  validation {
    condition     = contains(["AES256", "aws:kms"], var.sse_algorithm)
    error_message = "sse_algorithm must be AES256 or aws:kms."
  }
}

variable "media_expiration_days" {
  description = "Days after which downloaded episode media (podcasts/<podcast_id>/<timestamp>/media/...) and kept turns (.../turns/...) expire."
  type        = number
  default     = 30

  validation {
    condition     = var.media_expiration_days >= 1 && floor(var.media_expiration_days) == var.media_expiration_days
    error_message = "media_expiration_days must be a whole number of days, at least 1."
  }
}

variable "media_tag" {
  description = <<-EOT
    Object tag that marks episode media for expiry. Lifecycle filters match key prefixes only (no wildcard in the middle of
    podcasts/*/media/), so the writer tags each media object with it.
  EOT
  type = object({
    key   = string
    value = string
  })
  default = {
    key   = "telecast-class"
    value = "media"
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed (the bucket is versioned)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which S3 aborts an unfinished multipart upload (its parts cost storage until then)."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, at least 1."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete a bucket that still holds objects (dev only)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "DynamoDB deletion protection: the table cannot be deleted (even by Terraform) while it is on."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the bucket and the table, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

variable "public_read_distribution_arns" {
  description = <<-EOT
    ARNs of the CloudFront distributions (modules/publishing) allowed to read the published files under public/ through
    their origin access control: s3:GetObject on public/* only, nothing else of the bucket. [] (the default): none.
  EOT
  type        = list(string)
  default     = []

  validation {
    # Unknown until the distribution exists; checked when known.
    condition     = alltrue([for arn in var.public_read_distribution_arns : can(regex("^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$", arn))])
    error_message = "public_read_distribution_arns must hold CloudFront distribution ARNs (arn:aws:cloudfront::<account>:distribution/<id>)."
  }
}
