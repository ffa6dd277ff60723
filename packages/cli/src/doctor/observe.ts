import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  awsLogsPrefix,
  type CloudTrailFileKind,
  dayPrefix,
  everyAccountAndRegion,
  parseTrailSource,
  sortChildren,
  startAfterKey,
  utcDayOf,
} from '@trailstream/cloudtrail';
import { apiKeySourceFromEnv, DatadogClient, readApiKey } from '@trailstream/datadog';
import {
  type Config,
  ConfigError,
  discoveryScopeEnv,
  loadConfig,
  planTopics,
  readExistingTopics,
  readTopicSettings,
  topicSpecs,
} from '@trailstream/runtime';
import {
  type AssumedCredentialsProvider,
  AssumeRoleError,
  type ClientsBySource,
  clientsBySource,
  listChildFolders,
  listFolderObjects,
  noSourceRoles,
  SourceCredentials,
  type SourceRoles,
  stageSourceRoles,
} from '@trailstream/trail-bucket';
import { CliError } from '../cli-error.js';
import { datadogTargetFrom } from '../datadog-target.js';
import { connectKafka } from '../kafka-connection.js';
import { type AwsOutcome, attempt } from './aws-failures.js';
import { RECENT_WINDOW_HOURS, trailSource } from './checks.js';
import type {
  BucketNotificationSummary,
  BucketObservation,
  DatadogObservation,
  DiscoveryObservation,
  DiscoverySource,
  KafkaObservation,
  RegionFiles,
  RegionObservation,
  SourceRoleObservation,
  TrailObservation,
  TrailStatusSummary,
  TrailSummary,
} from './observations.js';
import { isOptInRegion } from './regions.js';

/**
 * AWS clients per region, made on first use; credentials and endpoint from the default chain, or for a
 * source that SOURCE_ROLES names (once `useSourceRoles` has them) the role's, as the stages would.
 */
export class AwsClients {
  readonly #cloudTrail = new Map<string, CloudTrailClient>();
  readonly #s3 = new Map<string, S3Client>();
  #sourceCredentials = new SourceCredentials(noSourceRoles);
  #sourceRoles: SourceRoles = noSourceRoles;
  #buckets: ClientsBySource<AwsClients> = this.#bySource(() => undefined);
  #queues: ClientsBySource<AwsClients> = this.#bySource(() => undefined);
  readonly sqs: SQSClient;

