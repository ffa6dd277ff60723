import { parseCloudTrailKey } from '../key-layout.js';
import { type ChainLink, checkDigest, goneDigestFinding, type IntegritySource } from './digest-chain.js';
import { type DigestStream, digestStreamId, parseDigestKey } from './digest-file.js';
import type { IntegrityFinding } from './findings.js';
import type { PublicKeySource } from './public-keys.js';

const HOUR_MS = 3_600_000;
/** Log file names carry the delivery minute; a digest's hour starts and ends at seconds within one. */
const NAME_PRECISION_MS = 60_000;

export interface VerifyRequest {
  bucket: string;
  /** Every digest key listed for the range (any order, any stream). */
  digestKeys: readonly string[];
  /** Every log file key listed for the range. */
  logFileKeys: readonly string[];
  /** Epoch ms: digests ending from `since` to one hour after `until` (the hour after holds the last files). */
  since: number;
  until: number;
}

export interface ChainSummary {
  stream: DigestStream;
  digests: number;
  validDigests: number;
  logFiles: number;
  /** digestStartTime of the first and digestEndTime of the last digest checked (epoch ms). */
  from: number | null;
  to: number | null;
}

export interface VerifyReport {
  chains: ChainSummary[];
  logFilesChecked: number;
  findings: IntegrityFinding[];
}

/** The account × region whose log folder a digest chain covers; several trails may share it. */
const logAreaOf = (s: { prefix: string; organizationId: string | null; accountId: string; region: string }) =>
  `${s.prefix}|${s.organizationId ?? ''}|${s.accountId}|${s.region}`;

/**
 * `trailstream verify`'s checks over a listed range: each digest chain oldest first (signature, link,
 * listed log files), then every log file delivered inside a chain's span that no digest lists.
 */
export async function verifyTrail(
  request: VerifyRequest,
  source: IntegritySource,
  keys: PublicKeySource,
): Promise<VerifyReport> {
  const chains = new Map<string, { stream: DigestStream; keys: { key: string; endTime: number }[] }>();
  for (const key of request.digestKeys) {
    const parsed = parseDigestKey(key);
    if (!parsed || parsed.endTime < request.since || parsed.endTime > request.until + HOUR_MS) continue;
    const id = digestStreamId(parsed.stream);
    const chain = chains.get(id) ?? { stream: parsed.stream, keys: [] };
    chain.keys.push({ key, endTime: parsed.endTime });
    chains.set(id, chain);
  }

  const findings: IntegrityFinding[] = [];
  const summaries: ChainSummary[] = [];
  const listed = new Set<string>();
  const spans = new Map<string, { from: number; to: number }[]>();
  const gaps: { area: string; from: number; to: number }[] = [];
  let logFilesChecked = 0;
  for (const id of [...chains.keys()].sort()) {
    const { stream, keys: chainKeys } = chains.get(id)!;
    chainKeys.sort((a, b) => a.endTime - b.endTime || a.key.localeCompare(b.key));
    const summary: ChainSummary = { stream, digests: 0, validDigests: 0, logFiles: 0, from: null, to: null };
    let previous: ChainLink | null = null;
    for (const { key } of chainKeys) {
      summary.digests++;
      const loaded = await source.loadDigest(request.bucket, key);
      if (loaded === null) {
        findings.push(goneDigestFinding(stream, request.bucket, key));
        continue;
      }
      const check = await checkDigest(stream, loaded, previous, source, keys);
      findings.push(...check.findings);
      if (!check.findings.some((f) => f.kind === 'digest-signature-invalid' && f.key === key))
        summary.validDigests++;
      summary.logFiles += check.listed.length;
      logFilesChecked += check.listed.length;
      for (const logFile of check.listed) listed.add(logFile);
      if (check.digest) {
        const start = Date.parse(check.digest.digestStartTime);
        // The files a lost digest listed are accounted for by its digest-missing finding.
        if (previous && check.findings.some((f) => f.kind === 'digest-missing')) {
          gaps.push({ area: logAreaOf(stream), from: previous.endTime, to: start });
        }
        summary.from ??= start;
        summary.to = Date.parse(check.digest.digestEndTime);
      }
      previous = check.link;
    }
    summaries.push(summary);
    if (summary.from !== null && summary.to !== null) {
      const area = logAreaOf(stream);
      spans.set(area, [...(spans.get(area) ?? []), { from: summary.from, to: summary.to }]);
    }
  }

  for (const key of request.logFileKeys) {
    const parsed = parseCloudTrailKey(key);
    if (parsed?.kind !== 'log' || parsed.deliveredAt === null) continue;
    if (listed.has(`s3://${request.bucket}/${key}`)) continue;
    const deliveredAt = parsed.deliveredAt;
    const covered = (spans.get(logAreaOf(parsed)) ?? []).some(
      (span) => deliveredAt >= span.from && deliveredAt + NAME_PRECISION_MS <= span.to,
    );
    const inGap = gaps.some(
      (gap) =>
        gap.area === logAreaOf(parsed) &&
        deliveredAt + NAME_PRECISION_MS >= gap.from &&
        deliveredAt <= gap.to,
    );
    if (!covered || inGap) continue;
    findings.push({
      kind: 'log-file-unlisted',
      accountId: parsed.accountId,
      region: parsed.region,
      trailName: null,
      bucket: request.bucket,
      key,
      detail: `delivered ${new Date(deliveredAt).toISOString()}, inside the digests' span, listed by none`,
    });
  }
  return { chains: summaries, logFilesChecked, findings };
}
