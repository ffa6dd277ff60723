import { startDatadogIntake } from './intake-server.js';

/**
 * Runs the recording intake as its own process (compose, the CLI, manual runs).
 * DD_INTAKE_PORT (default 8126), DD_INTAKE_HOST (default 127.0.0.1), DD_INTAKE_API_KEYS (comma-separated;
 * empty accepts any key).
 */
const port = Number(process.env.DD_INTAKE_PORT ?? '8126');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`DD_INTAKE_PORT must be a port number, got ${process.env.DD_INTAKE_PORT}`);
  process.exit(2);
}
const apiKeys = (process.env.DD_INTAKE_API_KEYS ?? '')
  .split(',')
  .map((key) => key.trim())
  .filter((key) => key.length > 0);

const intake = await startDatadogIntake({ port, host: process.env.DD_INTAKE_HOST ?? '127.0.0.1', apiKeys });
console.log(
  JSON.stringify({ msg: 'recording Datadog intake listening', url: intake.url, keys: apiKeys.length }),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void intake.close().then(() => process.exit(0));
  });
}
