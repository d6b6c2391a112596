# The whole of Telecast for one environment: queues, storage, the three functions, the schedule and the alarms.
# Env roots (terraform/envs/<env>) only add the provider, the backend and their defaults.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # One source of truth for the queues, shared with the local stack.
  settings = jsondecode(file("${path.module}/../../queue-settings.json")).queues

  # Fail an episode as stuck only once SQS can no longer be retrying its message (see var.stuck_after_minutes).
  stuck_after_minutes = coalesce(var.stuck_after_minutes, ceil(max([
    for q in values(local.settings) : q.visibility_timeout_seconds * q.max_receive_count
  ]...) / 60) + 30)

  prefix     = "telecast-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id

  zip = { for name in ["telegram", "podcastfy", "scheduler"] : name => "${var.artifacts_dir}/${name}.zip" }

  common_environment = {
    TABLE_NAME              = module.storage.table_name
    BUCKET_NAME             = module.storage.bucket_name
    POWERTOOLS_SERVICE_NAME = "telecast"
    POWERTOOLS_LOG_LEVEL    = var.log_level
  }

  # Reused statements. The queues use SSE-SQS (SQS-owned keys), so no function needs a KMS statement.
  table_rw = {
    sid       = "ReadWriteStateTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = concat([module.storage.table_arn], module.storage.table_index_arns)
  }
  # ListBucket lets a missing key read as 404 NoSuchKey instead of 403 AccessDenied, which the handlers need to tell
  # "content.json is missing" (permanent) from a real permission problem.
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_Permissions
  # No s3:prefix condition: a GetObject/HeadObject request carries no s3:prefix key, so a prefix-conditioned
  # ListBucket would not apply to it and a missing key would still read as 403.
  list_bucket = {
    sid       = "ListBucketForNotFound"
    actions   = ["s3:ListBucket"]
    resources = [module.storage.bucket_arn]
  }
  consume = {
    actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
  }
}

module "collection_queue" {
  source = "../sqs-queue"

  name                          = "${local.prefix}-${local.settings.collection.name}"
  dlq_name                      = "${local.prefix}-${local.settings.collection.dlq_name}"
  visibility_timeout_seconds    = local.settings.collection.visibility_timeout_seconds
  message_retention_seconds     = local.settings.collection.message_retention_seconds
  dlq_message_retention_seconds = local.settings.collection.dlq_message_retention_seconds
  max_receive_count             = local.settings.collection.max_receive_count
  tags                          = var.tags
}

module "processing_queue" {
  source = "../sqs-queue"

  name                          = "${local.prefix}-${local.settings.processing.name}"
  dlq_name                      = "${local.prefix}-${local.settings.processing.dlq_name}"
  visibility_timeout_seconds    = local.settings.processing.visibility_timeout_seconds
  message_retention_seconds     = local.settings.processing.message_retention_seconds
  dlq_message_retention_seconds = local.settings.processing.dlq_message_retention_seconds
  max_receive_count             = local.settings.processing.max_receive_count
  tags                          = var.tags
}

module "storage" {
  source = "../storage"

  # Bucket names are global: the account ID keeps them unique.
  bucket_name           = "${local.prefix}-podcasts-${local.account_id}"
  table_name            = "${local.prefix}-state"
  media_expiration_days = var.media_expiration_days
  deletion_protection   = var.deletion_protection
  force_destroy         = var.bucket_force_destroy
  tags                  = var.tags
}

module "telegram" {
  source = "../lambda-function"

  function_name         = "${local.prefix}-telegram"
  description           = "Collects a podcast's Telegram posts into content.json and queues the episode for generation."
  zip_path              = local.zip.telegram
  architecture          = var.lambda_architecture
  timeout               = local.settings.collection.consumer_timeout_seconds
  memory_size           = 512
  log_retention_days    = var.log_retention_days
  application_log_level = var.log_level
  tags                  = var.tags

  environment_variables = merge(local.common_environment, {
    PROCESSING_QUEUE_URL = module.processing_queue.queue_url
    COLLECTION_DLQ_URL   = module.collection_queue.dlq_url
    MAX_RECEIVE_COUNT    = tostring(local.settings.collection.max_receive_count)
  })

  sqs_event_source = {
    queue_arn                          = module.collection_queue.queue_arn
    queue_visibility_timeout_seconds   = local.settings.collection.visibility_timeout_seconds
    batch_size                         = local.settings.collection.batch_size
    maximum_batching_window_in_seconds = local.settings.collection.maximum_batching_window_seconds
    maximum_concurrency                = local.settings.collection.maximum_concurrency
  }

