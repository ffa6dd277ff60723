import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLocalServers, localStateDirs } from './local-servers.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill();
});

/** A live process whose command line ends with `args`, as moto_server's does. */
function liveProcess(...args: string[]): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', '--', ...args], {
    stdio: 'ignore',
  });
  children.push(child);
  return child.pid!;
}

/** A state directory as services.sh leaves it: pid files, the broker's config. */
function stateDir(servers: { kafkaPid?: number; advertised?: string; motoPid?: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-servers-'));
  mkdirSync(join(dir, 'kafka'));
  if (servers.kafkaPid !== undefined) writeFileSync(join(dir, 'kafka/kafka.pid'), `${servers.kafkaPid}\n`);
  if (servers.advertised !== undefined) {
    writeFileSync(
      join(dir, 'kafka/server.properties'),
      `node.id=1\nadvertised.listeners=${servers.advertised}\n`,
    );
  }
  if (servers.motoPid !== undefined) writeFileSync(join(dir, 'moto.pid'), `${servers.motoPid}\n`);
  return dir;
}

const endpoints = { kafkaBrokers: ['127.0.0.1:19092'], awsEndpoint: 'http://127.0.0.1:14566' };

describe('findLocalServers', () => {
  it('finds the broker and moto the run talks to from their pid files', () => {
    const kafkaPid = liveProcess('kafka.Kafka');
    const motoPid = liveProcess('-H', '127.0.0.1', '-p', '14566');
    const dir = stateDir({ kafkaPid, advertised: 'PLAINTEXT://127.0.0.1:19092', motoPid });
    expect(findLocalServers([dir], endpoints)).toEqual({
      kafka: { pid: kafkaPid, dataDir: join(dir, 'kafka/data') },
      moto: { pid: motoPid },
    });
  });

  it('passes over servers on other ports, dead pids and missing files, and looks in the next directory', () => {
    const kafkaPid = liveProcess('kafka.Kafka');
    const otherPorts = stateDir({
      kafkaPid,
      advertised: 'PLAINTEXT://127.0.0.1:9094',
      motoPid: liveProcess('-p', '4566'),
    });
    const dead = stateDir({
      kafkaPid: 2 ** 22 + 1,
      advertised: 'PLAINTEXT://127.0.0.1:19092',
      motoPid: 2 ** 22 + 1,
    });
    const noConfig = stateDir({ kafkaPid });
    const right = stateDir({ kafkaPid, advertised: 'SASL_SSL://127.0.0.1:19092' });
    expect(findLocalServers([otherPorts, dead, noConfig, '/nonexistent', right], endpoints)).toEqual({
      kafka: { pid: kafkaPid, dataDir: join(right, 'kafka/data') },
      moto: null,
    });
  });
});

describe('localStateDirs', () => {
  it('names TRAILSTREAM_LOCAL_DIR first, then the checkout, each once', () => {
    const dirs = localStateDirs('/repo', { TRAILSTREAM_LOCAL_DIR: '/repo/.local' });
    expect(dirs[0]).toBe('/repo/.local');
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(localStateDirs('/repo', {})[0]).toBe('/repo/.local');
  });
});