  constructor(
    readonly defaultRegion: string,
    private readonly credentials?: AssumedCredentialsProvider,
  ) {
    this.sqs = new SQSClient({ region: defaultRegion, ...this.#credentialsOption() });
  }

  cloudTrail(region: string): CloudTrailClient {
    const client =
      this.#cloudTrail.get(region) ?? new CloudTrailClient({ region, ...this.#credentialsOption() });
    this.#cloudTrail.set(region, client);
    return client;
  }

  s3(region: string): S3Client {
    const client =
      this.#s3.get(region) ??
      new S3Client({
        region,
        forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL),
        ...this.#credentialsOption(),
      });
    this.#s3.set(region, client);
    return client;
  }

  useSourceRoles(roles: SourceRoles): void {
    const credentials = new SourceCredentials(roles);
    this.#sourceRoles = roles;
    this.#sourceCredentials = credentials;
    this.#buckets = this.#bySource((bucket) => credentials.forBucket(bucket));
    this.#queues = this.#bySource((queueUrl) => credentials.forQueue(queueUrl));
  }

  get sourceRoles(): SourceRoles {
    return this.#sourceRoles;
  }

  get sourceCredentials(): SourceCredentials {
    return this.#sourceCredentials;
  }

  /** The clients a bucket is read with: its role's when SOURCE_ROLES names one. */
  forBucket(bucket: string): AwsClients {
    return this.#buckets.for(bucket);
  }

  forQueue(queueUrl: string): AwsClients {
    return this.#queues.for(queueUrl);
  }

  destroy(): void {
    for (const client of [...this.#cloudTrail.values(), ...this.#s3.values(), this.sqs]) client.destroy();
    for (const assumed of [...this.#buckets.all(), ...this.#queues.all()]) {
      if (assumed !== this) assumed.destroy();
    }
    this.#sourceCredentials.destroy();
  }

  /** This for a source without a role, else clients with the role's credentials, made once per source. */
  #bySource(
    credentialsFor: (source: string) => AssumedCredentialsProvider | undefined,
  ): ClientsBySource<AwsClients> {
    return clientsBySource<AwsClients>(
      this,
      credentialsFor,
      (credentials) => new AwsClients(this.defaultRegion, credentials),
    );
  }

  #credentialsOption() {
    return this.credentials ? { credentials: this.credentials } : {};
  }
}

const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);
const time = (value: Date | undefined) =>
  value instanceof Date && !Number.isNaN(value.getTime()) ? value.getTime() : null;

/** DescribeTrails in a region, shadow trails included: every trail that logs the region. */
export async function observeRegion(aws: AwsClients, region: string): Promise<RegionObservation> {
  const trails = await attempt({ permission: 'cloudtrail:DescribeTrails', resource: '*' }, async () => {
    const { trailList = [] } = await aws
      .cloudTrail(region)
      .send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    return trailList.flatMap((trail): TrailSummary[] => {
      if (!trail.TrailARN || !trail.Name || !trail.S3BucketName) return [];
      return [
        {
          name: trail.Name,
          arn: trail.TrailARN,
          homeRegion: trail.HomeRegion ?? region,
          accountId: trail.TrailARN.split(':')[4] ?? '',
          bucket: trail.S3BucketName,
          keyPrefix: (trail.S3KeyPrefix ?? '').replace(/\/+$/, ''),
          multiRegion: trail.IsMultiRegionTrail === true,
          organization: trail.IsOrganizationTrail === true,
          logFileValidation: trail.LogFileValidationEnabled === true,
          kmsKeyId: text(trail.KmsKeyId),
        },
      ];
    });
  });
  return { region, optIn: isOptInRegion(region), trails };
}

/** GetTrailStatus, asked in the trail's home region. */
export function observeTrailStatus(
  aws: AwsClients,
  trail: TrailSummary,
): Promise<AwsOutcome<TrailStatusSummary>> {
  return attempt({ permission: 'cloudtrail:GetTrailStatus', resource: trail.arn }, async () => {
    const status = await aws
      .cloudTrail(trail.homeRegion)
      .send(new GetTrailStatusCommand({ Name: trail.arn }));
    return {
      logging: status.IsLogging === true,
      latestDeliveryError: text(status.LatestDeliveryError),
      latestDigestDeliveryError: text(status.LatestDigestDeliveryError),
      latestDeliveryTime: time(status.LatestDeliveryTime),
      stoppedLoggingAt: time(status.StopLoggingTime),
    };
  });
}

/** The newest key of one kind in a region folder delivered in the recent window, or null. */
async function newestKey(
  s3: S3Client,
  trail: TrailSummary,
  organizationId: string | null,
  region: string,
  kind: CloudTrailFileKind,
  now: number,
): Promise<string | null> {
  const stream = { ...trailStream(trail, organizationId), region, kind };
  const since = now - RECENT_WINDOW_HOURS * 3_600_000;
  let newest: string | null = null;
  for (const [day, startAfter] of [
    [utcDayOf(since), startAfterKey(stream, since)],
    [utcDayOf(now), undefined],
  ] as const) {
    const objects = await listFolderObjects(
      s3,
      trail.bucket,
      { prefix: dayPrefix(stream, day), startAfter },
      () => {},
    );
    const last = objects.at(-1)?.key;
    if (last !== undefined && (newest === null || last > newest)) newest = last;
  }
  return newest;
}

function trailStream(trail: TrailSummary, organizationId: string | null) {
  return { prefix: trailSource(trail).basePrefix, organizationId, accountId: trail.accountId };
}

/** The region a bucket lives in, from GetBucketLocation's LocationConstraint. */
export function bucketRegion(locationConstraint: string | undefined): string {
  if (!locationConstraint) return 'us-east-1';
  return locationConstraint === 'EU' ? 'eu-west-1' : locationConstraint;
}

/** The trail's bucket: where it is, whether its folder can be listed, and each region's newest files. */
export async function observeBucket(
  aws: AwsClients,
  trail: TrailSummary,
  regions: readonly string[],
  now: number,
): Promise<BucketObservation> {
  const bucketArn = `arn:aws:s3:::${trail.bucket}`;
  const location = await attempt({ permission: 's3:GetBucketLocation', resource: bucketArn }, async () =>
    bucketRegion(
      (await aws.s3(aws.defaultRegion).send(new GetBucketLocationCommand({ Bucket: trail.bucket })))
        .LocationConstraint,
    ),
  );
  const s3 = aws.s3(location.ok ? location.value : aws.defaultRegion);
  const folder = awsLogsPrefix(trailSource(trail));
  const list = { permission: 's3:ListBucket', resource: bucketArn };
  const listing = await attempt(list, async () => {
    const children = sortChildren(await listChildFolders(s3, trail.bucket, folder, () => {}));
    // An organization trail writes the management account's files under AWSLogs/<o-id>/ too.
    return { organizationId: trail.organization ? (children.organizations[0] ?? null) : null };
  });
  if (!listing.ok) return { location, listing, regions: [] };
  const { organizationId } = listing.value;
  const files = regions.map(async (region): Promise<RegionFiles> => {
    const latestLog = await attempt(list, () => newestKey(s3, trail, organizationId, region, 'log', now));
    const read =
      latestLog.ok && latestLog.value !== null ? await readObject(s3, trail, latestLog.value) : null;
    const latestDigest = trail.logFileValidation
      ? await attempt(list, () => newestKey(s3, trail, organizationId, region, 'digest', now))
      : null;
    return { region, latestLog, read, latestDigest };
  });
  return { location, listing, regions: await Promise.all(files) };
}

/** GetObject on a log file, its first byte only: proves s3:GetObject (and kms:Decrypt) without a download. */
function readObject(s3: S3Client, trail: TrailSummary, key: string): Promise<AwsOutcome<void>> {
  const resource = `arn:aws:s3:::${trail.bucket}/${awsLogsPrefix(trailSource(trail))}*`;
  return attempt({ permission: 's3:GetObject', resource }, async () => {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: trail.bucket, Key: key, Range: 'bytes=0-0' }),
    );
    await object.Body?.transformToByteArray();
  });
}

