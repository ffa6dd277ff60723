/** Why a record cannot become Datadog output, as a stable class for dead letters and metrics. */
export type MappingReason = 'invalid-record' | 'log-too-large' | 'record-too-deep';

/** A record that will never map, however often it is retried: it goes to the dead-letter topic. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    readonly reasonClass: MappingReason,
    message: string,
  ) {
    super(message);
  }
}
