import { parseUtcDay, utcDayStart } from '@trailstream/cloudtrail';
import { CliError } from './cli-error.js';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (the day's start, or its end for --until) or an ISO time such as `2026-12-01T10:00:00Z`. */
export function parseTime(flag: string, value: string | undefined, endOfDay: boolean): number {
  if (value === undefined) throw new CliError(`${flag} is required (YYYY-MM-DD or an ISO time)`);
  const day = parseUtcDay(value);
  if (day) return utcDayStart(day) + (endOfDay ? DAY_MS - 1 : 0);
  const time = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new CliError(`${flag} expects YYYY-MM-DD or an ISO time, got "${value}"`);
  return time;
}

export const iso = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
