import type { ChainState } from './chain-state.js';
import type { StreamEventKind } from './events.js';

export interface SilenceTransition<S extends ChainState = ChainState> {
  state: S;
  kind: Extract<StreamEventKind, 'silent' | 'recovered'>;
  /** The last digest or log file of the stream (epoch ms). */
  lastActivity: number;
}

/**
 * Which streams turn silent (neither digest nor log file within the window) or come back, given when
 * each last had a digest and when its log folder last had a file. Each turn is reported once: the
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
    const lastActivity = Math.max(state.lastDigestAt, lastLogFileAt(state.area) ?? 0);
    const quiet = now - lastActivity > windowMs;
    if (quiet && !state.silent) transitions.push({ state, kind: 'silent', lastActivity });
    if (!quiet && state.silent) transitions.push({ state, kind: 'recovered', lastActivity });
  }
  return transitions;
}
