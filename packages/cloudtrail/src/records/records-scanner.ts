import { createHash, type Hash } from 'node:crypto';
import { CloudTrailObjectError } from './object-errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const BOM = [0xef, 0xbb, 0xbf];

// Where the scanner stands in `{"Records": [ {...}, ... ], "other": ...}`.
const BEFORE_ROOT = 0;
const ROOT_FIRST_KEY = 1;
const ROOT_KEY = 2;
const ROOT_KEY_STRING = 3;
const ROOT_COLON = 4;
const ROOT_VALUE = 5;
const SKIP_VALUE = 6;
const SKIP_PRIMITIVE = 7;
const ROOT_AFTER_VALUE = 8;
const FIRST_RECORD = 9;
const NEXT_RECORD = 10;
const IN_RECORD = 11;
const AFTER_RECORD = 12;
const AFTER_ROOT = 13;

/** Longest top-level key kept for error messages and for matching `Records`. */
const MAX_KEY_CHARS = 64;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isPrimitiveByte = (c: number) =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x2d ||
  c === 0x2b ||
  c === 0x2e ||
  c === 0x45;

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export interface ScannerLimits {
  /** A record longer than this (in bytes of JSON) is skipped, its start, length and SHA-256 kept. */
  maxRecordBytes: number;
  /** A record nested deeper than this is skipped: parsing or printing it would exhaust the stack. */
  maxRecordDepth?: number;
}

/** CloudTrail records nest a few dozen levels at most; JSON.stringify overflows the stack within thousands. */
export const DEFAULT_MAX_RECORD_DEPTH = 512;

/** The start of a skipped record kept for its dead letter. */
const SKIPPED_HEAD_BYTES = 64 * 1024;

/** A record found but not handed over: too large to hold, or nested too deep to parse safely. */
export interface SkippedRecord {
  reason: 'record-too-large' | 'record-too-deep';
  message: string;
  /** The record's bytes, or only its first ones when it was too large to hold. */
  head: Buffer;
  /** The whole record's length and SHA-256 when `head` is only its start. */
  whole: { bytes: number; sha256: string } | null;
}

/**
 * Finds each element of the top-level `Records` array in a byte stream and hands back its exact bytes,
 * without parsing: it only follows strings, escapes and nesting depth. Memory is bounded by the longest
 * record, whatever the file size. The structure around the records is checked here; each record's own
 * syntax is left to whoever parses it.
 */
export class RecordsScanner {
  private state = BEFORE_ROOT;
  private consumed = 0;
  /** Offset of the structural byte being read, for error messages. */
  private position = 0;
  private bomMatched = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private nextBackslash = -1;
  private key = '';
  private keyEscaped = false;
  private readonly keysSeen: string[] = [];
  private sawRecords = false;
  private recordParts: Buffer[] = [];
  private recordBytes = 0;
  /** Set once the record in progress is over the size limit: from then on only hashed and counted. */
  private oversized: { hash: Hash; head: Buffer } | null = null;
  private deepest = 0;
  private recordsFound = 0;

  constructor(private readonly limits: ScannerLimits) {}

  /** How many records have been returned so far. */
  get recordCount(): number {
    return this.recordsFound;
  }

