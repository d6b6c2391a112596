variable "name_prefix" {
  description = "Prefix of every name (telecast-<env>): the policies are <prefix>-feed and <prefix>-public-cors."
  type        = string

  validation {
    # Cache and response headers policy names: letters, digits, hyphens and underscores, at most 128 characters.
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 100 letters, digits, hyphens or underscores."
  }
}

variable "bucket_regional_domain_name" {
  description = "Regional domain name of the episode bucket (<bucket>.s3.<region>.amazonaws.com), the distribution's origin."
  type        = string
}

variable "price_class" {
  description = "CloudFront price class: which edge locations serve the files (PriceClass_100 is North America and Europe, the cheapest)."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "feed_max_ttl_seconds" {
  description = <<-EOT
    Longest time an edge keeps a feed.xml before it asks the bucket again (also the default when the object sets no
    Cache-Control). A regenerated feed is served within this time without an invalidation.
  EOT
  type        = number
  default     = 300

  validation {
    condition     = var.feed_max_ttl_seconds >= 0 && var.feed_max_ttl_seconds <= 3600 && floor(var.feed_max_ttl_seconds) == var.feed_max_ttl_seconds
    error_message = "feed_max_ttl_seconds must be a whole number of seconds from 0 to 3600 (feeds must refresh within the hour)."
  }
}

variable "cors_allowed_origins" {
  description = "Origins web players may fetch the files from (Access-Control-Allow-Origin): [\"*\"] for any page, or a list of https://host."
  type        = list(string)
  default     = ["*"]

  validation {
    condition     = length(var.cors_allowed_origins) > 0 && alltrue([for o in var.cors_allowed_origins : o == "*" || can(regex("^https?://[^/*]+$", o))])
    error_message = "cors_allowed_origins must be [\"*\"] or scheme://host origins without a path."
  }
}

variable "tags" {
  description = "Tags for the distribution, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}
