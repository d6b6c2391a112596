# Plans the distribution (offline: mock provider, known ARNs and names at plan time). The runs with
# module { source = "./tests/fixture" } plan it together with the storage module, wired as modules/telecast wires them,
# to check the bucket policy the pair produces.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id          = "E2TESTDISTRIB"
      arn         = "arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }

  mock_resource "aws_cloudfront_origin_access_control" {
    defaults = { id = "E3TESTOAC" }
  }

  mock_resource "aws_cloudfront_cache_policy" {
    defaults = { id = "feed-cache-policy-id" }
  }

  mock_resource "aws_cloudfront_response_headers_policy" {
    defaults = { id = "cors-policy-id" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id                          = "telecast-test-podcasts-123456789012"
      arn                         = "arn:aws:s3:::telecast-test-podcasts-123456789012"
      bucket_regional_domain_name = "telecast-test-podcasts-123456789012.s3.eu-central-1.amazonaws.com"
    }
  }
}

variables {
  name_prefix                 = "telecast-test"
  bucket_regional_domain_name = "telecast-test-podcasts-123456789012.s3.eu-central-1.amazonaws.com"
}

run "serves_only_the_public_prefix_of_the_bucket_through_its_access_control" {
  command = plan

  assert {
    condition = [for o in aws_cloudfront_distribution.this.origin : {
      domain_name = o.domain_name, origin_path = o.origin_path, oac = o.origin_access_control_id,
      custom      = length(o.custom_origin_config), s3_oai = length(o.s3_origin_config)
      }] == [{
      domain_name = "telecast-test-podcasts-123456789012.s3.eu-central-1.amazonaws.com", origin_path = "/public", oac = "E3TESTOAC",
      custom      = 0, s3_oai = 0
    }]
    error_message = "The one origin must be the bucket's regional endpoint at /public, read through the origin access control (no legacy OAI, no website endpoint)."
  }

  assert {
    condition = (aws_cloudfront_origin_access_control.this.origin_access_control_origin_type == "s3" &&
      aws_cloudfront_origin_access_control.this.signing_behavior == "always" &&
    aws_cloudfront_origin_access_control.this.signing_protocol == "sigv4")
    error_message = "The origin access control must SigV4-sign every request to S3."
  }
}

run "viewers_read_over_https_only" {
  command = plan

  assert {
    condition = alltrue([
      for b in concat(aws_cloudfront_distribution.this.default_cache_behavior, aws_cloudfront_distribution.this.ordered_cache_behavior) :
      b.viewer_protocol_policy == "redirect-to-https" && toset(b.allowed_methods) == toset(["GET", "HEAD", "OPTIONS"]) &&
      toset(b.cached_methods) == toset(["GET", "HEAD"])
    ])
    error_message = "Every behaviour must redirect HTTP to HTTPS and allow reads only (GET, HEAD, OPTIONS)."
  }

  assert {
    condition = (aws_cloudfront_distribution.this.http_version == "http2and3" && aws_cloudfront_distribution.this.enabled &&
    aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate)
    error_message = "The distribution must be enabled, speak HTTP/2 and HTTP/3, on its cloudfront.net certificate."
  }
}

run "files_are_cached_long_and_feeds_for_minutes" {
  command = plan

  assert {
    # CachingOptimized, an AWS managed cache policy.
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].cache_policy_id == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    error_message = "Episodes, transcripts and chapters must use the managed CachingOptimized policy."
  }

  assert {
    condition = [for b in aws_cloudfront_distribution.this.ordered_cache_behavior : { path = b.path_pattern, policy = b.cache_policy_id }] == [
      { path = "*/feed.xml", policy = aws_cloudfront_cache_policy.feed.id },
    ]
    error_message = "/<podcast_id>/feed.xml must have its own behaviour with the feed cache policy."
  }

  assert {
    condition     = aws_cloudfront_cache_policy.feed.max_ttl <= 300 && aws_cloudfront_cache_policy.feed.default_ttl <= 300 && aws_cloudfront_cache_policy.feed.min_ttl == 0
    error_message = "A regenerated feed must be served within 5 minutes (max and default TTL at most 300 s)."
  }
}

