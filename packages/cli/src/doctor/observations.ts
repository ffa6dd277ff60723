import type { KeyFilterRules, TrailSource } from '@trailstream/cloudtrail';
import type { KeyCheck } from '@trailstream/datadog';
import type { TopicSpec } from '@trailstream/runtime';
import type { AwsOutcome } from './aws-failures.js';

/** What `doctor` looked at, call by call: the checks are decided from these alone. */

export interface TrailSummary {
  name: string;
  arn: string;
  homeRegion: string;
  /** The account that owns the trail (from its ARN): the folder its own logs go to. */
  accountId: string;
  bucket: string;
  /** The trail's S3 key prefix, without a trailing slash; '' when it has none. */
  keyPrefix: string;
  multiRegion: boolean;
  organization: boolean;
  logFileValidation: boolean;
  kmsKeyId: string | null;
}

export interface TrailStatusSummary {
  logging: boolean;
  latestDeliveryError: string | null;
  latestDigestDeliveryError: string | null;
  /** Epoch ms, or null when CloudTrail reports none. */
  latestDeliveryTime: number | null;
  stoppedLoggingAt: number | null;
}

/** DescribeTrails in one region: the trails that log it (its own, and other regions' multi-region trails). */
export interface RegionObservation {
  region: string;
  /** An opt-in region: not enabled for every account. */
  optIn: boolean;
  trails: AwsOutcome<TrailSummary[]>;
}

/** The newest file of one kind in one region folder of the trail, within the recent window. */
export interface RegionFiles {
  region: string;
  latestLog: AwsOutcome<string | null>;
  /** GetObject on the newest log file; null when there was none to read. */
  read: AwsOutcome<void> | null;
  /** Null when the trail does not validate log files (no digests to look for). */
  latestDigest: AwsOutcome<string | null> | null;
}

export interface BucketObservation {
  /** The bucket's region. */
  location: AwsOutcome<string>;
  /** ListBucket on the trail's `AWSLogs/` folder: the organization folder found there, if any. */
  listing: AwsOutcome<{ organizationId: string | null }>;
  regions: RegionFiles[];
}

export interface BucketNotificationSummary {
  queues: { arn: string; events: string[]; prefix: string }[];
  topics: { arn: string; events: string[]; prefix: string }[];
  eventBridge: boolean;
}

/**
 * One source discovery reads, from the discovery service's own settings. Each is checked on its own,
 * with the credentials of the role SOURCE_ROLES names for it, if any.
 */
export type DiscoverySource =
  | { kind: 'queue'; url: string; arn: AwsOutcome<string> }
  | { kind: 'listing'; text: string; source: TrailSource };

/** A role SOURCE_ROLES names, assumed as the stages would; the external id itself is never kept. */
export interface SourceRoleObservation {
  roleArn: string;
  sessionName: string;
  stsRegion: string;
  externalIdSet: boolean;
  /** The buckets (`s3://…`) and queue URLs it is named for. */
  sources: string[];
  /** Who doctor itself is (GetCallerIdentity): the principal the role's trust policy must name. */
  caller: AwsOutcome<string>;
  /** Who the assumed credentials act as (GetCallerIdentity with them). */
  assumed: AwsOutcome<string>;
}

export interface DiscoveryObservation {
  sources: DiscoverySource[];
  /** SOURCE_ROLES, each role once. */
  roles: SourceRoleObservation[];
  /** ACCOUNTS_ALLOW / _DENY and REGIONS_ALLOW / _DENY: files discovery drops even when it sees them. */
  filters: KeyFilterRules;
  /** Settings that do not parse, in the discovery service's words. */
  problems: string[];
}

export interface TrailObservation {
  trail: TrailSummary;
  status: AwsOutcome<TrailStatusSummary>;
  bucket: BucketObservation;
  /** Null when no queue is configured (nothing a notification could reach). */
  notification: AwsOutcome<BucketNotificationSummary> | null;
}

export interface ObservedTopic {
  spec: TopicSpec;
  /** Partitions it has; null when it does not exist. */
  partitions: number | null;
  /** Its settings as the brokers report them; null when it does not exist. */
  settings: ReadonlyMap<string, string> | null;
}

export type KafkaObservation =
  | { configured: false; problem: string }
  | { configured: true; brokers: string[]; reachable: false; reason: string }
  | { configured: true; brokers: string[]; reachable: true; topics: ObservedTopic[]; problems: string[] };

export type DatadogObservation =
  | { configured: false; problem: string }
  | { configured: true; endpoint: string; check: KeyCheck };
