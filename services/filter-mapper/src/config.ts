import { defaultRulesPath, outputModes } from '@trailstream/mapping';
import {
  auditSettings,
  type Config,
  env,
  transactionalStageEnv,
  transactionalStageSettings,
} from '@trailstream/runtime';

/** Measured against 1,000 (see the service README): the same CPU per record. */
export const defaultMessagesPerTransaction = 200;

export const filterMapperEnv = {
  ...transactionalStageEnv('filter-mapper'),
  /** The rules YAML; in Kubernetes a ConfigMap mount. Defaults to the shipped rules. */
  RULES_FILE: env.string(defaultRulesPath),
  /** How often the rules file is re-read; a change is applied without a restart. */
  RULES_RELOAD_INTERVAL_MS: env.integer(5_000, { min: 100, max: 3_600_000 }),
  /** events, logs, or both. */
  OUTPUT_MODE: env.oneOf(outputModes, 'events'),
  /** `service` of log entries in logs mode. */
  LOG_SERVICE: env.string('cloudtrail'),
  PARTITIONS_CONSUMED_CONCURRENTLY: env.integer(4, { min: 1, max: 256 }),
  /**
   * Input records handled in one transaction at most (the transaction's own bounds, records out and
   * time, still end it sooner): each costs a few requests to the coordinator, fewer when it holds more.
   */
  RECORDS_PER_TRANSACTION: env.integer(defaultMessagesPerTransaction, { min: 1, max: 10_000 }),
};

export type FilterMapperConfig = Config<typeof filterMapperEnv>;
export type FilterMapperSettings = ReturnType<typeof filterMapperOptions>;

/** What filter-mapper runs with, from its settings. */
export function filterMapperOptions(config: FilterMapperConfig) {
  return {
    ...transactionalStageSettings('filter-mapper', config),
    mapping: { mode: config.OUTPUT_MODE, logService: config.LOG_SERVICE },
    rulesFile: config.RULES_FILE,
    rulesReloadIntervalMs: config.RULES_RELOAD_INTERVAL_MS,
    outputTopic: config.TOPIC_DATADOG,
    reconciliation: auditSettings(config),
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    maxMessagesPerTransaction: config.RECORDS_PER_TRANSACTION,
  };
}
