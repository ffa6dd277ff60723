import {
  AuditLedger,
  runTransactionalStage,
  StageAudit,
  type StageContext,
  type StartedStage,
} from '@trailstream/runtime';
import type { FilterMapperSettings } from './config.js';
import { createRecordHandler } from './handle-record.js';
import { createFilterMapperMetrics } from './metrics.js';
import { RecordAudit, recordDeadLetterCount } from './record-audit.js';
import { watchRulesFile } from './rules-watcher.js';

export type FilterMapperOptions = FilterMapperSettings & StageContext;

/** Records in, Datadog outputs out, exactly once, under rules that reload while it runs. */
export async function startFilterMapper(options: FilterMapperOptions): Promise<StartedStage> {
  const { logger } = options;
  const metrics = createFilterMapperMetrics(options.registry);
  // An invalid rules file stops the service here, its error naming each line.
  const rules = await watchRulesFile({
    path: options.rulesFile,
    intervalMs: options.rulesReloadIntervalMs,
    logger,
    onApplied: () => {
      metrics.rulesReloads.inc({ result: 'applied' });
      metrics.rulesValid.set(1);
    },
    onInvalid: () => {
      metrics.rulesReloads.inc({ result: 'invalid' });
      metrics.rulesValid.set(0);
    },
  });
  metrics.rulesValid.set(1);

  const audit = new AuditLedger({
    stage: 'filter-mapper',
    ...options.reconciliation,
    registry: options.registry,
    dedupeByOffset: false,
  });
  const stage = await runTransactionalStage({
    ...options,
    outputTopics: [options.outputTopic],
    audit: new StageAudit(audit, recordDeadLetterCount),
    handle: createRecordHandler({
      audit: new RecordAudit(audit),
      rules: rules.current,
      mapping: options.mapping,
      outputTopic: options.outputTopic,
      metrics,
    }),
  });
  logger.info({ mode: options.mapping.mode, rules: options.rulesFile }, 'mapping records');
  return {
    isReady: stage.isReady,
    async stop() {
      await stage.stop();
      rules.stop();
    },
  };
}
