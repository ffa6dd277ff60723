import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { parseTrailSource } from '@trailstream/cloudtrail';
import {
  apiKeySourceFromEnv,
  DatadogClient,
  datadogSites,
  type LateItemPolicy,
  lateItemPolicies,
  readApiKey,
} from '@trailstream/datadog';
import { type OutputMode, outputModes } from '@trailstream/mapping';
import { CliError } from '../cli-error.js';
import { defineCommand, parseChoice, parseDay } from '../command.js';
import { datadogTargetFrom } from '../datadog-target.js';
import { datadogSink } from '../embedded/datadog-sink.js';
import { formatSummary, runEmbeddedPipeline } from '../embedded/embedded-pipeline.js';
import { localFolderSource, type ObjectSource, s3Source } from '../embedded/object-sources.js';
import { printSink } from '../embedded/print-sink.js';
import { Progress } from '../progress.js';
import { loadRules } from '../rules-file.js';

export const sampleTrailFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../sample-trail');

export const runCommand = defineCommand({
  name: 'run',
  summary: 'run the whole pipeline in this process and print the Datadog events it would send',
  usage: 'trailstream run [--from <folder|s3://bucket/prefix>] [--rules file.yaml] [--mode events|logs|both]',
  optionHelp: [
    [
      '--from <source>',
      'a folder of CloudTrail files, or s3://bucket[/prefix/AWSLogs/] (default: the bundled sample trail)',
    ],
    ['--rules <file>', "rules file (default: the shipped rules, as Datadog's CloudTrail integration)"],
    ['--mode <mode>', 'events (default), logs or both'],
    ['--since <date>', 'S3 only: first day to read, YYYY-MM-DD (default: yesterday, UTC)'],
    ['--until <date>', 'S3 only: last day to read, YYYY-MM-DD (default: today, UTC)'],
    ['--region <region>', "S3 only: the bucket's region (default: $AWS_REGION or us-east-1)"],
    ['--include-insights', 'also read CloudTrail Insights files'],
    [
      '--late-policy <p>',
      'items older than Datadog accepts: send-now (default, re-dated, real time in text and a tag) or dead-letter',
    ],
    ['--log-service <name>', 'the service of log entries (default cloudtrail)'],
    [
      '--dd-site <site>',
      `send to Datadog instead of printing, on this site (${datadogSites.join(', ')}); needs $DD_API_KEY or $DD_API_KEY_FILE`,
    ],
    ['--dd-url <url>', 'send to this URL instead of a Datadog site (a proxy, or the recording intake)'],
  ],
  options: {
    from: { type: 'string' },
    rules: { type: 'string' },
    mode: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    region: { type: 'string' },
    'include-insights': { type: 'boolean' },
    'late-policy': { type: 'string' },
    'log-service': { type: 'string' },
    'dd-site': { type: 'string' },
    'dd-url': { type: 'string' },
  },
  async run({ values }) {
    const mode: OutputMode = parseChoice('--mode', values.mode, outputModes, 'events');
    const policy: LateItemPolicy = parseChoice(
      '--late-policy',
      values['late-policy'],
      lateItemPolicies,
      'send-now',
    );
    const includeInsights = values['include-insights'] ?? false;
    const { rules, path: rulesPath } = await loadRules(values.rules);

    let source: ObjectSource;
    const from = values.from ?? sampleTrailFolder;
    if (from.startsWith('s3://')) {
      const parsed = parseTrailSource(from.slice('s3://'.length).replace(/^([^/]+)$/, '$1/AWSLogs/'));
      if (typeof parsed === 'string') throw new CliError(`--from ${from}: ${parsed}`);
      const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
      const s3 = new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
      const now = Date.now();
      source = s3Source(s3, {
        source: parsed,
        region,
        from: parseDay('--since', values.since, now - 24 * 60 * 60 * 1000),
        to: parseDay('--until', values.until, now),
        includeInsights,
      });
    } else {
      source = localFolderSource(from, includeInsights);
    }

    const client = await datadogClientFor(
      values['dd-site'] ?? process.env.DD_SITE,
      values['dd-url'] ?? process.env.DD_URL,
    );
    const delivery = client ? datadogSink(client, policy) : undefined;
    const sink = delivery ?? printSink(process.stdout, policy);
    process.stderr.write(
      `reading ${source.describe} with rules ${rulesPath} (mode: ${mode}) → ${client ? client.endpoints.events.origin : 'stdout'}\n`,
    );
    const progress = new Progress('files');
    try {
      const summary = await runEmbeddedPipeline({
        source,
        rules,
        mapping: { mode, logService: values['log-service'] ?? 'cloudtrail' },
        sink,
        onObject: (records) => progress.advance(1, `${records} records`),
      });
      progress.finish();
      process.stderr.write(`${formatSummary(summary)}\n`);
      if (!delivery) return 0;
      process.stderr.write(
        `  datadog    ${delivery.tally.accepted} accepted, ${delivery.tally.refused} refused\n`,
      );
      return delivery.tally.refused > 0 ? 1 : 0;
    } finally {
      await client?.close();
    }
  },
});

/** A Datadog client when a key is configured (and accepted), else undefined: print instead. */
async function datadogClientFor(
  site: string | undefined,
  url: string | undefined,
): Promise<DatadogClient | undefined> {
  if (!process.env.DD_API_KEY && !process.env.DD_API_KEY_FILE) {
    if (site || url)
      throw new CliError(
        '--dd-site/--dd-url need the API key in $DD_API_KEY or a file named by $DD_API_KEY_FILE',
      );
    return undefined;
  }
  const target = datadogTargetFrom(site, url);
  const apiKey = await readApiKey(apiKeySourceFromEnv(process.env)).catch((error: Error) => {
    throw new CliError(`cannot read the Datadog API key: ${error.message}`);
  });
  const client = new DatadogClient({
    target,
    apiKey,
    timeoutMs: 10_000,
  });
  const check = await client.validateKey();
  if (check.kind === 'invalid') {
    await client.close();
    throw new CliError(`Datadog refused the API key (HTTP ${check.status}); check DD_API_KEY and the site`);
  }
  if (check.kind === 'unknown') {
    await client.close();
    throw new CliError(`cannot check the API key with Datadog: ${check.reason}`);
  }
  return client;
}