  policy_statements = [
    merge(local.consume, { sid = "ConsumeCollectionQueue", resources = [module.collection_queue.queue_arn] }),
    {
      # Permanent failures are dead-lettered directly, with their reason.
      sid       = "SendProcessingAndDeadLetter"
      actions   = ["sqs:SendMessage"]
      resources = [module.processing_queue.queue_arn, module.collection_queue.dlq_arn]
    },
    {
      sid       = "ReadChannelExports"
      actions   = ["s3:GetObject"]
      resources = ["${module.storage.bucket_arn}/channel-exports/*"]
    },
    {
      # PutObjectTagging: media objects carry the tag the media expiry rule matches (modules/storage).
      sid       = "ReadWriteEpisodes"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
      resources = ["${module.storage.bucket_arn}/podcasts/*"]
    },
    local.list_bucket,
    local.table_rw,
  ]
}

module "podcastfy" {
  source = "../lambda-function"

  function_name          = "${local.prefix}-podcastfy"
  description            = "Turns collected content into a two-host script, audio and transcripts."
  zip_path               = local.zip.podcastfy
  architecture           = var.lambda_architecture
  timeout                = local.settings.processing.consumer_timeout_seconds
  memory_size            = 1536
  ephemeral_storage_size = 2048
  log_retention_days     = var.log_retention_days
  application_log_level  = var.log_level
  tags                   = var.tags

  environment_variables = merge(local.common_environment, {
    PROCESSING_DLQ_URL = module.processing_queue.dlq_url
    MAX_RECEIVE_COUNT  = tostring(local.settings.processing.max_receive_count)
  })

  sqs_event_source = {
    queue_arn                          = module.processing_queue.queue_arn
    queue_visibility_timeout_seconds   = local.settings.processing.visibility_timeout_seconds
    batch_size                         = local.settings.processing.batch_size
    maximum_batching_window_in_seconds = local.settings.processing.maximum_batching_window_seconds
    maximum_concurrency                = local.settings.processing.maximum_concurrency
  }

  policy_statements = [
    merge(local.consume, { sid = "ConsumeProcessingQueue", resources = [module.processing_queue.queue_arn] }),
    {
      sid       = "SendDeadLetter"
      actions   = ["sqs:SendMessage"]
      resources = [module.processing_queue.dlq_arn]
    },
    {
      sid       = "ReadWriteEpisodes"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${module.storage.bucket_arn}/podcasts/*"]
    },
    local.list_bucket,
    local.table_rw,
  ]
}

module "scheduler" {
  source = "../lambda-function"

  function_name         = "${local.prefix}-scheduler"
  description           = "Creates due episodes, queues their collection and fails episodes stuck too long."
  zip_path              = local.zip.scheduler
  architecture          = var.lambda_architecture
  timeout               = 60
  memory_size           = 256
  log_retention_days    = var.log_retention_days
  application_log_level = var.log_level
  tags                  = var.tags

  environment_variables = merge(local.common_environment, {
    COLLECTION_QUEUE_URL = module.collection_queue.queue_url
    PROCESSING_QUEUE_URL = module.processing_queue.queue_url
    COLLECTION_DLQ_URL   = module.collection_queue.dlq_url
    PROCESSING_DLQ_URL   = module.processing_queue.dlq_url
    STUCK_AFTER_MINUTES  = tostring(local.stuck_after_minutes)
  })

  policy_statements = [
    local.table_rw,
    {
      sid       = "SendCollectionRequests"
      actions   = ["sqs:SendMessage"]
      resources = [module.collection_queue.queue_arn]
    },
    {
      # Queue depths for the status view.
      sid       = "ReadQueueDepths"
      actions   = ["sqs:GetQueueAttributes"]
      resources = [module.collection_queue.queue_arn, module.collection_queue.dlq_arn, module.processing_queue.queue_arn, module.processing_queue.dlq_arn]
    },
  ]
}

module "schedule" {
  source = "../schedule"

  name                = "${local.prefix}-schedule"
  schedule_expression = var.schedule_expression
  function_arn        = module.scheduler.function_arn
  account_id          = local.account_id
  tags                = var.tags
}

module "alarms" {
  source = "../alarms"

  name_prefix = local.prefix
  account_id  = local.account_id
  region      = data.aws_region.current.name
  partition   = data.aws_partition.current.partition
  alarm_email = var.alarm_email
  tags        = var.tags

  dead_letter_queues = {
    collection = module.collection_queue.dlq_name
    processing = module.processing_queue.dlq_name
    schedule   = module.schedule.dlq_name
  }

  queues = {
    collection = {
      name                                 = module.collection_queue.queue_name
      oldest_message_age_threshold_seconds = coalesce(var.queue_age_alarm_threshold_seconds, local.settings.collection.visibility_timeout_seconds * local.settings.collection.max_receive_count)
    }
    processing = {
      name                                 = module.processing_queue.queue_name
      oldest_message_age_threshold_seconds = coalesce(var.queue_age_alarm_threshold_seconds, local.settings.processing.visibility_timeout_seconds * local.settings.processing.max_receive_count)
    }
  }

  function_names = {
    telegram  = module.telegram.function_name
    podcastfy = module.podcastfy.function_name
    scheduler = module.scheduler.function_name
  }
}
