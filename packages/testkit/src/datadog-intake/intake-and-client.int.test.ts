import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import {
  ApiKey,
  type AttemptOutcome,
  DatadogClient,
  DatadogMisconfiguredError,
  deliverEvent,
  deliverLogs,
  type EventPayload,
  type LogEntry,
  toLogEntry,
} from '@trailstream/datadog';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatadogIntake, startDatadogIntake } from './index.js';

const goodKey = 'a'.repeat(32);
const fastRetries = { backoff: { initialMs: 20, maxMs: 2_000, factor: 2 } };

const event = (title: string, overrides: Partial<EventPayload> = {}): EventPayload => ({
  title,
  text: `${title} happened`,
  date_happened: Math.floor(Date.now() / 1000) - 60,
  tags: ['source:cloudtrail'],
  alert_type: 'info',
  priority: 'normal',
  source_type_name: 'amazon web services',
  ...overrides,
});

const log = (message: string): LogEntry =>
  toLogEntry({
    attributes: JSON.stringify({ message, ddsource: 'cloudtrail', service: 'cloudtrail' }),
    ddtags: 'env:test',
  });

let intake: DatadogIntake;
let client: DatadogClient;

beforeAll(async () => {
  intake = await startDatadogIntake({ apiKeys: [goodKey] });
  client = new DatadogClient({
    target: { baseUrl: intake.url },
    apiKey: new ApiKey(goodKey),
    timeoutMs: 1_000,
  });
});
afterAll(async () => {
  await client.close();
  await intake.close();
});
beforeEach(() => {
  intake.reset();
  intake.setApiKeys([goodKey]);
});

