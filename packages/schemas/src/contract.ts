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
      return { value: type.toBuffer(adapters ? adapters.toWire(value) : value), headers: { ...headers } };
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
