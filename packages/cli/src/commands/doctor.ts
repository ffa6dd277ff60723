import { isRegionName } from '@trailstream/cloudtrail';
import { CliError } from '../cli-error.js';
import { defineCommand, parsePositiveInteger } from '../command.js';
import {
  type Check,
  datadogChecks,
  discoverySettingChecks,
  doctorExitCode,
  kafkaChecks,
  regionChecks,
  trailChecks,
  trailSelected,
} from '../doctor/checks.js';
import type { TrailSummary } from '../doctor/observations.js';
import {
  AwsClients,
  observeDatadog,
  observeDiscovery,
  observeKafka,
  observeRegion,
  observeTrail,
} from '../doctor/observe.js';
import { awsRegions } from '../doctor/regions.js';
import { doctorJson, formatDoctorReport } from '../doctor/report.js';

const areas = ['aws', 'kafka', 'datadog'] as const;
type Area = (typeof areas)[number];

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

function parseRegions(value: string | undefined): string[] {
  const regions = list(value ?? 'all');
  if (regions.length === 1 && regions[0] === 'all') return awsRegions.map((region) => region.name);
  const invalid = regions.filter((region) => !isRegionName(region));
  if (regions.length === 0 || invalid.length > 0) {
    throw new CliError(`--regions expects all or region names such as us-east-1,eu-west-1, got "${value}"`);
  }
  return [...new Set(regions)];
}

function parseSkip(value: string | undefined): Set<Area> {
  const skipped = list(value);
  const unknown = skipped.filter((area) => !(areas as readonly string[]).includes(area));
  if (unknown.length > 0) throw new CliError(`--skip expects some of ${areas.join(', ')}, got "${value}"`);
  return new Set(skipped as Area[]);
}

/** Trails, buckets and discovery wiring of the regions; each trail checked once, for the regions it logs. */
async function awsChecks(regions: string[], wantedTrails: string[], now: number): Promise<Check[]> {
  const aws = new AwsClients(process.env.AWS_REGION ?? 'us-east-1');
  try {
    const [observedRegions, discovery] = await Promise.all([
      Promise.all(regions.map((region) => observeRegion(aws, region))),
      observeDiscovery(aws, process.env),
    ]);
    const trails = new Map<string, { trail: TrailSummary; regions: string[] }>();
    for (const { region, trails: found } of observedRegions) {
      if (!found.ok) continue;
      for (const trail of found.value.filter((candidate) => trailSelected(candidate, wantedTrails))) {
        const entry = trails.get(trail.arn) ?? { trail, regions: [] };
        entry.regions.push(region);
        trails.set(trail.arn, entry);
      }
    }
    const observedTrails = await Promise.all(
      [...trails.values()].map(({ trail, regions: logged }) =>
        observeTrail(aws, trail, logged, discovery, now),
      ),
    );
    const statuses = new Map(observedTrails.map((observed) => [observed.trail.arn, observed.status]));
    return [
      ...observedRegions.flatMap((observed) => regionChecks(observed, statuses, wantedTrails)),
      ...observedTrails.flatMap((observed) => trailChecks(observed, discovery)),
      ...discoverySettingChecks(discovery),
    ];
  } finally {
    aws.destroy();
  }
}

export const doctorCommand = defineCommand({
  name: 'doctor',
  summary:
    'check the CloudTrail setup of every region, the bucket, discovery, Kafka and Datadog; exit 1 on any ✘',
  usage:
    'trailstream doctor [--regions r1,r2|all] [--trail name|arn,...] [--skip aws,kafka,datadog] [--json]',
  optionHelp: [
    ['--regions <list>', 'regions to check, comma-separated, or all (default: all commercial regions)'],
    ['--trail <list>', 'only these trails (names or ARNs, comma-separated; default: every trail)'],
    ['--skip <list>', 'leave out checks: aws (trails, buckets, discovery), kafka, datadog'],
    ['--json', 'print the checks as JSON (same exit code)'],
    ['--brokers <list>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS)'],
    ['--kafka-timeout <s>', 'seconds to wait for Kafka to answer (default 20)'],
    ['--dd-site <site>', 'the Datadog site of the key (default: $DD_SITE or datadoghq.com)'],
    ['--dd-url <url>', 'a base URL for Datadog instead of a site (default: $DD_URL)'],
  ],
  options: {
    regions: { type: 'string' },
    trail: { type: 'string' },
    skip: { type: 'string' },
    json: { type: 'boolean' },
    brokers: { type: 'string' },
    'kafka-timeout': { type: 'string' },
    'dd-site': { type: 'string' },
    'dd-url': { type: 'string' },
  },
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const regions = parseRegions(values.regions);
    const skip = parseSkip(values.skip);
    const kafkaTimeoutMs = parsePositiveInteger('--kafka-timeout', values['kafka-timeout'], 20) * 1000;
    const [aws, kafka, datadog] = await Promise.all([
      skip.has('aws') ? [] : awsChecks(regions, list(values.trail), Date.now()),
      skip.has('kafka') ? [] : observeKafka(values.brokers, kafkaTimeoutMs).then(kafkaChecks),
      skip.has('datadog')
        ? []
        : observeDatadog(
            values['dd-site'] ?? process.env.DD_SITE,
            values['dd-url'] ?? process.env.DD_URL,
            process.env,
          ).then(datadogChecks),
    ]);
    const checks = [...aws, ...kafka, ...datadog];
    process.stdout.write(`${values.json ? doctorJson(checks) : formatDoctorReport(checks)}\n`);
    return doctorExitCode(checks);
  },
});
