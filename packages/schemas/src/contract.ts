import avro, { type Schema, type Type } from 'avsc';

/** Kafka headers that say which schema, and which version of it, wrote a message. */
export const SCHEMA_HEADER = 'trailstream-schema';
export const SCHEMA_VERSION_HEADER = 'trailstream-schema-version';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type MessageHeaders = Record<string, HeaderValue>;

export interface EncodedMessage {
  value: Buffer;
  headers: Record<string, string>;
}

/** A message that does not fit its contract: wrong schema name, unknown version, or bytes that do not decode. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

export interface Contract<T> {
  readonly name: string;
  /** The version written by this code: the highest one kept. */
  readonly version: number;
  readonly type: Type;
  /** Every version kept in the package, oldest first, as writer types. */
  readonly versions: ReadonlyMap<number, Type>;
  encode(value: T): EncodedMessage;
  /** Decodes bytes written with any kept version (named in the headers) into the current shape. */
  decode(value: Buffer, headers: MessageHeaders | undefined): T;
}

interface WireAdapters<T> {
  toWire(value: T): unknown;
  fromWire(wire: T): T;
}

export function headerText(headers: MessageHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/**
 * Bytes of the slab messages are encoded into: a few dozen records share one allocation, and a message
 * held on to keeps at most this much alive.
 */
const SLAB_BYTES = 64 * 1024;

/**
 * Encodes messages one after another into a shared slab, each a view of the bytes written for it, so a
 * message costs no allocation of its own and is written once (avsc's `toBuffer` writes into a 1 KiB buffer,
 * writes a larger message a second time into a zero-filled one of its size, and allocates per message).
 * A view stays valid: its bytes are never written again, and a full slab is replaced rather than reused.
 */
class SlabEncoder {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private position = 0;

  encode(type: Type, value: unknown): Buffer {
    let end = type.encode(value, this.slab, this.position);
    if (end < 0) {
      // Short by -end bytes: a fresh slab, large enough for this message and others after it.
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (this.slab.length - this.position - end)));
      this.position = 0;
      end = type.encode(value, this.slab, 0);
    }
    const encoded = this.slab.subarray(this.position, end);
    this.position = end;
    return encoded;
  }
}

const slabEncoder = new SlabEncoder();

export function defineContract<T>(
  name: string,
  schemas: Record<number, Schema>,
  adapters?: WireAdapters<T>,
): Contract<T> {
  const versions = new Map(
    Object.entries(schemas)
      .map(([v, schema]) => [Number(v), avro.Type.forSchema(schema)] as const)
      .sort(([a], [b]) => a - b),
  );
  const version = Math.max(...versions.keys());
  const type = versions.get(version)!;
  const resolvers = new Map(
    [...versions].filter(([v]) => v !== version).map(([v, writer]) => [v, type.createResolver(writer)]),
  );
  const headers = { [SCHEMA_HEADER]: name, [SCHEMA_VERSION_HEADER]: String(version) };

  return {
    name,
    version,
    type,
    versions,
    encode(value) {
      return {
        value: slabEncoder.encode(type, adapters ? adapters.toWire(value) : value),
        headers: { ...headers },
      };
    },
    decode(value, messageHeaders) {
      const writtenAs = headerText(messageHeaders, SCHEMA_HEADER);
      if (writtenAs !== undefined && writtenAs !== name) {
        throw new ContractError(`expected a ${name} message, got ${writtenAs}`);
      }
      const writtenVersion = Number(headerText(messageHeaders, SCHEMA_VERSION_HEADER) ?? version);
      if (!versions.has(writtenVersion)) {
        throw new ContractError(`${name} version ${writtenVersion} is not known to this build`);
      }
      let decoded: T;
      try {
        decoded = type.fromBuffer(value, resolvers.get(writtenVersion)) as T;
      } catch (error) {
        throw new ContractError(`${name} v${writtenVersion} does not decode: ${(error as Error).message}`);
      }
      return adapters ? adapters.fromWire(decoded) : decoded;
    },
  };
}
