# The public face of the episode bucket: a CloudFront distribution that serves the bucket's public/ prefix, and only it,
# to podcast apps and web players. The bucket stays private (public access block on): CloudFront reads it through an
# origin access control, and the storage module's bucket policy allows this distribution's ARN on public/* only.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html

locals {
  origin_id = "episode-bucket-public"

  # AWS managed cache policy CachingOptimized: long TTLs (1 day default, 1 year max), no cookies, headers or query
  # strings in the key, gzip and brotli. Audio, transcripts and chapters never change once published. Managed policies
  # are referenced by ID (a data source would need AWS credentials to plan).
  # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"

  # Viewers only read: GET and HEAD, and OPTIONS for CORS preflights. Only GET and HEAD responses are cached.
  allowed_methods = ["GET", "HEAD", "OPTIONS"]
  cached_methods  = ["GET", "HEAD"]
}

# SigV4-signs every request CloudFront sends to the bucket, so the bucket policy can name the distribution.
resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name_prefix}-public"
  description                       = "CloudFront reads the public/ prefix of the episode bucket."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# feed.xml is rewritten in place when an episode is published: a short TTL shows the new feed within minutes, so no
# function needs cloudfront:CreateInvalidation.
resource "aws_cloudfront_cache_policy" "feed" {
  name        = "${var.name_prefix}-feed"
  comment     = "Telecast podcast feeds: at most ${var.feed_max_ttl_seconds} s at the edge."
  min_ttl     = 0
  default_ttl = var.feed_max_ttl_seconds
  max_ttl     = var.feed_max_ttl_seconds

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# Web players fetch transcripts, chapters and feeds from another origin. CloudFront adds the CORS headers itself, so the
# cache needs no Origin in its key and the bucket no CORS configuration. Content-Range and Accept-Ranges are exposed
# for players that seek with Range requests.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
resource "aws_cloudfront_response_headers_policy" "cors" {
  name    = "${var.name_prefix}-public-cors"
  comment = "Telecast published files: read-only CORS for web players."

  cors_config {
    access_control_allow_credentials = false
    access_control_max_age_sec       = 86400
    origin_override                  = true

    access_control_allow_headers {
      items = ["*"]
    }
    access_control_allow_methods {
      items = local.allowed_methods
    }
    access_control_allow_origins {
      items = var.cors_allowed_origins
    }
    access_control_expose_headers {
      items = ["Accept-Ranges", "Content-Length", "Content-Range", "ETag"]
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  comment         = "${var.name_prefix}: published podcast feeds, episodes, transcripts and chapters"
  price_class     = var.price_class
  http_version    = "http2and3"
  is_ipv6_enabled = true
  tags            = var.tags

  origin {
    origin_id                = local.origin_id
    domain_name              = var.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
    # Viewer path /<podcast_id>/feed.xml reads object public/<podcast_id>/feed.xml: nothing outside public/ has a URL.
    origin_path = "/public"
  }

  # Episodes, transcripts and chapters. Byte-range requests (seeking in the audio) pass to S3 origins as they are:
  # CloudFront caches the ranges S3 answers with 206, no setting needed.
  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.allowed_methods
    cached_methods             = local.cached_methods
    cache_policy_id            = local.caching_optimized_policy_id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id
    compress                   = true
  }

  # The one file that changes: /<podcast_id>/feed.xml.
  ordered_cache_behavior {
    path_pattern               = "*/feed.xml"
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.allowed_methods
    cached_methods             = local.cached_methods
    cache_policy_id            = aws_cloudfront_cache_policy.feed.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id
    compress                   = true
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # The *.cloudfront.net name and certificate; a custom domain would need an ACM certificate in us-east-1.
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
