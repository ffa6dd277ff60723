import { awsLogsPrefix, filteredOut, type TrailSource } from '@trailstream/cloudtrail';
import { topicFlow } from '@trailstream/runtime';
import type { AwsCall, AwsFailure, AwsOutcome } from './aws-failures.js';
import type {
  BucketNotificationSummary,
  DatadogObservation,
  DiscoveryObservation,
  KafkaObservation,
  RegionObservation,
  SourceRoleObservation,
  TrailObservation,
  TrailStatusSummary,
  TrailSummary,
} from './observations.js';

export type CheckArea = 'region' | 'trail' | 'bucket' | 'discovery' | 'role' | 'kafka' | 'datadog';

/** What to do about a failed check: a sentence, the commands to run, and a policy statement to add. */
export interface Fix {
  text: string;
  commands: string[];
  /** An IAM or bucket policy statement (or several) to add, as JSON. */
  statement?: unknown;
}

export interface Check {
  area: CheckArea;
  subject: string;
  name: string;
  ok: boolean;
  detail: string;
  fix: Fix | null;
}

/** How recent a log file or digest must be to count as CloudTrail still delivering. */
export const RECENT_WINDOW_HOURS = 24;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const pass = (area: CheckArea, subject: string, name: string, detail: string): Check => ({
  area,
  subject,
  name,
  ok: true,
  detail,
  fix: null,
});
const fail = (area: CheckArea, subject: string, name: string, detail: string, fix: Fix): Check => ({
  area,
  subject,
  name,
  ok: false,
  detail,
  fix,
});

/** The least a principal needs for one call, as an IAM policy statement. */
export function allowStatement(actions: readonly string[], resources: readonly string[]): unknown {
  return { Effect: 'Allow', Action: [...actions], Resource: [...resources] };
}

/** The fix for a call that failed: a missing permission names the IAM statement to add. */
export function failedCallFix(call: AwsCall, failure: AwsFailure, extraActions: readonly string[] = []): Fix {
  switch (failure.kind) {
    case 'denied':
      return {
        text: `grant ${[call.permission, ...extraActions].join(' and ')} to the credentials doctor and Trailstream run with; if their policy already allows it, a bucket policy, SCP or KMS key policy denies it`,
        commands: [],
        statement: allowStatement([call.permission], [call.resource]),
      };
    case 'no-credentials':
      return {
        text: 'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an IAM role is attached',
        commands: ['aws sts get-caller-identity'],
      };
    case 'unrecognized-client':
      return {
        text: 'the credentials are not valid here: enable the region for the account (an opt-in region) or use valid keys',
        commands: [
          'aws sts get-caller-identity',
          'aws account list-regions --region-opt-status-contains ENABLED',
        ],
      };
    case 'missing':
      return {
        text: `${call.resource} does not exist: create it, or point the setting at the right one`,
        commands: [],
      };
    case 'other':
      return { text: `AWS answered "${failure.message}"; try the same call with the AWS CLI`, commands: [] };
  }
}

function failedCall(
  area: CheckArea,
  subject: string,
  name: string,
  outcome: Extract<AwsOutcome<unknown>, { ok: false }>,
): Check {
  const detail =
    outcome.failure.kind === 'denied'
      ? `${outcome.call.permission} denied (${outcome.failure.message})`
      : outcome.failure.message;
  return fail(area, subject, name, detail, failedCallFix(outcome.call, outcome.failure));
}

/** Whether `--trail` (names or ARNs; empty = every trail) selects the trail. */
export function trailSelected(trail: TrailSummary, wanted: readonly string[]): boolean {
  return wanted.length === 0 || wanted.includes(trail.name) || wanted.includes(trail.arn);
}

/** The trail's `AWSLogs/` folder as a TrailSource; an organization folder inside it is found by listing. */
export function trailSource(trail: TrailSummary): TrailSource {
  return {
    bucket: trail.bucket,
    basePrefix: trail.keyPrefix === '' ? '' : `${trail.keyPrefix}/`,
    organizationId: null,
  };
}