/** The bucket's notification configuration, summarised. */
export function observeNotification(
  aws: AwsClients,
  trail: TrailSummary,
  region: string,
): Promise<AwsOutcome<BucketNotificationSummary>> {
  return attempt(
    { permission: 's3:GetBucketNotification', resource: `arn:aws:s3:::${trail.bucket}` },
    async () => {
      const configuration = await aws
        .s3(region)
        .send(new GetBucketNotificationConfigurationCommand({ Bucket: trail.bucket }));
      const prefixOf = (rules: { Name?: string; Value?: string }[] | undefined) =>
        rules?.find((rule) => rule.Name?.toLowerCase() === 'prefix')?.Value ?? '';
      return {
        queues: (configuration.QueueConfigurations ?? []).map((entry) => ({
          arn: entry.QueueArn ?? '',
          events: entry.Events ?? [],
          prefix: prefixOf(entry.Filter?.Key?.FilterRules),
        })),
        topics: (configuration.TopicConfigurations ?? []).map((entry) => ({
          arn: entry.TopicArn ?? '',
          events: entry.Events ?? [],
          prefix: prefixOf(entry.Filter?.Key?.FilterRules),
        })),
        eventBridge: configuration.EventBridgeConfiguration !== undefined,
      };
    },
  );
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → the queue's ARN; `*` when the URL does not say. */
export function queueArnFromUrl(url: string, region: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  const [account, name] = parsed?.pathname.split('/').filter(Boolean) ?? [];
  if (!account || !name || !/^\d{12}$/.test(account)) return '*';
  const urlRegion = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(parsed?.hostname ?? '')?.[1];
  return `arn:aws:sqs:${urlRegion ?? region}:${account}:${name}`;
}

/**
 * The identity doctor runs with, and each role SOURCE_ROLES names assumed as the stages would (its
 * session name, STS region and external id): who its credentials act as, or why STS refused.
 */
export async function observeSourceRoles(aws: AwsClients): Promise<SourceRoleObservation[]> {
  const entries = aws.sourceRoles.sources();
  if (entries.length === 0) return [];
  const credentials = aws.sourceCredentials;
  const caller = await attempt({ permission: 'sts:GetCallerIdentity', resource: '*' }, () =>
    credentials.callerArn(null, aws.defaultRegion),
  );
  const byRole = new Map<string, SourceRoleObservation>();
  for (const { source, role } of entries) {
    const id = JSON.stringify([role.roleArn, role.externalId, role.sessionName, role.stsRegion]);
    const name = source.kind === 'bucket' ? `s3://${source.bucket}` : source.queueUrl;
    const known = byRole.get(id);
    if (known) {
      known.sources.push(name);
      continue;
    }
    const assumed = await attempt({ permission: 'sts:AssumeRole', resource: role.roleArn }, () =>
      credentials.callerArn(role, aws.defaultRegion).catch((error: unknown) => {
        // What STS said, for the check to sort (denied, unrecognized...): the wrapper only adds context.
        throw error instanceof AssumeRoleError ? error.cause : error;
      }),
    );
    byRole.set(id, {
      roleArn: role.roleArn,
      sessionName: role.sessionName,
      stsRegion: role.stsRegion,
      externalIdSet: role.externalId !== null,
      sources: [name],
      caller,
      assumed,
    });
  }
  return [...byRole.values()];
}

/** The sources the discovery service would read, from its own variables, each queue asked for its ARN. */
export async function observeDiscovery(
  aws: AwsClients,
  env: NodeJS.ProcessEnv,
): Promise<DiscoveryObservation> {
  let settings: Config<typeof discoveryScopeEnv>;
  try {
    settings = loadConfig(discoveryScopeEnv, env);
    aws.useSourceRoles(
      stageSourceRoles(
        { SOURCE_ROLES: env.SOURCE_ROLES, AWS_REGION: aws.defaultRegion },
        'discovery',
        (problems) => new ConfigError(problems),
      ),
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      return { sources: [], filters: everyAccountAndRegion(), problems: error.problems, roles: [] };
    }
    throw error;
  }
  const roles = await observeSourceRoles(aws);
  const filters = everyAccountAndRegion({
    accountsAllow: new Set(settings.ACCOUNTS_ALLOW),
    accountsDeny: new Set(settings.ACCOUNTS_DENY),
    regionsAllow: new Set(settings.REGIONS_ALLOW),
    regionsDeny: new Set(settings.REGIONS_DENY),
  });
  const problems: string[] = [];
  const sources: DiscoverySource[] = [];
  for (const entry of settings.POLL_SOURCES) {
    const source = parseTrailSource(entry);
    if (typeof source === 'string') problems.push(`POLL_SOURCES entry "${entry}" is invalid: ${source}`);
    else sources.push({ kind: 'listing', text: entry, source });
  }
  for (const url of settings.SQS_QUEUE_URLS) {
    const arn = await attempt(
      { permission: 'sqs:GetQueueAttributes', resource: queueArnFromUrl(url, aws.defaultRegion) },
      async () => {
        const { Attributes } = await aws
          .forQueue(url)
          .sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
        if (!Attributes?.QueueArn) throw new Error('the queue has no QueueArn attribute');
        return Attributes.QueueArn;
      },
    );
    sources.push({ kind: 'queue', url, arn });
  }
  return { sources, filters, problems, roles };
}

/** Everything about one trail, for the regions of the selection it logs. */
export async function observeTrail(
  aws: AwsClients,
  trail: TrailSummary,
  regions: readonly string[],
  discovery: DiscoveryObservation,
  now: number,
): Promise<TrailObservation> {
  const bucketClients = aws.forBucket(trail.bucket);
  const [status, bucket] = await Promise.all([
    observeTrailStatus(aws, trail),
    observeBucket(bucketClients, trail, regions, now),
  ]);
  const hasQueue = discovery.sources.some((source) => source.kind === 'queue');
  const region = bucket.location.ok ? bucket.location.value : aws.defaultRegion;
  return {
    trail,
    status,
    bucket,
    notification: hasQueue ? await observeNotification(bucketClients, trail, region) : null,
  };
}

/** Kafka at KAFKA_BROKERS: reachable within `timeoutMs`, and each planned topic's partitions and settings. */
export async function observeKafka(
  brokersFlag: string | undefined,
  timeoutMs: number,
): Promise<KafkaObservation> {
  let connection: ReturnType<typeof connectKafka>;
  try {
    connection = connectKafka(brokersFlag);
  } catch (error) {
    if (error instanceof CliError) return { configured: false, problem: error.message.split('\n')[0]! };
    throw error;
  }
  const { kafka, topics, config } = connection;
  const brokers = config.KAFKA_BROKERS;
  const specs = topicSpecs(topics);
  const read = async () => {
    const existing = await readExistingTopics(kafka, specs);
    const names = [...new Set(specs.flatMap((spec) => spec.configEntries.map((entry) => entry.name)))];
    const settings = await readTopicSettings(kafka, [...existing.keys()], names);
    return { existing, settings };
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const { existing, settings } = await Promise.race([read(), timeout]);
    return {
      configured: true,
      brokers,
      reachable: true,
      topics: specs.map((spec) => ({
        spec,
        partitions: existing.get(spec.topic) ?? null,
        settings: settings.get(spec.topic) ?? null,
      })),
      problems: planTopics(
        specs.filter((spec) => existing.has(spec.topic)),
        existing,
      ).problems,
    };
  } catch (error) {
    return { configured: true, brokers, reachable: false, reason: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** The Datadog key checked on the site (or URL) the emitter would use; the key never leaves the client. */
export async function observeDatadog(
  site: string | undefined,
  url: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<DatadogObservation> {
  let client: DatadogClient;
  try {
    const target = datadogTargetFrom(site, url, env);
    const apiKey = await readApiKey(apiKeySourceFromEnv(env));
    client = new DatadogClient({ target, apiKey, timeoutMs: 10_000 });
  } catch (error) {
    return { configured: false, problem: (error as Error).message };
  }
  try {
    return {
      configured: true,
      endpoint: client.endpoints.validate.origin,
      check: await client.validateKey(),
    };
  } catch (error) {
    return {
      configured: true,
      endpoint: client.endpoints.validate.origin,
      check: { kind: 'unknown', reason: (error as Error).message },
    };
  } finally {
    await client.close();
  }
}
