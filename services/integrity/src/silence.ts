import type { ChainState } from './chain-state.js';
import type { StreamEventKind } from './events.js';

export interface SilenceTransition<S extends ChainState = ChainState> {
  state: S;
  kind: Extract<StreamEventKind, 'silent' | 'recovered'>;
  /** When the stream's last digest or log file was delivered (epoch ms). */
  lastActivity: number;
}

/**
 * Which streams turn silent (neither digest nor log file within the window) or come back, given its
 * last digest's end time (CloudTrail delivers it minutes later) and its folder's newest log file (the
 * delivery time in the name). Each turn is reported once: the
 * state's `silent` flag records it.
 */
export function silenceTransitions<S extends ChainState>(
  states: readonly S[],
  lastLogFileAt: (area: string) => number | null,
  now: number,
  windowMs: number,
): SilenceTransition<S>[] {
  const transitions: SilenceTransition<S>[] = [];
  for (const state of states) {
    const lastActivity = Math.max(state.link.endTime, lastLogFileAt(state.area) ?? 0);
    const quiet = now - lastActivity > windowMs;
    if (quiet && !state.silent) transitions.push({ state, kind: 'silent', lastActivity });
    if (!quiet && state.silent) transitions.push({ state, kind: 'recovered', lastActivity });
  }
  return transitions;
}