/** Per region: is it logged by a selected trail that is logging? */
export function regionChecks(
  observation: RegionObservation,
  statuses: ReadonlyMap<string, AwsOutcome<TrailStatusSummary>>,
  wantedTrails: readonly string[],
): Check[] {
  const { region } = observation;
  const name = 'logged by a trail';
  if (!observation.trails.ok) {
    if (observation.optIn && observation.trails.failure.kind === 'unrecognized-client') {
      return [pass('region', region, name, 'opt-in region not enabled for this account: nothing runs there')];
    }
    return [failedCall('region', region, name, observation.trails)];
  }
  const trails = observation.trails.value.filter((trail) => trailSelected(trail, wantedTrails));
  if (trails.length === 0) {
    return [
      fail('region', region, name, `no${wantedTrails.length > 0 ? ' selected' : ''} trail logs ${region}`, {
        text: 'create a multi-region trail (one trail logs every region, new ones included), or make an existing trail multi-region',
        commands: [
          `aws cloudtrail create-trail --name <name> --s3-bucket-name <bucket> --is-multi-region-trail --enable-log-file-validation --region ${region}`,
          `aws cloudtrail start-logging --name <name> --region ${region}`,
          'aws cloudtrail update-trail --name <existing trail ARN> --is-multi-region-trail',
        ],
      }),
    ];
  }
  const logging = trails.filter((trail) => {
    const status = statuses.get(trail.arn);
    return status?.ok === true && status.value.logging;
  });
  if (logging.length > 0) {
    return [pass('region', region, name, logging.map((trail) => trail.name).join(', '))];
  }
  const unknown = trails.filter((trail) => statuses.get(trail.arn)?.ok !== true);
  const detail =
    unknown.length > 0
      ? `cannot tell: the status of ${unknown.map((trail) => trail.name).join(', ')} could not be read`
      : `${trails.map((trail) => trail.name).join(', ')} ${trails.length === 1 ? 'is' : 'are'} not logging`;
  return [
    fail('region', region, name, detail, {
      text: 'start logging on the trail (see its own checks below)',
      commands: trails.map(
        (trail) => `aws cloudtrail start-logging --name ${trail.arn} --region ${trail.homeRegion}`,
      ),
    }),
  ];
}

