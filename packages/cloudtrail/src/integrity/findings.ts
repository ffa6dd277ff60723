/** What integrity validation can find wrong with a trail; one Datadog event and metric label each. */
export const FINDING_KINDS = [
  'digest-signature-invalid',
  'digest-missing',
  'log-file-missing',
  'log-file-modified',
  'log-file-unlisted',
  'digest-chain-restarted',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

export interface IntegrityFinding {
  kind: FindingKind;
  accountId: string;
  region: string;
  /** The trail whose digest chain found it; null for a log file no trail's digest lists. */
  trailName: string | null;
  /** The object concerned: the digest or log file. */
  bucket: string;
  key: string;
  detail: string;
}

export const FINDING_TITLES: Readonly<Record<FindingKind, string>> = {
  'digest-signature-invalid': 'CloudTrail digest signature invalid',
  'digest-missing': 'CloudTrail digest missing (chain gap)',
  'log-file-missing': 'CloudTrail log file missing',
  'log-file-modified': 'CloudTrail log file modified',
  'log-file-unlisted': 'CloudTrail log file in no digest',
  'digest-chain-restarted': 'CloudTrail digest chain restarted',
};

/** One finding, once: the same kind on the same object is the same finding however often it is seen. */
export function findingId(finding: Pick<IntegrityFinding, 'kind' | 'bucket' | 'key'>): string {
  return `${finding.kind} s3://${finding.bucket}/${finding.key}`;
}
