import { env, kafkaEnv, serviceEnv, topicsEnv } from '@trailstream/runtime';
import { outputModes } from '../map-record.js';
import { defaultRulesPath } from '../rules/default-rules.js';

export const filterMapperEnv = {
  ...serviceEnv,
  ...kafkaEnv,
  ...topicsEnv,
  /** The rules YAML; in Kubernetes a ConfigMap mount. Defaults to the shipped rules. */
  RULES_FILE: env.string(defaultRulesPath),
  /** How often the rules file is re-read; a change is applied without a restart. */
  RULES_RELOAD_INTERVAL_MS: env.integer(5_000, { min: 100, max: 3_600_000 }),
  /** events, logs, or both. */
  OUTPUT_MODE: env.oneOf(outputModes, 'events'),
  /** `service` of log entries in logs mode. */
  LOG_SERVICE: env.string('cloudtrail'),
  KAFKA_GROUP_ID: env.string('trailstream-filter-mapper'),
  TRANSACTIONAL_ID_PREFIX: env.string('trailstream-filter-mapper'),
  PARTITIONS_CONSUMED_CONCURRENTLY: env.integer(4, { min: 1, max: 256 }),
  /** Topics are created (12 partitions) when missing; off where an operator manages them. */
  CREATE_TOPICS: env.boolean(true),
};
