# Plans the dashboard (offline: mock provider) and checks its body against terraform/metrics.json, the catalogue the
# functions emit from. test/terraform renders the composed stack's body and checks every metric and alarm on it too.

mock_provider "aws" {}

variables {
  name_prefix = "telecast-test"
  region      = "eu-central-1"
  queue_names = {
    collection = "telecast-test-telegram-collection-queue"
    processing = "telecast-test-podcast-processing-queue"
  }
  dlq_names = {
    collection = "telecast-test-telegram-collection-dlq"
    processing = "telecast-test-podcast-processing-dlq"
    schedule   = "telecast-test-schedule-dlq"
  }
  function_names = {
    telegram  = "telecast-test-telegram"
    podcastfy = "telecast-test-podcastfy"
    scheduler = "telecast-test-scheduler"
    admin     = "telecast-test-admin"
  }
  alarm_arns = [
    "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:telecast-test-episodes-failed",
    "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:telecast-test-pipeline-stalled",
  ]
}

run "names_the_dashboard_after_the_stack" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "telecast-test-pipeline"
    error_message = "The dashboard is <name_prefix>-pipeline."
  }

  assert {
    condition     = output.dashboard_url == "https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards/dashboard/telecast-test-pipeline"
    error_message = "dashboard_url must open the dashboard in the console of its region."
  }
}

run "lists_every_alarm_on_top" {
  command = plan

  assert {
    condition = jsonencode([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.alarms if w.type == "alarm"
    ]) == jsonencode([var.alarm_arns])
    error_message = "One alarm status widget must list exactly alarm_arns."
  }
}

run "telecast_metrics_come_from_the_catalogue" {
  command = plan

  assert {
    # Every line in namespace Telecast: a catalogued metric, with `service` and exactly its catalogued dimensions.
    condition = alltrue(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
        for line in try(w.properties.metrics, []) : (
          contains(keys(jsondecode(file("../../metrics.json")).metrics), line[1]) &&
          sort([for i in range(2, length(line) - 1, 2) : line[i]]) ==
          sort(concat(["service"], keys(jsondecode(file("../../metrics.json")).metrics[line[1]].dimensions)))
        ) if line[0] == jsondecode(file("../../metrics.json")).namespace
      ]
    ]))
    error_message = "A Telecast line names a metric or dimensions terraform/metrics.json does not have."
  }

  assert {
    # One line per stage for EpisodesFailed (queued, collecting, generating), each with the stage and the service.
    condition = sort(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
        for l in try(w.properties.metrics, []) : "${l[3]}=${l[5]}" if l[1] == "EpisodesFailed"
      ]
    ])) == sort([for s in jsondecode(file("../../metrics.json")).metrics.EpisodesFailed.dimensions.stage : "telecast=${s}"])
    error_message = "EpisodesFailed needs one line per catalogued stage, with service telecast."
  }

  assert {
    # ColdStart's "<function name>" placeholder becomes the deployed function names.
    condition = sort(flatten([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [
        for l in try(w.properties.metrics, []) : l[3] if l[1] == "ColdStart"
      ]
    ])) == sort(values(var.function_names))
    error_message = "Cold starts must have one line per deployed function, by its function_name."
  }
}

run "widgets_fit_the_grid_without_overlapping" {
  command = plan

  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.x + w.width <= 24 && w.x >= 0
    ])
    error_message = "The dashboard grid is 24 columns wide."
  }

  assert {
    condition = length(distinct([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : "${w.x},${w.y}"
    ])) == length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets)
    error_message = "No two widgets may share a position."
  }

  assert {
    condition = alltrue([
      for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "eu-central-1" if w.type == "metric"
    ])
    error_message = "Every metric widget names the region."
  }
}

run "rejects_an_arn_that_is_not_an_alarm" {
  command = plan

  variables {
    alarm_arns = ["arn:aws:sns:eu-central-1:123456789012:telecast-test-alarms"]
  }

  expect_failures = [var.alarm_arns]
}