describe('the recording intake, driven by the Datadog client', () => {
  it('accepts an event with 202 and Datadog’s body, and records it', async () => {
    const response = await fetch(`${intake.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': goodKey },
      body: JSON.stringify(event('CreateUser')),
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; event: { id: number; url: string } };
    expect(body.status).toBe('ok');
    expect(body.event.url).toContain(String(body.event.id));
    expect(await client.sendEvent(event('DeleteUser'))).toEqual({ kind: 'accepted' });
    expect(intake.snapshot().events.map(({ payload }) => payload.title)).toEqual([
      'CreateUser',
      'DeleteUser',
    ]);
  });

  it('answers 403 to a wrong key, and the client blames the key', async () => {
    const wrong = new DatadogClient({
      target: { baseUrl: intake.url },
      apiKey: new ApiKey('b'.repeat(32)),
      timeoutMs: 1_000,
    });
    try {
      expect(await wrong.sendEvent(event('x'))).toEqual({ kind: 'key-rejected', status: 403 });
      expect(await wrong.sendLogs([log('x')])).toEqual({ kind: 'key-rejected', status: 403 });
      expect(await wrong.validateKey()).toEqual({ kind: 'invalid', status: 403 });
      const keysChanged = await fetch(`${intake.url}/intake/api-keys`, {
        method: 'PUT',
        body: JSON.stringify({ keys: ['b'.repeat(32)] }),
      });
      expect(keysChanged.status).toBe(200);
      expect(await wrong.validateKey()).toEqual({ kind: 'valid' });
      expect(intake.snapshot().events).toHaveLength(0);
    } finally {
      await wrong.close();
    }
  });

  it('refuses an event older than 18 hours with Datadog’s message', async () => {
    const outcome = await client.sendEvent(
      event('old', { date_happened: Math.floor(Date.now() / 1000) - 19 * 3600 }),
    );
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400 });
    expect((outcome as Extract<AttemptOutcome, { kind: 'rejected' }>).reason).toContain(
      'Event too far in the past',
    );
  });

  it('sends 429 with rate-limit headers, and delivery waits out the reset', async () => {
    const scripted = await fetch(`${intake.url}/intake/faults`, {
      method: 'POST',
      body: JSON.stringify({
        faults: [{ kind: 'rate-limit', times: 2, resetSeconds: 1, endpoint: 'events' }],
      }),
    });
    expect(scripted.status).toBe(200);
    const retries: number[] = [];
    const startedAt = Date.now();
    const result = await deliverEvent(client, event('throttled'), {
      ...fastRetries,
      onRetry: ({ delayMs }) => retries.push(delayMs),
    });
    expect(result).toEqual({ accepted: true });
    expect(retries).toHaveLength(2);
    expect(Math.min(...retries)).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(intake.snapshot().responses).toMatchObject({ 'events 429': 2, 'events 202': 1 });
  });

  it.each([
    [404, 'DD_URL must be the base URL'],
    [405, 'DD_URL must be the base URL'],
    [302, 'redirects to https://elsewhere.example/api/v1/events'],
    [407, 'HTTPS_PROXY'],
    [418, 'no item causes HTTP 418'],
  ])(
    'calls HTTP %i a misconfiguration, never an item rejection, and says how to fix it',
    async (status, fix) => {
      intake.addFaults([{ kind: 'error', status, times: 1, endpoint: 'events' }]);
      const outcome = await client.sendEvent(event('misdirected'));
      expect(outcome).toMatchObject({ kind: 'misconfigured', status, fix: expect.stringContaining(fix) });
      intake.addFaults([{ kind: 'error', status, times: 1, endpoint: 'events' }]);
      await expect(deliverEvent(client, event('misdirected'), fastRetries)).rejects.toBeInstanceOf(
        DatadogMisconfiguredError,
      );
      intake.addFaults([{ kind: 'error', status, times: 1, endpoint: 'validate' }]);
      expect(await client.validateKey()).toMatchObject({ kind: 'misconfigured', status });
    },
  );

  it('reads an error body only up to its cap: an endless one is cut, not waited on', async () => {
    intake.addFaults([{ kind: 'endless-body', status: 400, times: 1, endpoint: 'events' }]);
    const started = performance.now();
    const outcome = await client.sendEvent(event('endless'));
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400 });
    // Well inside the client's 1 s timeout: the cap ended the read, not the timeout.
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('survives 500s, dropped connections and answers slower than the timeout', async () => {
    intake.addFaults([
      { kind: 'error', status: 500, times: 2 },
      { kind: 'drop', times: 2 },
      { kind: 'slow', delayMs: 1_500, times: 1 },
    ]);
    const reasons: string[] = [];
    const result = await deliverEvent(client, event('resilient'), {
      ...fastRetries,
      onRetry: ({ reason }) => reasons.push(reason),
    });
    expect(result).toEqual({ accepted: true });
    expect(reasons).toEqual([
      expect.stringContaining('HTTP 500'),
      expect.stringContaining('HTTP 500'),
      expect.stringContaining('connection failed'),
      expect.stringContaining('connection failed'),
      'request timed out',
    ]);
    // The slow answer still landed after the client gave up on it: the duplicate at-least-once allows.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const snapshot = intake.snapshot();
    expect(
      snapshot.events.filter(({ payload }) => payload.title === 'resilient').length,
    ).toBeGreaterThanOrEqual(1);
    expect(snapshot.duplicates.events).toBe(snapshot.events.length - 1);
  });

  it('delivers a logs batch gzip-compressed, every entry recorded', async () => {
    const entries = Array.from({ length: 1000 }, (_, index) => log(`entry ${index}`));
    const results = await deliverLogs(client, entries, fastRetries);
    expect(results.every((result) => result.accepted)).toBe(true);
    expect(intake.snapshot().logs.map(({ entry }) => entry.message)).toEqual(
      entries.map(({ json }) => JSON.parse(json).message),
    );
  });

  it('narrows a 400 on a logs batch down to the poisoned entry alone', async () => {
    intake.addFaults([{ kind: 'reject-containing', text: 'POISON', endpoint: 'logs' }]);
    const entries = Array.from({ length: 100 }, (_, index) =>
      log(index === 37 ? 'entry POISON' : `entry ${index}`),
    );
    const results = await deliverLogs(client, entries, fastRetries);
    const refused = results.flatMap((result, index) => (result.accepted ? [] : [{ index, result }]));
    expect(refused).toEqual([
      {
        index: 37,
        result: {
          accepted: false,
          reasonClass: 'datadog-rejected',
          reasonMessage: expect.stringContaining('HTTP 400'),
        },
      },
    ]);
    expect(intake.snapshot().logs).toHaveLength(99);
  });

  it('splits a batch the intake finds too large (413)', async () => {
    const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);
    const entries = [log(`a${twoMegabytes}`), log(`b${twoMegabytes}`), log(`c${twoMegabytes}`)];
    const results = await deliverLogs(client, entries, fastRetries);
    expect(results.every((result) => result.accepted)).toBe(true);
    const snapshot = intake.snapshot();
    expect(snapshot.logs).toHaveLength(3);
    expect(snapshot.logs.every(({ truncated }) => truncated)).toBe(true);
    expect(snapshot.responses['logs 413']).toBe(1);
  });

  it('dead-letters a single entry that is too large on its own', async () => {
    const results = await deliverLogs(client, [log('y'.repeat(6 * 1024 * 1024))], fastRetries);
    expect(results).toEqual([
      { accepted: false, reasonClass: 'datadog-too-large', reasonMessage: expect.any(String) },
    ]);
  });

  it('refuses malformed fault scripts over HTTP, naming the problem', async () => {
    const response = await fetch(`${intake.url}/intake/faults`, {
      method: 'POST',
      body: JSON.stringify({ faults: [{ kind: 'error', times: 1, status: 200 }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'faults[0].status must be 3xx, 4xx or 5xx' });
  });

  it('serves the recording over HTTP and forgets it on reset', async () => {
    await client.sendEvent(event('recorded'));
    const recording = (await (await fetch(`${intake.url}/intake/recording`)).json()) as { events: unknown[] };
    expect(recording.events).toHaveLength(1);
    await fetch(`${intake.url}/intake/reset`, { method: 'POST' });
    expect(intake.snapshot().events).toHaveLength(0);
  });

  it('goes through the proxy named by HTTP_PROXY / HTTPS_PROXY', async () => {
    const tunnels: string[] = [];
    // A forward proxy that only tunnels (CONNECT), as corporate HTTPS proxies do.
    const proxy: Server = createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request, clientSocket, head) => {
      tunnels.push(String(request.url));
      const [host, port] = String(request.url).split(':');
      const upstream = connect(Number(port), host, () => {
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      upstream.on('error', () => clientSocket.destroy());
      clientSocket.on('error', () => upstream.destroy());
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const address = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    const proxied = new DatadogClient({
      target: { baseUrl: intake.url },
      apiKey: new ApiKey(goodKey),
      timeoutMs: 2_000,
    });
    try {
      expect(await proxied.sendEvent(event('via proxy'))).toEqual({ kind: 'accepted' });
      expect(tunnels).toEqual([new URL(intake.url).host]);
    } finally {
      await proxied.close();
      Object.assign(process.env, saved);
      if (saved.HTTP_PROXY === undefined) delete process.env.HTTP_PROXY;
      if (saved.NO_PROXY === undefined) delete process.env.NO_PROXY;
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});
