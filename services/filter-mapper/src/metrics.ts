import { Counter, Gauge, type Registry } from 'prom-client';

export interface FilterMapperMetrics {
  records: Counter<'decision'>;
  ruleMatches: Counter<'rule'>;
  outputs: Counter<'kind'>;
  rulesReloads: Counter<'result'>;
  rulesValid: Gauge;
}

export function createFilterMapperMetrics(registry: Registry): FilterMapperMetrics {
  const registers = [registry];
  return {
    records: new Counter({
      name: 'trailstream_filter_mapper_records_total',
      help: 'Records handled, by rule decision (included, not-included, excluded) or dead-lettered',
      labelNames: ['decision'],
      registers,
    }),
    ruleMatches: new Counter({
      name: 'trailstream_filter_mapper_rule_matches_total',
      help: 'Records decided by each rule (include or exclude)',
      labelNames: ['rule'],
      registers,
    }),
    outputs: new Counter({
      name: 'trailstream_filter_mapper_outputs_total',
      help: 'Datadog outputs produced, by kind (event, log)',
      labelNames: ['kind'],
      registers,
    }),
    rulesReloads: new Counter({
      name: 'trailstream_filter_mapper_rules_reloads_total',
      help: 'Changes of the rules file: applied, or invalid (old rules kept)',
      labelNames: ['result'],
      registers,
    }),
    rulesValid: new Gauge({
      name: 'trailstream_filter_mapper_rules_file_valid',
      help: '1 when the rules file on disk is the one in use, 0 while an invalid change is being ignored',
      registers,
    }),
  };
}
