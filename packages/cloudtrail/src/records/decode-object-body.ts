import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CloudTrailObjectError } from './object-errors.js';

/** Against decompression bombs: CloudTrail files are far smaller than this once inflated. */
export const DEFAULT_MAX_INFLATED_BYTES = 2 * 1024 ** 3;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface BodyLimits {
  maxInflatedBytes: number;
}

/** True when the bytes start with gzip's magic number; names and Content-Encoding are not trusted. */
export function isGzip(head: Uint8Array): boolean {
  return head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
}

/**
 * Yields an object's JSON bytes: gunzipped when the object starts with gzip's magic bytes, as they are
 * otherwise. Errors of the body itself (a reset connection) pass through unchanged so they can be retried.
 */
export async function* decodeObjectBody(
  body: AsyncIterable<Uint8Array>,
  limits: BodyLimits,
): AsyncGenerator<Buffer, void, undefined> {
  const source = body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const next = await source.next();
    if (next.done) break;
    const chunk = asBuffer(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const rest = (async function* () {
    try {
      yield* head;
      for (let next = await source.next(); !next.done; next = await source.next()) {
        yield asBuffer(next.value);
      }
    } finally {
      await source.return?.();
    }
  })();
  if (!isGzip(Buffer.concat(head, headBytes))) {
    yield* rest;
    return;
  }
  yield* gunzip(rest, limits);
}

async function* gunzip(compressed: AsyncIterable<Buffer>, limits: BodyLimits): AsyncGenerator<Buffer> {
  // The pipeline destroys the source when gunzip fails or the reader stops early.
  const inflating = pipeline(Readable.from(compressed, { objectMode: false }), createGunzip(), () => {});
  let inflated = 0;
  try {
    for await (const chunk of inflating as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > limits.maxInflatedBytes) {
        throw new CloudTrailObjectError(
          'inflation-limit',
          `the object inflates to more than ${limits.maxInflatedBytes} bytes`,
        );
      }
      yield chunk;
    }
  } catch (error) {
    throw gzipError(error);
  } finally {
    inflating.destroy();
  }
}

function gzipError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'Z_BUF_ERROR') {
    return new CloudTrailObjectError(
      'truncated-gzip',
      `the gzip stream is cut short: ${(error as Error).message}`,
    );
  }
  if (code === 'Z_DATA_ERROR') {
    return new CloudTrailObjectError(
      'corrupt-gzip',
      `the gzip stream is corrupt: ${(error as Error).message}`,
    );
  }
  return error;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
