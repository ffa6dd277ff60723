// Validates deploy/datadog offline, and the chart's Datadog autodiscovery annotations:
//   node deploy/datadog/validate.mjs [--annotations on|off rendered.yaml]...
// - dashboard.json against the `Dashboard` schema and each of monitors.json against `Monitor`, from Datadog's
//   v1 OpenAPI spec (the vendored part in schema/, with its source and licence);
// - every metric they query is one the services export as the annotations' OpenMetrics check names it
//   (trailstream_x_total -> trailstream.x.count), or one of the Datadog Agent integrations listed below;
// - each rendered Deployment carries the OpenMetrics check for its container (on), or none (off); the
//   check's `metrics` entries collect every metric family the services register (every
//   'trailstream_...' name in their sources, so a metric added later cannot be left out) and none of
//   prom-client's Node.js process defaults (process_*, nodejs_*: custom metrics are billed).
// Exits 1 naming each problem.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const problems = [];

// --- the files against Datadog's API definitions
/** OpenAPI 3.0's `nullable` in JSON Schema terms: null is one more accepted type. */
function jsonSchemaOf(node) {
  if (Array.isArray(node)) return node.map(jsonSchemaOf);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, jsonSchemaOf(value)]),
  );
  if (nullable !== true) return converted;
  if (typeof converted.type === 'string') return { ...converted, type: [converted.type, 'null'] };
  return { anyOf: [converted, { type: 'null' }] };
}
const spec = jsonSchemaOf(
  JSON.parse(readFileSync(join(here, 'schema/openapi-v1-dashboard-monitor.json'), 'utf8')),
);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(spec, 'datadog-v1');
const validator = (name) => ajv.getSchema(`datadog-v1#/components/schemas/${name}`);
const readJson = (file) => JSON.parse(readFileSync(join(here, file), 'utf8'));
const dashboard = readJson('dashboard.json');
const monitors = readJson('monitors.json');
const check = (name, value, what) => {
  const validate = validator(name);
  if (!validate(value)) {
    for (const error of validate.errors)
      problems.push(`${what}: ${error.instancePath || '/'} ${error.message}`);
  }
};
check('Dashboard', dashboard, 'dashboard.json');
if (!Array.isArray(monitors) || monitors.length === 0)
  problems.push('monitors.json must be a list of monitors');
else {
  for (const [i, monitor] of monitors.entries())
    check('Monitor', monitor, `monitors.json[${i}] ${monitor.name}`);
}

// --- every metric named is exported
/** Metrics of Datadog Agent integrations, not of Trailstream, that the files may use. */
const integrationMetrics = { 'kafka.consumer_lag': "the Agent's kafka_consumer check" };

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}
const srcDirs = ['services', 'packages'].flatMap((top) =>
  readdirSync(join(root, top)).map((name) => join(root, top, name, 'src')),
);
const exported = new Set(
  srcDirs
    .flatMap((dir) => {
      try {
        return sourceFiles(dir);
      } catch {
        return [];
      }
    })
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/'(trailstream_[a-z0-9_]+)'/g)].map((m) => m[1]),
    ),
);

/**
 * The family name the Agent's OpenMetrics check matches its `metrics` entries against: the raw prefix
 * removed and, for a counter, `_total` too (its Prometheus parser names a counter family without it; the
 * services' counters, and only they, end in `_total`).
 */
const familyOf = (name, type = name.endsWith('_total') ? 'counter' : 'other') =>
  (type === 'counter' ? name.replace(/_total$/, '') : name).replace(/^trailstream_/, '');

/**
 * Whether the check collects a family, as the Agent decides (datadog_checks_base, openmetrics v2
 * MetricTransformer): an entry without regular expression characters is an exact name, any other a
 * regular expression searched for anywhere in the name (Python's re.search).
 */
function collects(entries, family) {
  return entries.some((entry) =>
    /^[A-Za-z0-9_]+$/.test(entry) ? entry === family : new RegExp(entry).test(family),
  );
}

/** Every metric family the services register, and prom-client's defaults (GET /metrics serves both). */
const registered = [...exported].map((name) => familyOf(name)).sort();
const defaultsRegistry = new Registry();
collectDefaultMetrics({ register: defaultsRegistry });
const processDefaults = (await defaultsRegistry.getMetricsAsJSON()).map((m) => familyOf(m.name, m.type));
if (registered.length === 0) problems.push("no trailstream_* metric found in the services' sources");
if (processDefaults.length === 0) problems.push("no default metric from prom-client's collectDefaultMetrics");

