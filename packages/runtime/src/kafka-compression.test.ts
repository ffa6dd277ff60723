import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { zstdDecompressSync } from 'node:zlib';
import { cloudTrailLogFiles } from '@trailstream/testkit';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConfigError, kafkaEnv, loadConfig } from './config.js';
import { compressionType, registerKafkaCodecs, zstdCodec } from './kafka-compression.js';

/** A record batch's worth of real CloudTrail records, one JSON text after another. */
function realRecordsBatch(): Buffer {
  const [file] = cloudTrailLogFiles();
  const { Records } = JSON.parse(readFileSync(file!, 'utf8')) as { Records: unknown[] };
  return Buffer.concat(Records.map((record) => Buffer.from(JSON.stringify(record))));
}

const ZSTD_FRAME_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

describe('KAFKA_COMPRESSION', () => {
  const load = (value?: string) =>
    loadConfig(kafkaEnv, { KAFKA_BROKERS: 'k:9092', ...(value ? { KAFKA_COMPRESSION: value } : {}) });

  it('defaults to zstd and names each choice as the kafkajs compression type', () => {
    expect(compressionType(load().KAFKA_COMPRESSION)).toBe(CompressionTypes.ZSTD);
    expect(compressionType(load('gzip').KAFKA_COMPRESSION)).toBe(CompressionTypes.GZIP);
    expect(compressionType(load('none').KAFKA_COMPRESSION)).toBe(CompressionTypes.None);
  });

  it('refuses a codec no Trailstream process can read, naming the choices', () => {
    expect(() => load('lz4')).toThrow(ConfigError);
    expect(() => load('lz4')).toThrow('KAFKA_COMPRESSION="lz4" is invalid: expected one of zstd, gzip, none');
  });
});

describe('the zstd codec', () => {
  it('writes standard zstd frames that come back byte for byte, far smaller than the records', async () => {
    const batch = realRecordsBatch();
    const codec = zstdCodec();
    const compressed = await codec.compress({ buffer: batch });
    expect(compressed.subarray(0, 4)).toEqual(ZSTD_FRAME_MAGIC);
    expect(zstdDecompressSync(compressed)).toEqual(batch);
    expect(await codec.decompress(compressed)).toEqual(batch);
    expect(compressed.length).toBeLessThan(batch.length / 5);
  });

  it('rejects a batch that is not zstd instead of returning garbage', async () => {
    await expect(zstdCodec().decompress(Buffer.from('not a zstd frame'))).rejects.toThrow();
  });

  it('is what kafkajs looks up for zstd batches once registered', async () => {
    const codec = registerKafkaCodecs();
    expect(registerKafkaCodecs()).toBe(codec);
    const kafkajsCodec = CompressionCodecs[CompressionTypes.ZSTD]() as typeof codec;
    expect(kafkajsCodec).toBe(codec);
    const batch = realRecordsBatch();
    expect(await kafkajsCodec.decompress(await kafkajsCodec.compress({ buffer: batch }))).toEqual(batch);
  });

  it('stops the process at start on a Node without zstd, naming the version it needs', () => {
    expect(() => registerKafkaCodecs({})).toThrow(ConfigError);
    expect(() => registerKafkaCodecs({})).toThrow(
      new RegExp(
        `Node.js ${process.version.replaceAll('.', '\\.')} has no zstd .* needs Node.js 22.15 or later`,
      ),
    );
  });

  it("registers under Node's own ESM loader, as a started service loads it (kafkajs is CommonJS)", async () => {
    const module = new URL('./kafka-compression.ts', import.meta.url).href;
    const script = `const { registerKafkaCodecs } = await import(${JSON.stringify(module)});
      const { CompressionCodecs, CompressionTypes } = (await import('kafkajs')).default;
      const codec = registerKafkaCodecs();
      process.stdout.write(String(CompressionCodecs[CompressionTypes.ZSTD]() === codec));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@trailstream/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    expect(stdout).toBe('true');
    // A child process loading tsx: seconds on a busy machine.
  }, 30_000);
});
