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

type ZstdFunctions = Pick<typeof zlib, 'zstdCompress' | 'zstdDecompress'>;
type CallbackCodec = (input: Buffer, callback: (error: Error | null, output: Buffer) => void) => void;

const promised = (fn: CallbackCodec) => (input: Buffer) =>
  new Promise<Buffer>((resolve, reject) =>
    fn(input, (error, output) => (error ? reject(error) : resolve(output))),
  );

/**
 * zstd from `node:zlib` (Node 22.15 and 23.8 on), at its default level 3: smaller than gzip's output
 * for a third of its CPU (measured on record batches; see the root README's Topics). The asynchronous
 * functions run on libuv's thread pool, off the event loop.
 */
export function zstdCodec(zstd: ZstdFunctions = zlib): KafkaCodec {
  const compress = promised(zstd.zstdCompress);
  const decompress = promised(zstd.zstdDecompress);
  return { compress: (encoder) => compress(encoder.buffer), decompress };
}

let registered: KafkaCodec | undefined;

/**
 * Gives kafkajs the zstd codec (it has gzip only), once per process: every client then reads zstd
 * batches and can write them. A Node without zstd in `node:zlib` could do neither, so the process stops
 * at start with one message instead of failing on the first compressed batch.
 */
export function registerKafkaCodecs(zlibModule: Partial<ZstdFunctions> = zlib): KafkaCodec {
  const { zstdCompress, zstdDecompress } = zlibModule;
  if (typeof zstdCompress !== 'function' || typeof zstdDecompress !== 'function') {
    throw new ConfigError([
      `Node.js ${process.version} has no zstd in node:zlib, which Trailstream's Kafka topics use (KAFKA_COMPRESSION): it needs Node.js 22.15 or later`,
    ]);
  }
  registered ??= zstdCodec({ zstdCompress, zstdDecompress });
  const codec = registered;
  CompressionCodecs[CompressionTypes.ZSTD] = () => codec;
  return codec;
}
