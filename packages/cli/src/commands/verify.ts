import { S3Client } from '@aws-sdk/client-s3';
import {
  type IntegrityFinding,
  parseTrailSource,
  type VerifyReport,
  verifyTrail,
} from '@trailstream/cloudtrail';
import { backoffPolicies } from '@trailstream/retry';
import {
  cloudTrailPublicKeys,
  listIntegrityKeys,
  publicKeysFromFile,
  s3IntegritySource,
} from '@trailstream/trail-bucket';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../table.js';
import { iso, parseTime } from '../time-flags.js';

/** What `trailstream verify` prints: the chains checked, then every finding, one a row. */
export function formatVerifyReport(report: VerifyReport): string {
  const chains = formatTable(
    ['account', 'region', 'trail', 'digests valid', 'log files', 'from', 'to'],
    report.chains.map((chain) => [
      chain.stream.accountId,
      chain.stream.region,
      chain.stream.trailName,
      `${chain.validDigests}/${chain.digests}`,
      String(chain.logFiles),
      iso(chain.from),
      iso(chain.to),
    ]),
  );
  const findings =
    report.findings.length === 0
      ? 'no findings: every digest is signed and chained, every listed log file is present and unchanged'
      : formatTable(
          ['finding', 'account', 'region', 'object', 'detail'],
          report.findings.map((finding: IntegrityFinding) => [
            finding.kind,
            finding.accountId,
            finding.region,
            `s3://${finding.bucket}/${finding.key}`,
            finding.detail,
          ]),
        );
  const summary = `${report.chains.length} digest chain(s), ${report.logFilesChecked} log file(s) checked, ${report.findings.length} finding(s)`;
  return `${chains}\n\n${findings}\n\n${summary}`;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check CloudTrail digests and log files (signatures, chain, hashes); exit 1 on any finding',
  usage: 'trailstream verify --from s3://bucket[/prefix/AWSLogs/] --since <date|time> --until <date|time>',
  optionHelp: [
    ['--from <s3://…>', 'the trail bucket, optionally with the prefix ending at AWSLogs/ or AWSLogs/<o-id>/'],
    ['--since <when>', 'first digest hour to check: YYYY-MM-DD or an ISO time (UTC)'],
    ['--until <when>', 'last hour to check: YYYY-MM-DD (the whole day) or an ISO time (UTC)'],
    [
      '--public-keys <file>',
      'CloudTrail public keys as `aws cloudtrail list-public-keys --output json` writes them (default: ask CloudTrail per region)',
    ],
    ['--region <region>', "the bucket's region (default: $AWS_REGION or us-east-1)"],
  ],
  options: {
    from: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'public-keys': { type: 'string' },
    region: { type: 'string' },
  },
  async run({ values }) {
    const from = values.from;
    if (from === undefined || !from.startsWith('s3://')) {
      throw new CliError('--from is required: s3://bucket[/prefix/AWSLogs/]');
    }
    const source = parseTrailSource(from.slice('s3://'.length).replace(/^([^/]+)\/?$/, '$1/AWSLogs/'));
    if (typeof source === 'string') throw new CliError(`--from ${from}: ${source}`);
    const since = parseTime('--since', values.since, false);
    const until = parseTime('--until', values.until, true);
    if (since > until) throw new CliError('--since must not be after --until');
    const keysFile = values['public-keys'];
    const keys = keysFile
      ? await publicKeysFromFile(keysFile).catch((error: Error) => {
          throw new CliError(`--public-keys ${keysFile}: ${error.message}`);
        })
      : cloudTrailPublicKeys();

    const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const s3 = new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
    try {
      process.stderr.write(
        `verifying s3://${source.bucket}/${source.basePrefix} from ${iso(since)} to ${iso(until)}\n`,
      );
      const listing = await listIntegrityKeys(s3, source, { since, until });
      const report = await verifyTrail(
        { bucket: source.bucket, ...listing, since, until },
        s3IntegritySource(() => s3, {
          transientAttempts: 5,
          unavailableAttempts: 1,
          backoff: backoffPolicies.s3Fetch,
        }),
        keys,
      );
      process.stdout.write(`${formatVerifyReport(report)}\n`);
      if (report.chains.length === 0) {
        process.stderr.write('no digest in the range: is log file validation enabled on the trail?\n');
        return 1;
      }
      return report.findings.length > 0 ? 1 : 0;
    } finally {
      s3.destroy();
    }
  },
});
