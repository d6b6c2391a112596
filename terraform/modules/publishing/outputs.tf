output "distribution_id" {
  description = "ID of the CloudFront distribution (for aws cloudfront create-invalidation, by hand)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution: the AWS:SourceArn the bucket policy allows on public/*."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "Domain name of the distribution (<id>.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "public_base_url" {
  description = "PUBLIC_BASE_URL of the functions: object public/<x> is served at <public_base_url>/<x> (no trailing slash)."
  value       = "https://${aws_cloudfront_distribution.this.domain_name}"
}

output "feed_url_pattern" {
  description = "Where a podcast's feed is served; replace <podcast_id>."
  value       = "https://${aws_cloudfront_distribution.this.domain_name}/<podcast_id>/feed.xml"
}
