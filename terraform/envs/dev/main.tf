locals {
  environment = "dev"

  tags = {
    Project     = "telecast"
    Environment = local.environment
    ManagedBy   = "terraform"
  }
}

provider "aws" {
  # null: the region comes from AWS_REGION or the profile, like the AWS CLI.
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

module "telecast" {
  source = "../../modules/telecast"

  environment          = local.environment
  artifacts_dir        = coalesce(var.artifacts_dir, "${path.root}/../../../dist")
  lambda_architecture  = var.lambda_architecture
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
  alarm_email          = var.alarm_email
  stuck_after_minutes  = var.stuck_after_minutes
  stalled_margin_hours = var.stalled_margin_hours
  runbook_url          = var.runbook_url
  deletion_protection  = var.deletion_protection
  bucket_force_destroy = var.bucket_force_destroy
  telegram_session     = var.telegram_session
  engines              = var.engines

  episodes_failed_threshold = var.episodes_failed_threshold
}
