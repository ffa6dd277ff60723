import { formatTable } from '../table.js';
import type { Check } from './checks.js';

const MARK = { ok: '✔', failed: '✘' } as const;

/** What `trailstream doctor` prints: one row per check, then each failed check's fix, numbered. */
export function formatDoctorReport(checks: readonly Check[]): string {
  const failed = checks.filter((check) => !check.ok);
  let number = 0;
  const numbers = new Map(failed.map((check) => [check, ++number]));
  const rows = checks.map((check) => [
    check.ok ? MARK.ok : `${MARK.failed} ${numbers.get(check)}`,
    check.area,
    check.subject,
    check.name,
    check.detail,
  ]);
  // A fix shared by several checks (the same bucket policy for each region) is printed once.
  const printed = new Map<string, number>();
  const fixes = failed.map((check) => {
    const lines = [`${MARK.failed} ${numbers.get(check)}  ${check.area} ${check.subject}: ${check.name}`];
    const fix = check.fix;
    const key = JSON.stringify(fix);
    const earlier = printed.get(key);
    if (earlier !== undefined) {
      lines.push(`   the same fix as ✘ ${earlier}`);
    } else if (fix) {
      printed.set(key, numbers.get(check)!);
      lines.push(`   ${fix.text}`);
      for (const command of fix.commands) lines.push(`   $ ${command}`);
      if (fix.statement !== undefined) {
        lines.push(
          ...JSON.stringify(fix.statement, null, 2)
            .split('\n')
            .map((line) => `   ${line}`),
        );
      }
    }
    return lines.join('\n');
  });
  const summary = `${checks.length - failed.length} passed, ${failed.length} failed`;
  return [
    formatTable(['', 'area', 'subject', 'check', 'detail'], rows),
    ...(fixes.length > 0 ? ['', 'How to fix:', '', fixes.join('\n\n')] : []),
    '',
    summary,
  ].join('\n');
}

/** `--json`: every check with its fix, for scripts. */
export function doctorJson(checks: readonly Check[]): string {
  const failed = checks.filter((check) => !check.ok).length;
  return JSON.stringify({ passed: checks.length - failed, failed, checks }, null, 2);
}
