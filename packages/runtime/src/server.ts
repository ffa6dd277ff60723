import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface ServiceServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Ready means: able to do the work now (brokers, queues, keys reachable). Liveness is only "the loop runs". */
  isReady: () => boolean | Promise<boolean>;
  /** The service's one registry: the stage's and the runtime's metrics, and the process's defaults added here. */
  registry: Registry;
}

export interface ServiceServer {
  app: FastifyInstance;
  /** The port actually bound (differs from the option when it was 0). */
  port: number;
  close(): Promise<void>;
}

/** `/healthz`, `/readyz` and Prometheus `/metrics`, the same on every service. */
export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
  const { registry } = options;
  collectDefaultMetrics({ register: registry });
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await Promise.resolve(options.isReady()).catch(() => false);
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info({ port }, 'health and metrics server listening');
  return { app, port, close: () => app.close() };
}