/** The Prometheus names a Datadog name can come from: counters lose `_total` for `.count`. */
function prometheusNames(datadogName) {
  const base = `trailstream_${datadogName.slice('trailstream.'.length).replace(/\.(count|sum|bucket)$/, '')}`;
  return [base, `${base}_total`];
}

const queries = [
  ...dashboard.widgets.flatMap((widget) => (widget.definition.requests ?? []).map((request) => request.q)),
  ...monitors.map((monitor) => monitor.query),
].filter((q) => typeof q === 'string');
const named = new Set(
  queries.flatMap((q) => [...q.matchAll(/(?:sum|avg|min|max|count):([a-z0-9_.]+)\{/g)].map((m) => m[1])),
);
for (const metric of named) {
  if (metric in integrationMetrics) continue;
  if (!metric.startsWith('trailstream.') || !prometheusNames(metric).some((name) => exported.has(name))) {
    problems.push(`${metric} is queried but no service exports ${prometheusNames(metric).join(' or ')}`);
  }
}
if (named.size === 0) problems.push('no metric found in the queries');

// --- the autodiscovery annotations as rendered
const args = process.argv.slice(2);
let annotated = 0;
for (let i = 0; i < args.length; i += 3) {
  const [flag, mode, file] = args.slice(i, i + 3);
  if (flag !== '--annotations' || !['on', 'off'].includes(mode) || !file)
    throw new Error('usage: validate.mjs [--annotations on|off rendered.yaml]...');
  const deployments = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS())
    .filter((object) => object?.kind === 'Deployment');
  for (const deployment of deployments) {
    const { metadata, spec: podSpec } = deployment.spec.template;
    const container = podSpec.containers[0].name;
    const annotation = metadata.annotations?.[`ad.datadoghq.com/${container}.checks`];
    const where = `${file} ${deployment.metadata.name}`;
    if (mode === 'off') {
      if (annotation !== undefined)
        problems.push(`${where}: autodiscovery annotation present though turned off`);
      continue;
    }
    if (annotation === undefined) {
      problems.push(`${where}: no ad.datadoghq.com/${container}.checks annotation`);
      continue;
    }
    const instance = JSON.parse(annotation).openmetrics?.instances?.[0];
    const port = podSpec.containers[0].ports.find((p) => p.name === 'http')?.containerPort;
    if (instance?.openmetrics_endpoint !== `http://%%host%%:${port}/metrics`)
      problems.push(
        `${where}: openmetrics_endpoint ${instance?.openmetrics_endpoint} is not the pod's /metrics`,
      );
    if (instance?.namespace !== 'trailstream' || instance?.raw_metric_prefix !== 'trailstream_')
      problems.push(`${where}: the check must name metrics trailstream.* as deploy/datadog queries them`);
    // The check's entries match family names without the raw prefix: each metric queried must match one,
    // and so must every family the services register; no Node.js process default may.
    const entries = instance?.metrics ?? [];
    for (const metric of named) {
      if (!metric.startsWith('trailstream.')) continue;
      const family = prometheusNames(metric)[0].slice('trailstream_'.length);
      if (!collects(entries, family))
        problems.push(`${where}: the check's metrics patterns do not collect ${metric}`);
    }
    const missed = registered.filter((family) => !collects(entries, family));
    if (missed.length > 0)
      problems.push(
        `${where}: the check's metrics patterns do not collect trailstream_${missed.join(', trailstream_')}`,
      );
    const billed = processDefaults.filter((family) => collects(entries, family));
    if (billed.length > 0)
      problems.push(
        `${where}: the check's metrics patterns collect the Node.js defaults ${billed.join(', ')}`,
      );
    annotated++;
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(
  `dashboard (${dashboard.widgets.length} widgets) and ${monitors.length} monitors valid against Datadog's v1 API; ` +
    `${named.size} metrics, all exported; ${annotated} annotated deployments checked, each collecting all ` +
    `${registered.length} registered metric families and none of the ${processDefaults.length} Node.js defaults`,
);
