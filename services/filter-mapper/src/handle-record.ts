import { MappingError, type MappingOptions, mapRecord, type RuleSet } from '@trailstream/mapping';
import type { StageMessage, TransactionOutput } from '@trailstream/runtime';
import {
  type CloudTrailRecord,
  ContractError,
  cloudTrailRecordContract,
  datadogOutputContract,
  type RecordOrigin,
} from '@trailstream/schemas';
import type { FilterMapperMetrics } from './metrics.js';
import type { RecordAudit } from './record-audit.js';

export interface RecordHandlerOptions {
  rules: () => RuleSet;
  mapping: MappingOptions;
  outputTopic: string;
  metrics: FilterMapperMetrics;
  /** Reconciliation counts; absent where nothing is reconciled (benchmarks, unit tests). */
  audit?: RecordAudit;
}

/**
 * One record in, its Datadog outputs out, inside the stage's transaction. A message that can never
 * map (not a record, not CloudTrail) is dead-lettered with its reason; nothing here is transient.
 */
export function createRecordHandler(options: RecordHandlerOptions) {
  const { metrics } = options;
  const deadLetter = async (
    output: TransactionOutput,
    reasonClass: string,
    reasonMessage: string,
    record?: { value: Buffer; origin: RecordOrigin },
  ) => {
    metrics.records.inc({ decision: 'dead-lettered' });
    const subject = record ? { value: record.value, record: record.origin } : undefined;
    await output.deadLetter({ reasonClass, reasonMessage, attempts: 1 }, subject);
  };

  return async function handleRecord(message: StageMessage, output: TransactionOutput): Promise<void> {
    // A message that is no record has no origin: it cannot be counted in any stream.
    if (message.value === null) return deadLetter(output, 'empty-message', 'the message has no value');
    let record: CloudTrailRecord;
    try {
      record = cloudTrailRecordContract.decode(message.value, message.headers);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      return deadLetter(output, 'undecodable-record', error.message);
    }

    let mapped: ReturnType<typeof mapRecord>;
    try {
      mapped = mapRecord(record.json, options.rules(), options.mapping, record.origin);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      options.audit?.deadLettered(message, record.origin, error.reasonClass);
      return deadLetter(output, error.reasonClass, error.message, {
        value: message.value,
        origin: record.origin,
      });
    }

    const { decision, outputs } = mapped;
    metrics.records.inc({ decision: decision.kind });
    if (decision.kind !== 'not-included') metrics.ruleMatches.inc({ rule: decision.rule.name });
    for (const item of outputs) metrics.outputs.inc({ kind: item.kind });
    const messages = outputs.map((item) => ({ key: item.eventID, ...datadogOutputContract.encode(item) }));
    await output.send(
      options.outputTopic,
      options.audit ? options.audit.mapped(message, record, mapped, messages) : messages,
    );
  };
}
