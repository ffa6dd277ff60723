// A service that meets process warnings while it starts and once it runs, as kafkajs on Node 24 does:
// started by service.test.ts, which reads what it printed.
import { createLogger } from '../src/logger.js';
import { runService } from '../src/service.js';

await runService('warnings', async ({ onShutdown }) => {
  process.emitWarning('before the logger exists', { type: 'ExperimentalWarning', code: 'EARLY' });
  const logger = createLogger('warnings', { level: 'debug' });
  onShutdown(() => undefined);
  return logger;
});
// A negative timeout: Node 24 warns TimeoutNegativeWarning (kafkajs does this); older Node stays silent.
setTimeout(() => {}, -1);
process.emitWarning('1 is a negative number. Timeout duration was set to 1.', 'TimeoutNegativeWarning');
process.emitWarning('something a user should see', 'DeprecationWarning', 'DEP0999');
setTimeout(() => process.kill(process.pid, 'SIGTERM'), 200);
