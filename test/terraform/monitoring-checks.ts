/**
 * Checks of the monitoring Terraform against its sources of truth, as pure functions over what a plan says: the
 * dashboard's body against terraform/metrics.json (the catalogue the functions emit from) and the stack's queues,
 * functions and alarms; every alarm against docs/runbook.md. Each returns the problems it found, [] when none, so a
 * test can show both that the real stack passes and that a wrong metric, dimension, ARN or anchor is caught.
 */

export interface MetricCatalogue {
  namespace: string;
  service: string;
  metrics: Record<string, { unit: string; function: string; dimensions: Record<string, string[]> }>;
}

/** What the stack creates, from the plan: names of queues (DLQs included), functions and alarms' ARNs. */
export interface StackFacts {
  queueNames: string[];
  functionNames: string[];
  alarmArns: string[];
}

/** A metric as CloudWatch identifies it: namespace, name and every dimension. */
export interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** The placeholder metrics.json writes for a dimension whose value is the emitting function's deployed name. */
const FUNCTION_NAME_PLACEHOLDER = '<function name>';

/** AWS metrics the dashboard may show, with the one dimension that must name a resource of the stack. */
const AWS_METRICS: Record<string, { dimension: string; resource: keyof Omit<StackFacts, 'alarmArns'>; names: string[] }> = {
  'AWS/SQS': {
    dimension: 'QueueName',
    resource: 'queueNames',
    names: ['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateAgeOfOldestMessage'],
  },
  'AWS/Lambda': { dimension: 'FunctionName', resource: 'functionNames', names: ['Errors', 'Throttles'] },
};

/**
 * A dashboard metric line, `[namespace, name, dim1, value1, ..., {options}?]`, as a MetricRef; null for an expression
 * (`[{ expression }]`), which names no metric itself.
 */
export function parseMetricLine(line: unknown[]): MetricRef | null {
  const strings = line.filter((part): part is string => typeof part === 'string');
  if (strings.length < 2) return null;
  const [namespace, name, ...pairs] = strings;
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
  return { namespace: namespace!, name: name!, dimensions };
}

/** Problems with one metric reference: unknown metric, dimension names or values, or a resource the stack lacks. */
export function checkMetric(ref: MetricRef, catalogue: MetricCatalogue, stack: StackFacts, where: string): string[] {
  const problems: string[] = [];
  const id = `${where}: ${ref.namespace} ${ref.name} ${JSON.stringify(ref.dimensions)}`;
  if (ref.namespace === catalogue.namespace) {
    const entry = catalogue.metrics[ref.name];
    if (!entry) return [`${id}: no metric ${ref.name} in terraform/metrics.json`];
    const expected = ['service', ...Object.keys(entry.dimensions)].sort();
    const actual = Object.keys(ref.dimensions).sort();
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(`${id}: dimensions ${actual.join(', ')} differ from metrics.json's ${expected.join(', ')}`);
    }
    if (ref.dimensions.service !== catalogue.service) problems.push(`${id}: service is not ${catalogue.service}`);
    for (const [dimension, values] of Object.entries(entry.dimensions)) {
      const value = ref.dimensions[dimension];
      if (value === undefined) continue;
      const allowed = values.flatMap((v) => (v === FUNCTION_NAME_PLACEHOLDER ? stack.functionNames : [v]));
      if (!allowed.includes(value)) problems.push(`${id}: ${dimension}=${value} is not a value metrics.json lists (${allowed.join(', ')})`);
    }
    return problems;
  }
  const aws = AWS_METRICS[ref.namespace];
  if (!aws) return [`${id}: namespace ${ref.namespace} is neither ${catalogue.namespace} nor AWS/SQS or AWS/Lambda`];
  if (!aws.names.includes(ref.name)) problems.push(`${id}: ${ref.name} is not one of ${aws.names.join(', ')}`);
  const keys = Object.keys(ref.dimensions);
  if (keys.length !== 1 || keys[0] !== aws.dimension) problems.push(`${id}: must have exactly the dimension ${aws.dimension}`);
  const resource = ref.dimensions[aws.dimension];
  if (resource !== undefined && !stack[aws.resource].includes(resource)) problems.push(`${id}: ${resource} is not a resource of the stack`);
  return problems;
}

interface DashboardWidget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[] };
}

/**
 * Every metric on the dashboard exists (in the catalogue with its dimensions, or an AWS/SQS or AWS/Lambda metric of
 * one of the stack's queues or functions), every catalogued metric is shown, and the alarm widgets list exactly the
 * stack's alarms.
 */
export function checkDashboard(body: string, catalogue: MetricCatalogue, stack: StackFacts): string[] {
  const widgets = (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
  const problems: string[] = [];
  const shown = new Set<string>();
  for (const widget of widgets) {
    for (const line of widget.properties.metrics ?? []) {
      const ref = parseMetricLine(line);
      if (!ref) continue;
      if (ref.namespace === catalogue.namespace) shown.add(ref.name);
      problems.push(...checkMetric(ref, catalogue, stack, `widget "${widget.properties.title}"`));
    }
  }
  for (const name of Object.keys(catalogue.metrics)) if (!shown.has(name)) problems.push(`metric ${name} of metrics.json is not on the dashboard`);

  const listed = widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms ?? []);
  for (const arn of listed) if (!stack.alarmArns.includes(arn)) problems.push(`alarm widget lists ${arn}, which the alarms module does not create`);
  for (const arn of stack.alarmArns) if (!listed.includes(arn)) problems.push(`alarm ${arn} is not on the alarm widget`);
  return problems;
}

/** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** An alarm as the checks need it: its name, description, and what its actions refer to (from the configuration). */
export interface AlarmFacts {
  name: string;
  description: string;
  /** References of ok_actions and alarm_actions in the module's configuration, e.g. ["aws_sns_topic.this.arn", ...]. */
  okActionRefs: string[];
  alarmActionRefs: string[];
  metrics: MetricRef[];
}

/**
 * Every alarm notifies the topic on ALARM and on OK, stays within CloudWatch's 1024 characters of description, links
 * `<runbookUrl>#<anchor>` whose anchor is a heading of the runbook, and reads only catalogued Telecast metrics (or
 * AWS/SQS and AWS/Lambda ones of the stack).
 */
export function checkAlarms(
  alarms: AlarmFacts[],
  runbookUrl: string,
  anchors: Set<string>,
  catalogue: MetricCatalogue,
  stack: StackFacts,
  topicRef = 'aws_sns_topic.this',
): string[] {
  const problems: string[] = [];
  const link = new RegExp(`${runbookUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#([A-Za-z0-9_-]+)`);
  for (const alarm of alarms) {
    if (!alarm.okActionRefs.includes(topicRef)) problems.push(`${alarm.name}: ok_actions do not notify ${topicRef}`);
    if (!alarm.alarmActionRefs.includes(topicRef)) problems.push(`${alarm.name}: alarm_actions do not notify ${topicRef}`);
    if (alarm.description.length > 1024) problems.push(`${alarm.name}: description is ${alarm.description.length} characters (CloudWatch allows 1024)`);
    const anchor = link.exec(alarm.description)?.[1];
    if (anchor === undefined) problems.push(`${alarm.name}: description has no ${runbookUrl}#<section> link`);
    else if (!anchors.has(anchor)) problems.push(`${alarm.name}: runbook anchor #${anchor} is not a heading of docs/runbook.md`);
    for (const ref of alarm.metrics) problems.push(...checkMetric(ref, catalogue, stack, alarm.name));
  }
  return problems;
}
