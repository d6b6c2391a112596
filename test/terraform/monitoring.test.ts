/**
 * The monitoring as deployed: the whole stack (module telecast) is planned offline with the real AWS provider (fake
 * credentials, STS answered on loopback for aws_caller_identity), and the plan's dashboard body and alarms are checked
 * against terraform/metrics.json, the stack's own queues, functions and alarms, and docs/runbook.md's headings.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, TerraformSandbox, explain, findProviderMirror, requireTerraform } from './terraform-sandbox.ts';
import {
  checkAlarms,
  checkDashboard,
  markdownAnchors,
  type AlarmFacts,
  type MetricCatalogue,
  type MetricRef,
  type StackFacts,
} from './monitoring-checks.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const RUNBOOK_URL = 'docs/runbook.md';

/** Answers STS GetCallerIdentity, the one AWS call a plan of the stack makes (data "aws_caller_identity"). */
function fakeSts(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'text/xml');
      response.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          `<Arn>arn:aws:iam::${ACCOUNT}:user/test</Arn><UserId>AIDATEST</UserId><Account>${ACCOUNT}</Account>` +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A root that plans module telecast as an env root would, against the fake STS and with nothing else reachable. */
function planRoot(stsPort: number, artifactsDir: string): string {
  return `provider "aws" {
  region                      = "${REGION}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = true
  endpoints {
    sts = "http://127.0.0.1:${stsPort}"
  }
}

module "telecast" {
  source        = "../modules/telecast"
  environment   = "test"
  artifacts_dir = ${JSON.stringify(artifactsDir)}
  runbook_url   = "${RUNBOOK_URL}"
}
`;
}

interface ResourceChange {
  module_address?: string;
  type: string;
  name: string;
  change: { after: Record<string, any> };
}

interface PlannedMonitoring {
  body: string;
  stack: StackFacts;
  alarms: AlarmFacts[];
}

