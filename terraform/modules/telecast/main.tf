# The whole of Telecast for one environment: queues, storage, the functions of functions.json, the schedule, the alarms,
# the dashboard and the publishing distribution.
# Env roots (terraform/envs/<env>) only add the provider, the backend and their defaults.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # One source of truth for the queues and one for the functions, shared with the local stack and build.mjs.
  settings  = jsondecode(file("${path.module}/../../queue-settings.json")).queues
  functions = jsondecode(file("${path.module}/../../functions.json")).functions

  # Fail an episode as stuck only once SQS can no longer be retrying its message (see var.stuck_after_minutes).
  stuck_after_minutes = coalesce(var.stuck_after_minutes, ceil(max([
    for q in values(local.settings) : q.visibility_timeout_seconds * q.max_receive_count
  ]...) / 60) + 30)

  prefix     = "telecast-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id

  queues = { collection = module.collection_queue, processing = module.processing_queue }

  # The admin page (a function URL and its secret) exists when functions.json has the admin function.
  has_admin = contains(keys(local.functions), "admin")

  # The Telegram user session's secret, when channels may be read with one (var.telegram_session); "" otherwise.
  telegram_session_secret_arn = var.telegram_session ? aws_secretsmanager_secret.telegram_session[0].arn : ""

  # The published feeds' base URL (PUBLIC_BASE_URL): object public/<x> is served at <url>/<x>; "" without publishing.
  public_base_url = var.publishing ? module.publishing[0].public_base_url : ""

  # What every function gets besides its configuration keys.
  runtime_environment = {
    POWERTOOLS_SERVICE_NAME = "telecast"
    POWERTOOLS_LOG_LEVEL    = var.log_level
  }

  # The value of every configuration key (CONFIG_KEYS of src/core/config.ts), per function: a function is given the keys
  # its functions.json entry names and no others. MAX_RECEIVE_COUNT is that of the queue the function consumes.
  config_values = {
    for name, f in local.functions : name => merge(
      {
        TABLE_NAME           = module.storage.table_name
        BUCKET_NAME          = module.storage.bucket_name
        COLLECTION_QUEUE_URL = module.collection_queue.queue_url
        PROCESSING_QUEUE_URL = module.processing_queue.queue_url
        COLLECTION_DLQ_URL   = module.collection_queue.dlq_url
        PROCESSING_DLQ_URL   = module.processing_queue.dlq_url
        STUCK_AFTER_MINUTES  = tostring(local.stuck_after_minutes)
        STALLED_MARGIN_HOURS = tostring(var.stalled_margin_hours)
        ADMIN_SECRET_ID      = local.has_admin ? aws_secretsmanager_secret.admin[0].arn : ""
        TELEGRAM_WEB_URL     = var.telegram_web_url
        # The readers and the readiness checks see "" as "no session reader".
        TELEGRAM_SESSION_SECRET_ID = local.telegram_session_secret_arn
        # The engines (var.engines): models, endpoints and where their API keys are kept.
        BEDROCK_MODEL_ID             = var.engines.bedrock_model_id
        OPENAI_BASE_URL              = var.engines.openai_base_url
        OPENAI_MODEL                 = var.engines.openai_model
        OPENAI_TTS_MODEL             = var.engines.openai_tts_model
        OPENAI_API_KEY_SECRET_ID     = var.engines.openai_api_key_secret_id
        GEMINI_BASE_URL              = var.engines.gemini_base_url
        GEMINI_MODEL                 = var.engines.gemini_model
        GEMINI_TTS_MODEL             = var.engines.gemini_tts_model
        GEMINI_API_KEY_SECRET_ID     = var.engines.gemini_api_key_secret_id
        ELEVENLABS_BASE_URL          = var.engines.elevenlabs_base_url
        ELEVENLABS_MODEL             = var.engines.elevenlabs_model
        ELEVENLABS_API_KEY_SECRET_ID = var.engines.elevenlabs_api_key_secret_id
        SYNTHESIS_CONCURRENCY        = tostring(var.engines.synthesis_concurrency)
        PUBLIC_BASE_URL              = local.public_base_url
      },
      f.consumes == null ? {} : { MAX_RECEIVE_COUNT = tostring(local.settings[f.consumes].max_receive_count) },
    )
  }

  # Reused statements. The queues use SSE-SQS (SQS-owned keys), so no function needs a KMS statement.
  # DeleteItem: a settled episode gives back its podcast's in-flight marker (src/adapters/dynamo-repository.ts).
  table_rw = {
    sid       = "ReadWriteStateTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
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
  # GetQueueUrl + ChangeMessageVisibility: a record too large to dead-letter with its reason is made visible again at
  # once, so SQS's own redrive moves it without waiting out each visibility timeout (src/handlers/common/sqs-consumer.ts).
  consume = {
    actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"]
  }
  # The readiness checks of the scheduler and the admin: an uploaded export is HeadObject on its result.json, which
  # needs s3:GetObject (with local.list_bucket, a missing export reads 404). HeadObject has no action of its own.
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html#API_HeadObject_Permissions
  read_channel_exports = {
    sid       = "ReadChannelExports"
    actions   = ["s3:GetObject"]
    resources = ["${module.storage.bucket_arn}/channel-exports/*"]
  }
  # Publishing (var.publishing): podcastfy publishes a completed episode and its feed, the admin publishes and
  # unpublishes, both as plain objects under public/ (copies of the episode's private files, never tagged, so no
  # tagging grant). GetObject: the feed is read back to be rewritten. Nothing outside public/ is ever served.
  publish_public_files = var.publishing ? [{
    sid       = "PublishPublicFiles"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${module.storage.bucket_arn}/public/*"]
  }] : []

  # The session statements exist only with the secret: IAM rejects a statement without resources. The collector's
  # user-session reader reads the StringSession; the readiness checks only ask whether the secret has a value.
  read_telegram_session = var.telegram_session ? [{
    sid       = "ReadTelegramSession"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.telegram_session_secret_arn]
  }] : []
  describe_telegram_session = var.telegram_session ? [{
    sid       = "DescribeTelegramSession"
    actions   = ["secretsmanager:DescribeSecret"]
    resources = [local.telegram_session_secret_arn]
  }] : []

  # The engines' grants, to podcastfy only and only for what var.engines configures: an unused engine, an empty key
  # reference get nothing. Converse needs bedrock:InvokeModel on the model
  # (https://docs.aws.amazon.com/bedrock/latest/userguide/security_iam_id-based-policy-examples.html). An inference
  # profile (`us.anthropic.…`) needs the profile and the model in every region it routes to: the foundation-model ARN
  # of that one model in any region (the regions a profile routes to change as AWS adds them).
  # https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference-prereq.html
  bedrock_model_id   = var.engines.bedrock_model_id
  bedrock_is_arn     = startswith(local.bedrock_model_id, "arn:")
  bedrock_is_profile = !local.bedrock_is_arn && can(regex("^(us|eu|apac|us-gov|ca|jp|au|global)\\.", local.bedrock_model_id))
  bedrock_model_arns = (local.bedrock_is_arn ? [local.bedrock_model_id] : local.bedrock_is_profile ? [
    "arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.name}:${local.account_id}:inference-profile/${local.bedrock_model_id}",
    "arn:${data.aws_partition.current.partition}:bedrock:*::foundation-model/${replace(local.bedrock_model_id, "/^[a-z-]+\\./", "")}",
  ] : ["arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.name}::foundation-model/${local.bedrock_model_id}"])

  # API key references (src/adapters/engine-secrets.ts): a secret ARN as it is, a secret name with the six characters
  # Secrets Manager appends to it, `ssm:<name>` as the parameter's ARN. Keys in the AWS managed keys (aws/secretsmanager,
  # aws/ssm) need no KMS grant: their key policies allow use through the service.
  engine_key_references = [var.engines.openai_api_key_secret_id, var.engines.gemini_api_key_secret_id, var.engines.elevenlabs_api_key_secret_id]
  engine_key_secret_arns = sort(distinct([
    for ref in local.engine_key_references :
    startswith(ref, "arn:") ? ref : "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.name}:${local.account_id}:secret:${ref}-??????"
    if ref != "" && !startswith(ref, "ssm:")
  ]))
  engine_key_parameter_arns = sort(distinct([
    for ref in local.engine_key_references :
    startswith(trimprefix(ref, "ssm:"), "arn:") ? trimprefix(ref, "ssm:") : "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${local.account_id}:parameter/${trimprefix(trimprefix(ref, "ssm:"), "/")}"
    if startswith(ref, "ssm:")
  ]))
  engine_statements = concat(
    var.engines.bedrock ? [{ sid = "InvokeBedrockModel", actions = ["bedrock:InvokeModel"], resources = local.bedrock_model_arns }] : [],
    # SynthesizeSpeech has no resource but lexicons: "*" is the only resource it can be granted on.
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonpolly.html
    var.engines.polly ? [{ sid = "SynthesizeSpeech", actions = ["polly:SynthesizeSpeech"], resources = ["*"] }] : [],
    length(local.engine_key_secret_arns) > 0 ? [{ sid = "ReadEngineKeySecrets", actions = ["secretsmanager:GetSecretValue"], resources = local.engine_key_secret_arns }] : [],
    length(local.engine_key_parameter_arns) > 0 ? [{ sid = "ReadEngineKeyParameters", actions = ["ssm:GetParameter"], resources = local.engine_key_parameter_arns }] : [],
  )

  # Each function's least-privilege statements, by functions.json name (its own log group is added by the module). A
  # function of functions.json without an entry here fails the plan at module.functions, naming it.
  policy_statements = {
    telegram = concat([
      merge(local.consume, { sid = "ConsumeCollectionQueue", resources = [module.collection_queue.queue_arn] }),
      {
        # Permanent failures are dead-lettered directly, with their reason.
        sid       = "SendProcessingAndDeadLetter"
        actions   = ["sqs:SendMessage"]
        resources = [module.processing_queue.queue_arn, module.collection_queue.dlq_arn]
      },
      # The exports and their media.
      local.read_channel_exports,
      {
        # PutObjectTagging: media objects carry the tag the media expiry rule matches (modules/storage).
        sid       = "ReadWriteEpisodes"
        actions   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
        resources = ["${module.storage.bucket_arn}/podcasts/*"]
      },
      local.list_bucket,
      local.table_rw,
    ], local.read_telegram_session)

    podcastfy = concat([
      merge(local.consume, { sid = "ConsumeProcessingQueue", resources = [module.processing_queue.queue_arn] }),
      {
        sid       = "SendDeadLetter"
        actions   = ["sqs:SendMessage"]
        resources = [module.processing_queue.dlq_arn]
      },
      {
        # PutObjectTagging: each spoken turn is kept tagged for the media expiry rule (src/core/generation/turn-cache.ts).
        sid       = "ReadWriteEpisodes"
        actions   = ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
        resources = ["${module.storage.bucket_arn}/podcasts/*"]
      },
      local.list_bucket,
      local.table_rw,
    ], local.publish_public_files, local.engine_statements)

    # The admin page calls the operations layer (src/core/operations.ts): state, starting an episode, retrying one (its
    # stage's message re-sent to either queue), queue depths, peeking at and redriving both DLQs (StartMessageMoveTask,
    # or receive/send/delete where it is missing), presigned links to episode files, its own secret, the channel
    # readiness checks when a podcast is stored, and publishing (copying an episode's files, read by ReadEpisodeFiles,
    # under public/).
    admin = concat([
      local.table_rw,
      {
        sid       = "SendStageMessages"
        actions   = ["sqs:SendMessage"]
        resources = [module.collection_queue.queue_arn, module.processing_queue.queue_arn]
      },
      {
        sid       = "ReadQueueDepths"
        actions   = ["sqs:GetQueueAttributes"]
        resources = [module.collection_queue.queue_arn, module.collection_queue.dlq_arn, module.processing_queue.queue_arn, module.processing_queue.dlq_arn]
      },
      {
        sid       = "PeekAndRedriveDeadLetters"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"]
        resources = [module.collection_queue.dlq_arn, module.processing_queue.dlq_arn]
      },
      {
        # Presigned URLs are signed with the function's own credentials: it must be able to read what it links.
        sid       = "ReadEpisodeFiles"
        actions   = ["s3:GetObject"]
        resources = ["${module.storage.bucket_arn}/podcasts/*"]
      },
      local.read_channel_exports,
      local.list_bucket,
      {
        sid       = "ReadAdminSecret"
        actions   = ["secretsmanager:GetSecretValue"]
        resources = local.has_admin ? [aws_secretsmanager_secret.admin[0].arn] : []
      },
    ], local.publish_public_files, local.describe_telegram_session)

    # Before it starts an episode, the scheduler checks each channel can be read (an export, a session, the web preview).
    scheduler = concat([
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
      local.read_channel_exports,
      local.list_bucket,
    ], local.describe_telegram_session)
  }

  # One session, one collector: Telegram refuses a session used by two connections at once (AUTH_KEY_DUPLICATED), so
  # with a session the collector runs once at a time. The event source mapping's maximum_concurrency cannot go below 2
  # (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html), so the reserved concurrency is the cap: a
  # batch the poller cannot deliver is throttled and returns to the queue after the visibility timeout.
  reserved_concurrent_executions = { telegram = var.telegram_session ? 1 : null }
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
  # The distribution reads public/* only. Each module needs the other (the distribution the bucket's domain, the policy
  # the distribution's ARN); Terraform orders the resources: bucket, distribution, bucket policy.
  public_read_distribution_arns = [for p in module.publishing : p.distribution_arn]
  deletion_protection           = var.deletion_protection
  force_destroy                 = var.bucket_force_destroy
  tags                          = var.tags
}

# The published feeds: a CloudFront distribution in front of the bucket's public/ prefix.
module "publishing" {
  source = "../publishing"
  count  = var.publishing ? 1 : 0

  name_prefix                 = local.prefix
  bucket_regional_domain_name = module.storage.bucket_regional_domain_name
  price_class                 = var.publishing_price_class
  tags                        = var.tags
}

# One function per entry of functions.json; the key is shared by src/handlers/<key>.ts, dist/<key>.zip and the name.
module "functions" {
  source   = "../lambda-function"
  for_each = local.functions

  function_name          = "${local.prefix}-${each.key}"
  description            = each.value.description
  zip_path               = "${var.artifacts_dir}/${each.key}.zip"
  architecture           = var.lambda_architecture
  timeout                = each.value.timeout_seconds
  memory_size            = each.value.memory_mb
  ephemeral_storage_size = lookup(each.value, "ephemeral_storage_mb", null)
  log_retention_days     = var.log_retention_days
  # Lambda gives a JSON line without a "level" (every EMF line of the metrics) level INFO, so a WARN or ERROR filter
  # here would drop every metric: the alarms would see none (pipeline-stalled fires). Powertools' own POWERTOOLS_LOG_LEVEL
  # still keeps the logger's INFO lines out.
  application_log_level = contains(["WARN", "ERROR"], var.log_level) ? "INFO" : var.log_level
  tags                  = var.tags

  reserved_concurrent_executions = lookup(local.reserved_concurrent_executions, each.key, null)

  environment_variables = merge(local.runtime_environment, {
    for key in each.value.environment : key => local.config_values[each.key][key]
  })

  sqs_event_source = each.value.consumes == null ? null : {
    queue_arn                          = local.queues[each.value.consumes].queue_arn
    queue_visibility_timeout_seconds   = local.settings[each.value.consumes].visibility_timeout_seconds
    batch_size                         = local.settings[each.value.consumes].batch_size
    maximum_batching_window_in_seconds = local.settings[each.value.consumes].maximum_batching_window_seconds
    maximum_concurrency                = local.settings[each.value.consumes].maximum_concurrency
  }

  policy_statements = local.policy_statements[each.key]
}

# The functions were one module block each until functions.json; these keep their resources in the state.
moved {
  from = module.telegram
  to   = module.functions["telegram"]
}

moved {
  from = module.podcastfy
  to   = module.functions["podcastfy"]
}

moved {
  from = module.scheduler
  to   = module.functions["scheduler"]
}

module "schedule" {
  source = "../schedule"

  name                = "${local.prefix}-schedule"
  schedule_expression = var.schedule_expression
  function_arn        = module.functions["scheduler"].function_arn
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
  runbook_url = var.runbook_url
  tags        = var.tags

  episodes_failed_threshold = var.episodes_failed_threshold

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

  function_names = { for name, f in module.functions : name => f.function_name }
}

module "dashboard" {
  source = "../dashboard"

  name_prefix    = local.prefix
  region         = data.aws_region.current.name
  queue_names    = { collection = module.collection_queue.queue_name, processing = module.processing_queue.queue_name }
  dlq_names      = { collection = module.collection_queue.dlq_name, processing = module.processing_queue.dlq_name, schedule = module.schedule.dlq_name }
  function_names = { for name, f in module.functions : name => f.function_name }
  alarm_arns     = module.alarms.alarm_arns
}

# The admin page: a function URL in front of the admin function, and the secret that holds the operators' password hash
# and the session key (its value is set out of band, never in Terraform state: see terraform/README.md).
resource "aws_secretsmanager_secret" "admin" {
  count = local.has_admin ? 1 : 0

  name                    = "${local.prefix}-admin"
  description             = "Telecast admin page: {\"password_hash\": \"scrypt:...\", \"session_key\": \"<base64>\"}."
  recovery_window_in_days = 7
  tags                    = var.tags
}

# The Telegram user session of the MTProto reader: {"api_id", "api_hash", "session"}. Like the admin secret, it has no
# version here: `telecast telegram login` writes it after apply, so the session never sits in Terraform state.
resource "aws_secretsmanager_secret" "telegram_session" {
  count = var.telegram_session ? 1 : 0

  name                    = "${local.prefix}-telegram-session"
  description             = "Telecast Telegram user session (written by telecast telegram login): {\"api_id\": 123, \"api_hash\": \"...\", \"session\": \"<StringSession>\"}."
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_lambda_function_url" "admin" {
  count = local.has_admin ? 1 : 0

  function_name = module.functions["admin"].function_name
  # The function checks its own signed session cookie on every route; IAM auth would need SigV4 from the browser.
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "admin_url" {
  count = local.has_admin ? 1 : 0

  statement_id           = "AllowAdminFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = module.functions["admin"].function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}
