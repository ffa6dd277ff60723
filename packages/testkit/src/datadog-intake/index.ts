export type { CountedFault, Fault, IntakeEndpoint } from './fault-script.js';
export { type DatadogIntake, type DatadogIntakeOptions, startDatadogIntake } from './intake-server.js';
export {
  checkEventPayload,
  checkLogBatch,
  checkLogEntry,
  type LogBatchCheck,
  logTimeMs,
} from './payload-checks.js';
export type { IntakeSnapshot, RecordedEvent, RecordedLog, RecordedRejection } from './recording.js';
