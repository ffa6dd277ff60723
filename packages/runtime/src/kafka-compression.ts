import zlib from 'node:zlib';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { ConfigError, type KafkaConfig } from './config.js';

// Not a named import: Node's ESM loader cannot see this export of kafkajs (CommonJS), only bundlers can.
const { CompressionCodecs } = kafkajs;

/** What `KAFKA_COMPRESSION` may name: the codecs every Trailstream process reads. */
export type KafkaCompression = KafkaConfig['KAFKA_COMPRESSION'];

const compressionTypes: Record<KafkaCompression, CompressionTypes> = {
  zstd: CompressionTypes.ZSTD,
  gzip: CompressionTypes.GZIP,
  none: CompressionTypes.None,
};

/** The kafkajs compression a producer sends its batches with, for a `KAFKA_COMPRESSION` value. */
export function compressionType(compression: KafkaCompression): CompressionTypes {
  return compressionTypes[compression];
}

/** kafkajs' codec interface: `compress` gets the batch's encoder (its records in `buffer`). */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type ZstdFunctions = Pick<typeof zlib, 'zstdCompressSync' | 'zstdDecompressSync'>;

/**
 * zstd from `node:zlib` (Node 22.15 and 23.8 on), at its default level 3: smaller than gzip's output
 * for a third of its CPU (measured on record batches; see the root README's Topics). Synchronous on
 * purpose: the asynchronous functions' trip through libuv's thread pool cost 100-400 µs of CPU per call
 * (measured on Node 24), two to nine times the work itself for batches of 10 to 250 records. A batch is
 * bounded by its topic's `max.message.bytes`, so the event loop waits a millisecond at most.
 */
export function zstdCodec(zstd: ZstdFunctions = zlib): KafkaCodec {
  return {
    compress: async (encoder) => zstd.zstdCompressSync(encoder.buffer),
    decompress: async (buffer) => zstd.zstdDecompressSync(buffer),
  };
}

let registered: KafkaCodec | undefined;

/**
 * Gives kafkajs the zstd codec (it has gzip only), once per process: every client then reads zstd
 * batches and can write them. A Node without zstd in `node:zlib` could do neither, so the process stops
 * at start with one message instead of failing on the first compressed batch.
 */
export function registerKafkaCodecs(zlibModule: Partial<ZstdFunctions> = zlib): KafkaCodec {
  const { zstdCompressSync, zstdDecompressSync } = zlibModule;
  if (typeof zstdCompressSync !== 'function' || typeof zstdDecompressSync !== 'function') {
    throw new ConfigError([
      `Node.js ${process.version} has no zstd in node:zlib, which Trailstream's Kafka topics use (KAFKA_COMPRESSION): it needs Node.js 22.15 or later`,
    ]);
  }
  registered ??= zstdCodec({ zstdCompressSync, zstdDecompressSync });
  const codec = registered;
  CompressionCodecs[CompressionTypes.ZSTD] = () => codec;
  return codec;
}