  /** Feeds the next bytes; returns the records completed within them, in order. */
  write(chunk: Buffer): (Buffer | SkippedRecord)[] {
    const records: (Buffer | SkippedRecord)[] = [];
    const n = chunk.length;
    this.nextBackslash = -1;
    let recordStart = 0;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case IN_RECORD: {
          const end = this.scanComposite(chunk, i);
          if (end === -1) {
            this.holdRecordPart(chunk.subarray(recordStart));
            i = n;
          } else {
            records.push(this.completeRecord(chunk.subarray(recordStart, end)));
            this.state = AFTER_RECORD;
            i = end;
          }
          break;
        }
        case SKIP_VALUE: {
          const end = this.scanComposite(chunk, i);
          if (end === -1) {
            i = n;
          } else {
            this.state = ROOT_AFTER_VALUE;
            i = end;
          }
          break;
        }
        default: {
          const c = chunk[i]!;
          this.position = this.consumed + i;
          if (this.state === FIRST_RECORD || this.state === NEXT_RECORD) {
            if (!isWhitespace(c)) recordStart = i;
          }
          this.step(c);
          i++;
          // A record opened on the chunk's last byte: keep that byte for when the record completes.
          if (this.state === IN_RECORD && i === n) this.holdRecordPart(chunk.subarray(recordStart));
        }
      }
    }
    this.consumed += n;
    return records;
  }

  /** Declares the end of the bytes: throws when the document is incomplete or holds no `Records`. */
  end(): void {
    if (this.state === AFTER_ROOT) return;
    if (this.consumed === 0) throw new CloudTrailObjectError('not-json', 'the object is empty');
    if (this.state === BEFORE_ROOT) throw new CloudTrailObjectError('not-json', 'the object holds no JSON');
    throw new CloudTrailObjectError(
      'not-json',
      `the JSON ends after ${this.consumed} bytes, before the document is complete`,
    );
  }

  /** One structural byte outside a record or a skipped value. */
  private step(c: number): void {
    switch (this.state) {
      case BEFORE_ROOT:
        if (this.consumed === 0 && this.bomMatched < BOM.length && c === BOM[this.bomMatched]) {
          this.bomMatched++;
          return;
        }
        if (isWhitespace(c)) return;
        if (c === OPEN_BRACE) {
          this.state = ROOT_FIRST_KEY;
          return;
        }
        if (c === OPEN_BRACKET) {
          throw new CloudTrailObjectError('no-records', 'the JSON is an array, not {"Records": [...]}');
        }
        throw this.unexpected(c, 'the start of a JSON object');
      case ROOT_FIRST_KEY:
      case ROOT_KEY:
        if (isWhitespace(c)) return;
        if (c === QUOTE) {
          this.key = '';
          this.keyEscaped = false;
          this.state = ROOT_KEY_STRING;
          return;
        }
        if (c !== CLOSE_BRACE || this.state !== ROOT_FIRST_KEY) throw this.unexpected(c, 'a key');
        this.closeRoot();
        return;
      case ROOT_KEY_STRING:
        if (this.keyEscaped) {
          this.keyEscaped = false;
        } else if (c === BACKSLASH) {
          this.keyEscaped = true;
        } else if (c === QUOTE) {
          this.keysSeen.push(this.key);
          this.state = ROOT_COLON;
          return;
        }
        if (this.key.length < MAX_KEY_CHARS) this.key += String.fromCharCode(c);
        return;
      case ROOT_COLON:
        if (isWhitespace(c)) return;
        if (c === COLON) {
          this.state = ROOT_VALUE;
          return;
        }
        throw this.unexpected(c, "':'");
      case ROOT_VALUE:
        if (isWhitespace(c)) return;
        if (this.key === 'Records') {
          if (c !== OPEN_BRACKET) {
            throw new CloudTrailObjectError(
              'no-records',
              `"Records" is not an array (it starts with ${describeByte(c)})`,
            );
          }
          this.sawRecords = true;
          this.state = FIRST_RECORD;
          return;
        }
        this.startSkippedValue(c);
        return;
      case SKIP_PRIMITIVE:
        if (isPrimitiveByte(c)) return;
        this.state = ROOT_AFTER_VALUE;
        this.step(c);
        return;
      case ROOT_AFTER_VALUE:
        if (isWhitespace(c)) return;
        if (c === COMMA) {
          this.state = ROOT_KEY;
          return;
        }
        if (c !== CLOSE_BRACE) throw this.unexpected(c, "',' or '}'");
        this.closeRoot();
        return;
      case FIRST_RECORD:
      case NEXT_RECORD:
        if (isWhitespace(c)) return;
        if (c === OPEN_BRACE) {
          this.depth = 1;
          this.inString = false;
          this.escaped = false;
          this.recordParts = [];
          this.recordBytes = 0;
          this.oversized = null;
          this.deepest = 1;
          this.state = IN_RECORD;
          return;
        }
        if (c === CLOSE_BRACKET && this.state === FIRST_RECORD) {
          this.state = ROOT_AFTER_VALUE;
          return;
        }
        throw this.unexpected(c, `record ${this.recordsFound} (a JSON object)`);
      case AFTER_RECORD:
        if (isWhitespace(c)) return;
        if (c === COMMA) {
          this.state = NEXT_RECORD;
          return;
        }
        if (c === CLOSE_BRACKET) {
          this.state = ROOT_AFTER_VALUE;
          return;
        }
        throw this.unexpected(c, "',' or ']' after a record");
      case AFTER_ROOT:
        if (isWhitespace(c)) return;
        throw this.unexpected(c, 'nothing after the JSON document');
    }
  }

  private startSkippedValue(c: number): void {
    this.depth = 0;
    this.escaped = false;
    this.inString = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.depth = 1;
      this.state = SKIP_VALUE;
    } else if (c === QUOTE) {
      this.inString = true;
      this.state = SKIP_VALUE;
    } else if (isPrimitiveByte(c)) {
      this.state = SKIP_PRIMITIVE;
    } else {
      throw this.unexpected(c, 'a value');
    }
  }

  private closeRoot(): void {
    if (!this.sawRecords) {
      const keys = this.keysSeen.slice(0, 5).join(', ');
      throw new CloudTrailObjectError(
        'no-records',
        keys ? `the JSON object has no "Records" (its keys: ${keys})` : 'the JSON object is empty',
      );
    }
    this.state = AFTER_ROOT;
  }

  /**
   * Follows strings and nesting from `from`; returns the index just past the value's end, or -1 when
   * the chunk ends first (the state is kept for the next chunk).
   */
  private scanComposite(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let i = from;
    let depth = this.depth;
    let deepest = this.deepest;
    let inString = this.inString;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    let end = -1;
    while (i < n) {
      if (inString) {
        // Jump between quotes and backslashes instead of visiting every byte of a string.
        if (this.nextBackslash !== n && this.nextBackslash < i) {
          const found = chunk.indexOf(BACKSLASH, i);
          this.nextBackslash = found === -1 ? n : found;
        }
        const quote = chunk.indexOf(QUOTE, i);
        const stop = quote === -1 ? n : quote;
        if (this.nextBackslash < stop) {
          if (this.nextBackslash + 1 >= n) {
            this.escaped = true;
            i = n;
            break;
          }
          i = this.nextBackslash + 2;
          continue;
        }
        if (quote === -1) {
          i = n;
          break;
        }
        inString = false;
        i = quote + 1;
        if (depth === 0) {
          end = i;
          break;
        }
        continue;
      }
      const c = chunk[i]!;
      i++;
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
        if (depth > deepest) deepest = depth;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          end = i;
          break;
        }
      }
    }
    this.depth = depth;
    this.deepest = deepest;
    this.inString = inString;
    return end;
  }

  private holdRecordPart(part: Buffer): void {
    this.recordBytes += part.length;
    if (this.oversized) {
      this.oversized.hash.update(part);
      return;
    }
    this.recordParts.push(part);
    if (this.recordBytes > this.limits.maxRecordBytes) this.startOversized();
  }

  /** The record in progress is over the limit: keep its start and hash the rest as it streams by. */
  private startOversized(): void {
    const hash = createHash('sha256');
    for (const held of this.recordParts) hash.update(held);
    const head = Buffer.from(Buffer.concat(this.recordParts).subarray(0, SKIPPED_HEAD_BYTES));
    this.oversized = { hash, head };
    this.recordParts = [];
  }

  private completeRecord(lastPart: Buffer): Buffer | SkippedRecord {
    const index = this.recordsFound++;
    if (!this.oversized && this.recordBytes + lastPart.length > this.limits.maxRecordBytes) {
      this.recordParts.push(lastPart);
      this.recordBytes += lastPart.length;
      this.startOversized();
    } else if (this.oversized) {
      this.oversized.hash.update(lastPart);
      this.recordBytes += lastPart.length;
    }
    const maxDepth = this.limits.maxRecordDepth ?? DEFAULT_MAX_RECORD_DEPTH;
    if (this.oversized) {
      const { hash, head } = this.oversized;
      const bytes = this.recordBytes;
      this.oversized = null;
      this.recordBytes = 0;
      // Nesting that deep is the more telling reason: it is what made the record this large.
      const tooDeep = this.deepest > maxDepth;
      return {
        reason: tooDeep ? 'record-too-deep' : 'record-too-large',
        message: tooDeep
          ? `record ${index} nests ${this.deepest} levels deep, over ${maxDepth}`
          : `record ${index} is ${bytes} bytes, over ${this.limits.maxRecordBytes}`,
        head,
        whole: { bytes, sha256: hash.digest('hex') },
      };
    }
    const size = this.recordBytes + lastPart.length;
    const record =
      this.recordParts.length === 0 ? lastPart : Buffer.concat([...this.recordParts, lastPart], size);
    this.recordParts = [];
    this.recordBytes = 0;
    if (this.deepest > maxDepth) {
      return {
        reason: 'record-too-deep',
        message: `record ${index} nests ${this.deepest} levels deep, over ${maxDepth}`,
        head: Buffer.from(record),
        whole: null,
      };
    }
    return record;
  }

  private unexpected(c: number, expected: string): CloudTrailObjectError {
    return new CloudTrailObjectError(
      'not-json',
      `expected ${expected} at byte ${this.position}, found ${describeByte(c)}`,
    );
  }
}