/** The bucket policy statements CloudTrail needs to deliver to the trail's folder. */
export function cloudTrailDeliveryStatements(trail: TrailSummary): unknown {
  const folder = `${awsLogsPrefix(trailSource(trail))}${trail.organization ? '' : `${trail.accountId}/`}*`;
  const principal = { Service: 'cloudtrail.amazonaws.com' };
  const sourceArn = { 'aws:SourceArn': trail.arn };
  return [
    {
      Sid: 'AWSCloudTrailAclCheck',
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:GetBucketAcl',
      Resource: `arn:aws:s3:::${trail.bucket}`,
      Condition: { StringEquals: sourceArn },
    },
    {
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${trail.bucket}/${folder}`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...sourceArn } },
    },
  ];
}

function deliveryFix(trail: TrailSummary, error: string): Fix {
  const kms = /kms/i.test(error)
    ? `; the KMS key ${trail.kmsKeyId ?? ''} must allow cloudtrail.amazonaws.com kms:GenerateDataKey*`
    : '';
  return {
    text: `CloudTrail could not write to s3://${trail.bucket}: the bucket policy must allow it (statements below)${kms}`,
    commands: [`aws s3api get-bucket-policy --bucket ${trail.bucket}`],
    statement: cloudTrailDeliveryStatements(trail),
  };
}

function trailStatusChecks(trail: TrailSummary, status: AwsOutcome<TrailStatusSummary>): Check[] {
  const subject = `${trail.name} (${trail.homeRegion})`;
  if (!status.ok) return [failedCall('trail', subject, 'logging', status)];
  const { logging, latestDeliveryTime, stoppedLoggingAt } = status.value;
  const loggingCheck = logging
    ? pass(
        'trail',
        subject,
        'logging',
        latestDeliveryTime === null
          ? 'on, nothing delivered yet'
          : `on, last delivery ${iso(latestDeliveryTime)}`,
      )
    : fail(
        'trail',
        subject,
        'logging',
        `off${stoppedLoggingAt === null ? '' : ` since ${iso(stoppedLoggingAt)}`}`,
        {
          text: 'start logging: nothing is recorded while it is off',
          commands: [`aws cloudtrail start-logging --name ${trail.arn} --region ${trail.homeRegion}`],
        },
      );
  const errors = [status.value.latestDeliveryError, status.value.latestDigestDeliveryError].filter(
    (error): error is string => error !== null,
  );
  const deliveryCheck =
    errors.length === 0
      ? pass('trail', subject, 'last delivery error', 'none')
      : fail(
          'trail',
          subject,
          'last delivery error',
          errors.join('; '),
          deliveryFix(trail, errors.join(' ')),
        );
  return [loggingCheck, deliveryCheck];
}

function trailSettingChecks(trail: TrailSummary): Check[] {
  const subject = `${trail.name} (${trail.homeRegion})`;
  const update = (flag: string) =>
    `aws cloudtrail update-trail --name ${trail.arn} ${flag} --region ${trail.homeRegion}`;
  return [
    trail.multiRegion
      ? pass('trail', subject, 'multi-region', 'yes: logs every region, new ones included')
      : fail('trail', subject, 'multi-region', `no: logs ${trail.homeRegion} only`, {
          text: 'make the trail multi-region, so no region goes unlogged',
          commands: [update('--is-multi-region-trail')],
        }),
    trail.logFileValidation
      ? pass('trail', subject, 'log file validation', 'on: hourly signed digests')
      : fail('trail', subject, 'log file validation', 'off: no digests, changes to log files go unnoticed', {
          text: 'turn on log file validation (trailstream verify and the integrity stage need the digests)',
          commands: [update('--enable-log-file-validation')],
        }),
    pass(
      'trail',
      subject,
      'organization trail',
      trail.organization
        ? 'yes: every account of the organization, under AWSLogs/<o-id>/'
        : 'no: this account only',
    ),
    pass(
      'trail',
      subject,
      'encryption',
      trail.kmsKeyId === null ? 'SSE-S3 (no KMS key)' : `SSE-KMS ${trail.kmsKeyId}: readers need kms:Decrypt`,
    ),
  ];
}

/** Reading a log file needs s3:GetObject on the trail's folder, and kms:Decrypt on its key when it has one. */
function readFix(trail: TrailSummary, outcome: Extract<AwsOutcome<unknown>, { ok: false }>): Fix {
  const kms = trail.kmsKeyId === null ? [] : [allowStatement(['kms:Decrypt'], [trail.kmsKeyId])];
  const fix = failedCallFix(outcome.call, outcome.failure, kms.length > 0 ? ['kms:Decrypt'] : []);
  if (outcome.failure.kind !== 'denied') return fix;
  const read = allowStatement([outcome.call.permission], [outcome.call.resource]);
  return { ...fix, statement: kms.length > 0 ? [read, ...kms] : read };
}

function locationCheck(trail: TrailSummary, location: AwsOutcome<string>): Check {
  if (location.ok) return pass('bucket', trail.bucket, 'location', location.value);
  const check = failedCall('bucket', trail.bucket, 'location', location);
  if (location.failure.kind !== 'missing') return check;
  return {
    ...check,
    fix: {
      text: `the trail delivers to a bucket that does not exist: create it with the bucket policy CloudTrail needs (below), or point the trail at its bucket`,
      commands: [
        `aws s3api create-bucket --bucket ${trail.bucket} --region ${trail.homeRegion}${trail.homeRegion === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${trail.homeRegion}`}`,
        `aws cloudtrail update-trail --name ${trail.arn} --s3-bucket-name <bucket> --region ${trail.homeRegion}`,
      ],
      statement: cloudTrailDeliveryStatements(trail),
    },
  };
}

function bucketChecks(observation: TrailObservation): Check[] {
  const { trail, bucket } = observation;
  const subject = trail.bucket;
  const checks: Check[] = [locationCheck(trail, bucket.location)];
  const folder = awsLogsPrefix(trailSource(trail));
  if (!bucket.listing.ok) {
    checks.push(failedCall('bucket', subject, `list ${folder}`, bucket.listing));
    return checks;
  }
  const organization = bucket.listing.value.organizationId;
  checks.push(
    pass(
      'bucket',
      subject,
      `list ${folder}`,
      organization ? `organization folder ${organization}/` : 'allowed',
    ),
  );
  for (const files of bucket.regions) {
    const { region } = files;
    if (!files.latestLog.ok) {
      checks.push(failedCall('bucket', subject, `recent log file ${region}`, files.latestLog));
      continue;
    }
    const latest = files.latestLog.value;
    checks.push(
      latest === null
        ? fail(
            'bucket',
            subject,
            `recent log file ${region}`,
            `none in the last ${RECENT_WINDOW_HOURS} h under ${folder}…/${region}/`,
            {
              text: 'CloudTrail delivered nothing for this region: check the trail logs it (above) and that the bucket policy lets CloudTrail write',
              commands: [`aws cloudtrail get-trail-status --name ${trail.arn} --region ${trail.homeRegion}`],
              statement: cloudTrailDeliveryStatements(trail),
            },
          )
        : pass('bucket', subject, `recent log file ${region}`, latest.slice(latest.lastIndexOf('/') + 1)),
    );
    if (files.read !== null) {
      checks.push(
        files.read.ok
          ? pass('bucket', subject, `read log file ${region}`, trail.kmsKeyId ? 'read and decrypted' : 'read')
          : {
              ...failedCall('bucket', subject, `read log file ${region}`, files.read),
              fix: readFix(trail, files.read),
            },
      );
    }
    if (files.latestDigest === null) continue;
    if (!files.latestDigest.ok) {
      checks.push(failedCall('bucket', subject, `recent digest ${region}`, files.latestDigest));
      continue;
    }
    const digest = files.latestDigest.value;
    checks.push(
      digest === null
        ? fail('bucket', subject, `recent digest ${region}`, `none in the last ${RECENT_WINDOW_HOURS} h`, {
            text: 'CloudTrail writes a digest every hour once validation is on, even when idle: check the trail logs and the delivery error (above)',
            commands: [`aws cloudtrail get-trail-status --name ${trail.arn} --region ${trail.homeRegion}`],
          })
        : pass('bucket', subject, `recent digest ${region}`, digest.slice(digest.lastIndexOf('/') + 1)),
    );
  }
  return checks;
}

/** Whether a notification's prefix filter lets the trail's files through. */
function prefixCovers(filter: string, folder: string): boolean {
  return folder.startsWith(filter) || filter.startsWith(folder);
}

const objectCreated = (events: readonly string[]) =>
  events.some((event) => event.startsWith('s3:ObjectCreated:'));

function notificationPath(
  notification: BucketNotificationSummary,
  queueArns: ReadonlySet<string>,
  folder: string,
): string | null {
  const queue = notification.queues.find(
    (entry) => queueArns.has(entry.arn) && objectCreated(entry.events) && prefixCovers(entry.prefix, folder),
  );
  if (queue) return `S3 notifies ${queue.arn} on ${queue.events.join(',')}`;
  const topic = notification.topics.find(
    (entry) => objectCreated(entry.events) && prefixCovers(entry.prefix, folder),
  );
  if (topic) return `S3 notifies SNS topic ${topic.arn} (its subscription to the queue is not checked)`;
  if (notification.eventBridge) return 'S3 sends to EventBridge (the rule to the queue is not checked)';
  return null;
}

/** The notification configuration that sends the trail's new files to a queue, for the CLI. */
function notificationCommand(trail: TrailSummary, queueArn: string): string {
  const configuration = {
    QueueConfigurations: [
      {
        QueueArn: queueArn,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: awsLogsPrefix(trailSource(trail)) }] } },
      },
    ],
  };
  return `aws s3api put-bucket-notification-configuration --bucket ${trail.bucket} --notification-configuration '${JSON.stringify(configuration)}'`;
}

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>` → the role's ARN, the principal a trust policy names. */
export function principalArn(callerArn: string): string {
  const assumed = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : callerArn;
}

/**
 * The statements that let `principal` assume a source role: the role's trust policy statement (in the
 * role's account; the external id stands in as a placeholder, never printed) and the caller's own
 * sts:AssumeRole permission.
 */
export function assumeRoleStatements(role: SourceRoleObservation, principal: string): unknown[] {
  const trust = {
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'sts:AssumeRole',
    ...(role.externalIdSet
      ? { Condition: { StringEquals: { 'sts:ExternalId': '<the external id in the externalIdFile>' } } }
      : {}),
  };
  return [trust, allowStatement(['sts:AssumeRole'], [role.roleArn])];
}

/** Each SOURCE_ROLES role: assumed (✔ with who its credentials are), or ✘ with the trust policy to set. */
export function sourceRoleChecks(roles: readonly SourceRoleObservation[]): Check[] {
  return roles.map((role) => {
    const name = `assume for ${role.sources.join(', ')}`;
    if (role.assumed.ok) {
      return pass('role', role.roleArn, name, `as ${role.assumed.value} (STS in ${role.stsRegion})`);
    }
    const { failure, call } = role.assumed;
    if (failure.kind !== 'denied') return failedCall('role', role.roleArn, name, role.assumed);
    const principal = role.caller.ok ? principalArn(role.caller.value) : '<the stages’ IAM role ARN>';
    const account = role.roleArn.split(':')[4];
    return fail('role', role.roleArn, name, `${call.permission} refused (${failure.message})`, {
      text: `in account ${account}, the role's trust policy must let ${principal} assume it${
        role.externalIdSet
          ? ' with sts:ExternalId equal to the external id in the entry’s externalIdFile (check the file holds the id the trust policy names)'
          : ' (no externalIdFile is set: if the trust policy asks for sts:ExternalId, set one)'
      }, and ${principal}'s own policy must allow sts:AssumeRole on it (deploy/aws/source-role-trust-policy.json, iam-policy-assume-source-roles.json)`,
      commands: [
        `aws iam get-role --role-name ${role.roleArn.split('/').at(-1)} --query Role.AssumeRolePolicyDocument`,
      ],
      statement: assumeRoleStatements(role, principal),
    });
  });
}

/** The discovery service's own settings: do they parse, do they name anything, can the queues be read? */
export function discoverySettingChecks(discovery: DiscoveryObservation): Check[] {
  const checks = discovery.problems.map((problem) =>
    fail('discovery', 'settings', 'discovery settings', problem, {
      text: 'correct the variable in the discovery service environment (and where doctor runs)',
      commands: [],
    }),
  );
  checks.push(...sourceRoleChecks(discovery.roles));
  if (discovery.sources.length === 0 && discovery.problems.length === 0) {
    checks.push(
      fail('discovery', 'settings', 'sources', 'neither SQS_QUEUE_URLS nor POLL_SOURCES is set', {
        text: 'set SQS_QUEUE_URLS (queues the trail bucket notifies) or POLL_SOURCES (buckets to list), as for the discovery service',
        commands: [],
      }),
    );
  }
  for (const source of discovery.sources) {
    if (source.kind === 'listing') {
      checks.push(
        pass(
          'discovery',
          source.text,
          'POLL_SOURCES entry',
          `lists s3://${source.source.bucket}/${awsLogsPrefix(source.source)}`,
        ),
      );
    } else {
      checks.push(
        source.arn.ok
          ? pass('discovery', source.url, 'queue readable', source.arn.value)
          : failedCall('discovery', source.url, 'queue readable', source.arn),
      );
    }
  }
  return checks;
}

/** Does discovery learn of the trail's new files: listed by POLL_SOURCES, or notified to a configured queue? */
export function discoveryWiringCheck(observation: TrailObservation, discovery: DiscoveryObservation): Check {
  const { trail } = observation;
  const subject = trail.bucket;
  const name = `reaches discovery (${trail.name})`;
  const folder = awsLogsPrefix(trailSource(trail));
  const listing = discovery.sources.find(
    (source) =>
      source.kind === 'listing' &&
      source.source.bucket === trail.bucket &&
      prefixCovers(awsLogsPrefix(source.source), folder),
  );
  if (listing?.kind === 'listing')
    return pass('discovery', subject, name, `POLL_SOURCES lists ${listing.text}`);
  const queueArns = new Set(
    discovery.sources.flatMap((source) =>
      source.kind === 'queue' && source.arn.ok ? [source.arn.value] : [],
    ),
  );
  if (observation.notification !== null && !observation.notification.ok) {
    return failedCall('discovery', subject, name, observation.notification);
  }
  const path = observation.notification
    ? notificationPath(observation.notification.value, queueArns, folder)
    : null;
  if (path !== null) return pass('discovery', subject, name, path);
  const [firstQueue] = queueArns;
  return fail(
    'discovery',
    subject,
    name,
    queueArns.size > 0
      ? `no notification of new objects under ${folder} to ${[...queueArns].join(', ')}, and not in POLL_SOURCES`
      : `no configured queue is readable, and the bucket is not in POLL_SOURCES`,
    {
      text:
        firstQueue === undefined
          ? `add ${trail.bucket}/${folder} to POLL_SOURCES, or set SQS_QUEUE_URLS to a queue the bucket notifies`
          : `make the bucket notify the queue (this replaces the bucket's notification configuration: merge it with what get-bucket-notification-configuration shows), or add ${trail.bucket}/${folder} to POLL_SOURCES; the queue policy must let s3.amazonaws.com sqs:SendMessage`,
      commands:
        firstQueue === undefined
          ? []
          : [
              `aws s3api get-bucket-notification-configuration --bucket ${trail.bucket}`,
              notificationCommand(trail, firstQueue),
            ],
    },
  );
}

/** Does discovery keep the trail's files: its account and every checked region past the allow and deny lists? */
export function discoveryFilterCheck(observation: TrailObservation, discovery: DiscoveryObservation): Check {
  const { trail } = observation;
  const name = `kept by discovery's filters (${trail.name})`;
  const dropped = observation.bucket.regions
    .map(({ region }) => ({
      region,
      reason: filteredOut({ accountId: trail.accountId, region }, discovery.filters),
    }))
    .filter((entry) => entry.reason !== null);
  if (dropped.length === 0)
    return pass('discovery', trail.bucket, name, `account ${trail.accountId}, every checked region`);
  const accountDropped = dropped.some((entry) => entry.reason === 'account-filtered');
  return fail(
    'discovery',
    trail.bucket,
    name,
    accountDropped
      ? `account ${trail.accountId} is dropped by ACCOUNTS_ALLOW / ACCOUNTS_DENY`
      : `region ${dropped.map((entry) => entry.region).join(', ')} dropped by REGIONS_ALLOW / REGIONS_DENY`,
    {
      text: accountDropped
        ? `add ${trail.accountId} to ACCOUNTS_ALLOW (or remove it from ACCOUNTS_DENY) in the discovery service's environment, if its files should reach Datadog`
        : `add the regions to REGIONS_ALLOW (or remove them from REGIONS_DENY) in the discovery service's environment, if their files should reach Datadog`,
      commands: [],
    },
  );
}

/** Every check of one trail: its status and settings, its bucket, and discovery's wiring to it. */
export function trailChecks(observation: TrailObservation, discovery: DiscoveryObservation): Check[] {
  return [
    ...trailStatusChecks(observation.trail, observation.status),
    ...trailSettingChecks(observation.trail),
    ...bucketChecks(observation),
    discoveryWiringCheck(observation, discovery),
    discoveryFilterCheck(observation, discovery),
  ];
}

/** Kafka: reachable, and every topic of the topology present with the partitions and settings it plans. */
export function kafkaChecks(observation: KafkaObservation): Check[] {
  if (!observation.configured) {
    return [
      fail('kafka', 'KAFKA_BROKERS', 'configured', observation.problem, {
        text: 'set KAFKA_BROKERS (and KAFKA_SSL / KAFKA_SASL_* as for the services)',
        commands: [],
      }),
    ];
  }
  const brokers = observation.brokers.join(',');
  if (!observation.reachable) {
    return [
      fail('kafka', brokers, 'reachable', observation.reason, {
        text: 'check KAFKA_BROKERS, the network path, and KAFKA_SSL / KAFKA_SASL_* against the listener',
        commands: [],
      }),
    ];
  }
  const checks: Check[] = [pass('kafka', brokers, 'reachable', 'admin API answered')];
  for (const { spec, partitions, settings } of observation.topics) {
    const purpose = topicFlow(spec.name);
    if (partitions === null || settings === null) {
      checks.push(
        fail('kafka', spec.topic, 'topic', `missing (${purpose})`, {
          text: 'create the topics with the partitions and settings the stages expect',
          commands: [`trailstream topics --brokers ${brokers}`],
        }),
      );
      continue;
    }
    const differences = spec.configEntries.filter((entry) => settings.get(entry.name) !== entry.value);
    checks.push(
      differences.length === 0
        ? pass(
            'kafka',
            spec.topic,
            'topic',
            `partitions=${partitions} ${spec.configEntries.map((entry) => `${entry.name}=${entry.value}`).join(' ')}`,
          )
        : fail(
            'kafka',
            spec.topic,
            'topic',
            differences
              .map(
                (entry) => `${entry.name}=${settings.get(entry.name) ?? '(unset)'}, planned ${entry.value}`,
              )
              .join('; '),
            {
              text: 'set the planned values on the topic',
              commands: [
                `kafka-configs.sh --bootstrap-server ${observation.brokers[0]} --alter --entity-type topics --entity-name ${spec.topic} --add-config ${differences.map((entry) => `${entry.name}=[${entry.value}]`).join(',')}`,
              ],
            },
          ),
    );
  }
  for (const problem of observation.problems) {
    checks.push(
      fail('kafka', brokers, 'co-partitioned topics', problem, {
        text: 'a state topic needs as many partitions as the topic it follows',
        commands: [
          `kafka-topics.sh --bootstrap-server ${observation.brokers[0]} --alter --topic <topic> --partitions <n>`,
        ],
      }),
    );
  }
  return checks;
}

/** Datadog: the API key is valid on the configured site (or URL). The key itself is never shown. */
export function datadogChecks(observation: DatadogObservation): Check[] {
  const name = 'API key valid';
  if (!observation.configured) {
    return [
      fail('datadog', 'DD_API_KEY', name, observation.problem, {
        text: 'set DD_API_KEY or DD_API_KEY_FILE, and DD_SITE (or DD_URL), as for the emitter',
        commands: [],
      }),
    ];
  }
  const { endpoint, check } = observation;
  switch (check.kind) {
    case 'valid':
      return [pass('datadog', endpoint, name, 'accepted')];
    case 'invalid':
      return [
        fail('datadog', endpoint, name, `refused (HTTP ${check.status})`, {
          text: "use an API key (not an application key) of the organization on this site: Organization Settings → API Keys; DD_SITE must be the site the organization lives on (the site in the browser's address)",
          commands: [],
        }),
      ];
    case 'misconfigured':
      return [fail('datadog', endpoint, name, check.reason, { text: check.fix, commands: [] })];
    case 'unknown':
      return [
        fail('datadog', endpoint, name, `cannot tell: ${check.reason}`, {
          text: 'check the network path to Datadog (HTTPS_PROXY / NO_PROXY) and try again',
          commands: [],
        }),
      ];
  }
}

/** 0 when every check passed, 1 when any failed (2, a usage error, is the CLI's own). */
export function doctorExitCode(checks: readonly Check[]): 0 | 1 {
  return checks.every((check) => check.ok) ? 0 : 1;
}