/** The dashboard, the stack's resources and the alarms (with their actions' references) out of `terraform show -json`. */
function readPlan(plan: any): PlannedMonitoring {
  const changes: ResourceChange[] = plan.resource_changes;
  const of = (type: string) => changes.filter((c) => c.type === type).map((c) => c.change.after);
  const dashboards = of('aws_cloudwatch_dashboard');
  expect(dashboards, 'one dashboard').to.have.length(1);

  const alarmConfig: Array<{ name: string; expressions: Record<string, { references?: string[] }> }> =
    plan.configuration.root_module.module_calls.telecast.module.module_calls.alarms.module.resources.filter(
      (r: { type: string }) => r.type === 'aws_cloudwatch_metric_alarm',
    );
  const refs = (resource: string, field: string) => alarmConfig.find((r) => r.name === resource)?.expressions[field]?.references ?? [];

  const alarmChanges = changes.filter((c) => c.type === 'aws_cloudwatch_metric_alarm');
  const alarms = alarmChanges.map((c): AlarmFacts => {
    const a = c.change.after;
    const metrics: MetricRef[] = a.metric_name
      ? [{ namespace: a.namespace, name: a.metric_name, dimensions: a.dimensions ?? {} }]
      : (a.metric_query as any[]).flatMap((q) => (q.metric as any[]).map((m) => ({ namespace: m.namespace, name: m.metric_name, dimensions: m.dimensions ?? {} })));
    return {
      name: a.alarm_name,
      description: a.alarm_description,
      okActionRefs: refs(c.name, 'ok_actions'),
      alarmActionRefs: refs(c.name, 'alarm_actions'),
      metrics,
    };
  });

  return {
    body: dashboards[0]!.dashboard_body,
    stack: {
      queueNames: of('aws_sqs_queue').map((q) => q.name),
      functionNames: of('aws_lambda_function').map((f) => f.function_name),
      alarmArns: alarms.map((a) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${a.name}`),
    },
    alarms,
  };
}

const catalogue: MetricCatalogue = JSON.parse(readFileSync(join(REPO, 'terraform/metrics.json'), 'utf8'));
const anchors = markdownAnchors(readFileSync(join(REPO, 'docs/runbook.md'), 'utf8'));

describe('Monitoring: the planned dashboard and alarms against metrics.json, the stack and the runbook', function () {
  this.timeout(300_000);
  let sandbox: TerraformSandbox;
  let sts: Server;
  let planned: PlannedMonitoring;

  before(async function () {
    requireTerraform();
    sandbox = new TerraformSandbox(findProviderMirror());
    sts = await fakeSts();
    const dir = 'monitoring-plan';
    mkdirSync(sandbox.path(dir));
    writeFileSync(join(sandbox.path(dir), 'main.tf'), planRoot((sts.address() as AddressInfo).port, sandbox.artifactsDir));
    const init = await sandbox.run(dir, ['init', '-backend=false', '-input=false']);
    expect(init.code, explain('terraform init (monitoring-plan)', init)).to.equal(0);
    const plan = await sandbox.run(dir, ['plan', '-input=false', '-no-color', '-out=tfplan']);
    expect(plan.code, explain('terraform plan (monitoring-plan)', plan)).to.equal(0);
    const show = await sandbox.run(dir, ['show', '-json', 'tfplan']);
    expect(show.code, explain('terraform show -json', show)).to.equal(0);
    planned = readPlan(JSON.parse(show.stdout));
  });

  after(function () {
    sts?.close();
    sandbox?.cleanup();
  });

  it('plans the stack with 15 alarms: 3 DLQs, 2 queue ages, errors and throttles of 4 functions, episodes failed, pipeline stalled', function () {
    expect(planned.alarms.map((a) => a.name).sort()).to.deep.equal(
      [
        ...['collection', 'processing', 'schedule'].map((k) => `telecast-test-${k}-dlq-messages-visible`),
        ...['collection', 'processing'].map((k) => `telecast-test-${k}-queue-oldest-message-age`),
        ...['admin', 'podcastfy', 'scheduler', 'telegram'].flatMap((f) => [`telecast-test-${f}-lambda-errors`, `telecast-test-${f}-lambda-throttles`]),
        'telecast-test-episodes-failed',
        'telecast-test-pipeline-stalled',
      ].sort(),
    );
  });

  it('shows only metrics that exist (metrics.json with its dimensions, or AWS metrics of its queues and functions), all of metrics.json, and every alarm', function () {
    expect(checkDashboard(planned.body, catalogue, planned.stack)).to.deep.equal([]);
  });

  it('gives every alarm ok_actions and a description linking a heading of docs/runbook.md, reading only catalogued metrics', function () {
    expect(checkAlarms(planned.alarms, RUNBOOK_URL, anchors, catalogue, planned.stack)).to.deep.equal([]);
  });

  describe('the checks catch what they are for', function () {
    it('a metric name metrics.json does not have', function () {
      const body = planned.body.replaceAll('"EpisodesFailed"', '"EpisodeFailures"');
      const problems = checkDashboard(body, catalogue, planned.stack);
      expect(problems.some((p) => p.includes('no metric EpisodeFailures in terraform/metrics.json'))).to.equal(true, problems.join('\n'));
      expect(problems).to.include('metric EpisodesFailed of metrics.json is not on the dashboard');
    });

    it('a dimension value metrics.json does not list, and a missing service dimension', function () {
      const body = JSON.parse(planned.body);
      const line = body.widgets.flatMap((w: any) => w.properties.metrics ?? []).find((l: unknown[]) => l[1] === 'StageDuration');
      line[line.indexOf('stage') + 1] = 'publishing';
      const service = line.indexOf('service');
      line.splice(service, 2);
      const problems = checkDashboard(JSON.stringify(body), catalogue, planned.stack);
      expect(problems.some((p) => p.includes('stage=publishing is not a value metrics.json lists'))).to.equal(true, problems.join('\n'));
      expect(problems.some((p) => p.includes('differ from metrics.json\'s service, stage'))).to.equal(true, problems.join('\n'));
    });

    it('a queue or function the stack does not have', function () {
      const body = planned.body.replace('telecast-test-podcast-processing-dlq', 'telecast-test-other-dlq').replace('"telecast-test-podcastfy"', '"telecast-test-other"');
      const problems = checkDashboard(body, catalogue, planned.stack);
      expect(problems.some((p) => p.includes('telecast-test-other-dlq is not a resource of the stack'))).to.equal(true, problems.join('\n'));
      expect(problems.some((p) => p.includes('telecast-test-other is not a resource of the stack'))).to.equal(true, problems.join('\n'));
    });

    it('an alarm ARN on the dashboard that the alarms module does not create, and an alarm left off it', function () {
      const stalled = planned.stack.alarmArns.find((a) => a.endsWith(':alarm:telecast-test-pipeline-stalled'))!;
      const body = planned.body.replace(stalled, stalled.replace('pipeline-stalled', 'pipeline-stuck'));
      const problems = checkDashboard(body, catalogue, planned.stack);
      expect(problems).to.include(`alarm widget lists ${stalled.replace('pipeline-stalled', 'pipeline-stuck')}, which the alarms module does not create`);
      expect(problems).to.include(`alarm ${stalled} is not on the alarm widget`);
    });

    it('an alarm without ok_actions, without a runbook link, or linking a section the runbook lacks', function () {
      const [first, second, third] = planned.alarms;
      const broken: AlarmFacts[] = [
        { ...first!, okActionRefs: [] },
        { ...second!, description: 'Something is wrong.' },
        { ...third!, description: `${third!.description.replace(/#[A-Za-z0-9_-]+$/, '')}#no-such-section` },
      ];
      expect(checkAlarms(broken, RUNBOOK_URL, anchors, catalogue, planned.stack)).to.deep.equal([
        `${first!.name}: ok_actions do not notify aws_sns_topic.this`,
        `${second!.name}: description has no ${RUNBOOK_URL}#<section> link`,
        `${third!.name}: runbook anchor #no-such-section is not a heading of docs/runbook.md`,
      ]);
    });
  });

  it('reads GitHub anchors from headings: lower case, punctuation dropped, repeats numbered, code blocks ignored', function () {
    const found = markdownAnchors('# Runbook\n## Collection DLQ messages visible\n```\n# not a heading\n```\n### `telecast episode retry`: one episode\n## Notes\n## Notes\n');
    expect([...found]).to.deep.equal(['runbook', 'collection-dlq-messages-visible', 'telecast-episode-retry-one-episode', 'notes', 'notes-1']);
  });
});