run "web_players_may_fetch_the_files_cross_origin" {
  command = plan

  assert {
    condition = alltrue([
      for b in concat(aws_cloudfront_distribution.this.default_cache_behavior, aws_cloudfront_distribution.this.ordered_cache_behavior) :
      b.response_headers_policy_id == aws_cloudfront_response_headers_policy.cors.id
    ])
    error_message = "Every behaviour must add the CORS headers."
  }

  assert {
    condition = (aws_cloudfront_response_headers_policy.cors.cors_config[0].access_control_allow_origins[0].items == toset(["*"]) &&
      aws_cloudfront_response_headers_policy.cors.cors_config[0].access_control_allow_methods[0].items == toset(["GET", "HEAD", "OPTIONS"]) &&
    !aws_cloudfront_response_headers_policy.cors.cors_config[0].access_control_allow_credentials)
    error_message = "CORS must allow any origin to read (GET, HEAD, OPTIONS), without credentials."
  }

  assert {
    condition     = contains(aws_cloudfront_response_headers_policy.cors.cors_config[0].access_control_expose_headers[0].items, "Content-Range")
    error_message = "Players that seek need Content-Range exposed."
  }
}

run "price_class_defaults_to_the_cheapest" {
  command = plan

  assert {
    condition     = aws_cloudfront_distribution.this.price_class == "PriceClass_100"
    error_message = "The default price class must be PriceClass_100."
  }
}

run "outputs_the_public_base_url_and_the_feed_url" {
  command = plan

  assert {
    condition = (output.public_base_url == "https://d111111abcdef8.cloudfront.net" &&
      output.feed_url_pattern == "https://d111111abcdef8.cloudfront.net/<podcast_id>/feed.xml" &&
    output.distribution_arn == "arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB" && output.distribution_id == "E2TESTDISTRIB")
    error_message = "public_base_url is https://<domain> without a trailing slash; feeds are at <public_base_url>/<podcast_id>/feed.xml."
  }
}

run "rejects_an_unknown_price_class" {
  command = plan

  variables {
    price_class = "PriceClass_50"
  }

  expect_failures = [var.price_class]
}

run "rejects_a_feed_ttl_over_an_hour" {
  command = plan

  variables {
    feed_max_ttl_seconds = 86400
  }

  expect_failures = [var.feed_max_ttl_seconds]
}

run "the_bucket_admits_this_distribution_on_public_objects_only" {
  command = plan

  module {
    source = "./tests/fixture"
  }

  assert {
    condition = [
      for s in jsondecode(output.bucket_policy).Statement : s if s.Effect == "Allow"
      ] == [{
        Sid       = "AllowCloudFrontReadPublic"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${output.bucket_arn}/public/*"
        Condition = { StringEquals = { "AWS:SourceArn" = [output.distribution_arn] } }
    }]
    error_message = "The one Allow must be s3:GetObject on public/* for cloudfront.amazonaws.com, conditioned on this distribution's ARN."
  }

  assert {
    condition     = output.distribution_arn == "arn:aws:cloudfront::123456789012:distribution/E2TESTDISTRIB"
    error_message = "The condition must name the distribution planned with the bucket."
  }

  assert {
    # A principal "*" appears only in the TLS Deny; an Allow to everyone would make the bucket public.
    condition = alltrue([
      for s in jsondecode(output.bucket_policy).Statement : s.Effect == "Deny" if try(s.Principal == "*", false)
    ])
    error_message = "No statement may allow the public principal \"*\"."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(output.bucket_policy).Statement : s.Sid == "DenyInsecureTransport" && s.Effect == "Deny"
    ])
    error_message = "The TLS-only Deny must stay."
  }
}

run "without_a_distribution_the_bucket_admits_no_one" {
  command = plan

  module {
    source = "./tests/fixture"
  }

  variables {
    public_read = false
  }

  assert {
    condition     = [for s in jsondecode(output.bucket_policy).Statement : s.Sid] == ["DenyInsecureTransport"]
    error_message = "With no distribution the policy holds only the TLS Deny."
  }
}
