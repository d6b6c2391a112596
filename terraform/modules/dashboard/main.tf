# One CloudWatch dashboard for the pipeline, read left to right and top to bottom as an episode travels: the collection
# queue, episodes by outcome, the processing queue; how long the stages take; what an episode costs (posts, audio, TTS
# characters, model tokens); the functions' errors, throttles and cold starts; dead letters and the stalled check.
# The alarm status widget on top lists every alarm.
#
# Telecast's own metrics (namespace, service, names, units, dimensions and their values) are read from
# terraform/metrics.json, the catalogue the functions emit from (src/core/metrics.ts): nothing here retypes one, so a
# metric renamed there moves here too, and test/terraform checks the rendered body against the catalogue.

locals {
  catalogue = jsondecode(file("${path.module}/../../metrics.json"))
  namespace = local.catalogue.namespace
  metrics   = local.catalogue.metrics

  # Dimension values per metric. "<function name>" stands for the deployed names of the functions that emit the metric
  # (its `function`, e.g. "telegram|podcastfy|scheduler|admin"): Powertools' ColdStart carries function_name.
  dimension_values = {
    for metric, m in local.metrics : metric => {
      for dim, values in m.dimensions : dim => flatten([
        for v in values : v == "<function name>" ? [
          for f in split("|", m.function) : var.function_names[f] if contains(keys(var.function_names), f)
        ] : [v]
      ])
    }
  }

  # Every dimension combination a metric is emitted with, `service` included (Powertools adds it to every metric). A
  # CloudWatch metric is identified by all its dimensions, so a line must name each one to match what was emitted.
  dimensions = {
    for metric, dims in local.dimension_values : metric => merge({ service = [local.catalogue.service] }, dims)
  }
  series = {
    for metric, dims in local.dimensions : metric => [
      # setproduct needs two lists at least; a metric with `service` alone has one combination per value.
      for combo in(length(dims) == 1 ? [for v in dims.service : [v]] : setproduct([for d in sort(keys(dims)) : dims[d]]...)) :
      zipmap(sort(keys(dims)), combo)
    ]
  }

  # Widgets of Telecast's metrics: which metrics, with which statistics, over which period.
  telecast_widgets = {
    episodes = { title = "Episodes by outcome", metrics = ["EpisodesStarted", "EpisodesCollected", "EpisodesSkipped", "EpisodesCompleted", "EpisodesFailed"], stats = ["Sum"], period = 3600 }
    # Percentiles need the raw values EMF sends; p50 is the typical episode, p90 the slow ones.
    stage_duration = { title = "Stage duration p50 / p90", metrics = ["StageDuration"], stats = ["p50", "p90"], period = var.period_seconds }
    latency        = { title = "Episode latency (trigger to completed) p50 / p90", metrics = ["EpisodeLatency"], stats = ["p50", "p90"], period = 3600 }
    posts          = { title = "Posts read / kept", metrics = ["PostsRead", "PostsKept"], stats = ["Sum"], period = 3600 }
    audio          = { title = "Audio produced", metrics = ["AudioSeconds"], stats = ["Sum"], period = 3600 }
    tts            = { title = "Characters sent to the voice engine", metrics = ["TtsCharacters"], stats = ["Sum"], period = 3600 }
    tokens         = { title = "Script writer's model tokens", metrics = ["LlmInputTokens", "LlmOutputTokens"], stats = ["Sum"], period = 3600 }
    cold_starts    = { title = "Cold starts", metrics = ["ColdStart"], stats = ["Sum"], period = var.period_seconds }
    dead_lettered  = { title = "Dead-lettered, by reason", metrics = ["DeadLettered"], stats = ["Sum"], period = var.period_seconds }
    # The scheduler emits both each tick; the pipeline-stalled alarm fires while the first is above the second.
    stalled = { title = "Hours since the last completed episode vs expected", metrics = ["HoursSinceCompletion", "CompletionExpectedHours"], stats = ["Maximum"], period = 900 }
  }

  # One line per metric x statistic x dimension combination.
  telecast_lines = {
    for key, w in local.telecast_widgets : key => [
      for s in flatten([
        for metric in w.metrics : [
          for stat in w.stats : [for dims in local.series[metric] : { metric = metric, stat = stat, dims = dims }]
        ]
      ]) :
      concat([local.namespace, s.metric], flatten([for d in sort(keys(s.dims)) : [d, s.dims[d]]]), [{
        stat  = s.stat
        label = join(" ", concat([s.metric], [for d in sort(keys(s.dims)) : s.dims[d] if d != "service"], length(w.stats) > 1 ? [s.stat] : []))
      }])
    ]
  }

  # A widget's metrics share one unit, the left axis' label (none for unit None: CloudWatch has no hours unit).
  telecast_units = { for key, w in local.telecast_widgets : key => distinct([for m in w.metrics : local.metrics[m].unit]) }

  telecast = {
    for key, w in local.telecast_widgets : key => {
      type = "metric"
      properties = {
        title   = w.title
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = w.period
        metrics = local.telecast_lines[key]
        yAxis   = { left = { label = local.telecast_units[key][0] == "None" ? "" : local.telecast_units[key][0], showUnits = false, min = 0 } }
      }
    }
  }

  # The queues: messages waiting and in flight on the left axis, the age of the oldest on the right (what the
  # queue-oldest-message-age alarm watches).
  queue = {
    for key, name in var.queue_names : key => {
      type = "metric"
      properties = {
        title   = "${title(key)} queue: depth and age of the oldest message"
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = var.period_seconds
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name, { stat = "Maximum", label = "waiting" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", name, { stat = "Maximum", label = "in flight" }],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", name, { stat = "Maximum", label = "oldest message age", yAxis = "right" }],
        ]
        yAxis = { left = { label = "Count", showUnits = false, min = 0 }, right = { label = "Seconds", showUnits = false, min = 0 } }
      }
    }
  }

  lambda = {
    for metric in ["Errors", "Throttles"] : metric => {
      type = "metric"
      properties = {
        title   = "Lambda ${lower(metric)} per function"
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = var.period_seconds
        metrics = [for key in sort(keys(var.function_names)) : ["AWS/Lambda", metric, "FunctionName", var.function_names[key], { stat = "Sum", label = key }]]
        yAxis   = { left = { label = "Count", showUnits = false, min = 0 } }
      }
    }
  }

  dlqs = {
    type = "metric"
    properties = {
      title   = "Dead-letter queues: messages visible"
      region  = var.region
      view    = "timeSeries"
      stacked = false
      period  = 60
      metrics = [for key in ["collection", "processing", "schedule"] : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dlq_names[key], { stat = "Maximum", label = key }]]
      yAxis   = { left = { label = "Count", showUnits = false, min = 0 } }
    }
  }

  # Left to right in each row, rows top to bottom, three widgets of 8 columns (the grid is 24 wide).
  rows = [
    [local.queue.collection, local.telecast.episodes, local.queue.processing],
    [local.telecast.stage_duration, local.telecast.latency, local.telecast.posts],
    [local.telecast.audio, local.telecast.tts, local.telecast.tokens],
    [local.lambda.Errors, local.lambda.Throttles, local.telecast.cold_starts],
    [local.dlqs, local.telecast.dead_lettered, local.telecast.stalled],
  ]

  alarm_widget_height = 4
  widget_height       = 6

  body = {
    widgets = concat(
      [{
        type   = "alarm"
        x      = 0
        y      = 0
        width  = 24
        height = local.alarm_widget_height
        properties = {
          title  = "Alarms"
          alarms = var.alarm_arns
          sortBy = "stateUpdatedTimestamp"
        }
      }],
      flatten([
        for r, row in local.rows : [
          for c, widget in row : merge(widget, {
            x      = c * 8
            y      = local.alarm_widget_height + r * local.widget_height
            width  = 8
            height = local.widget_height
          })
        ]
      ]),
    )
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-pipeline"
  dashboard_body = jsonencode(local.body)

  lifecycle {
    precondition {
      condition     = alltrue([for units in values(local.telecast_units) : length(units) == 1])
      error_message = "A widget's metrics must share one unit in terraform/metrics.json: ${jsonencode(local.telecast_units)}."
    }

    precondition {
      # Every metric of the catalogue is on the dashboard: a new one gets a widget or is dropped from the catalogue.
      condition     = sort(distinct(flatten([for w in values(local.telecast_widgets) : w.metrics]))) == sort(keys(local.metrics))
      error_message = "Every metric of terraform/metrics.json must be on the dashboard, and only those."
    }
  }
}
