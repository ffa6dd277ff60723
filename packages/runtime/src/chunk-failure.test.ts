import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  classifyChunkFailure,
  DeadLetterAfterAbort,
  groupRejoinCause,
  isKafkaUnreachable,
  KafkaStepError,
  kafkaErrorType,
  kafkaRefusalKind,
} from './chunk-failure.js';

const kafkaJsError = (name: string) => Object.assign(new Error('group is rebalancing'), { name });
const verdict = (error: unknown, handlerFailures: number | null, stale = false) =>
  classifyChunkFailure({ error, handlerFailures, stale, maxHandlerAttempts: 3 });

describe('classifyChunkFailure', () => {
  it('retries a handler that threw, with the handler again, below the attempt limit', () => {
    expect(verdict(new Error('S3 is throttling'), 1)).toEqual({ next: 'retry', deadLetter: null });
    expect(verdict(new Error('S3 is throttling'), 2)).toEqual({ next: 'retry', deadLetter: null });
  });

  it('dead-letters the message on the retry once its handler failed maxHandlerAttempts times', () => {
    expect(verdict(new Error('always fails'), 3)).toEqual({
      next: 'retry',
      deadLetter: {
        reasonClass: 'handler-failed',
        reasonMessage: 'the handler failed 3 times on this message; see the service log for each error',
        attempts: 3,
      },
    });
  });

  it('dead-letters with the reason a handler gave when it asked for the abort first', () => {
    const reason = {
      reasonClass: 'record-too-large',
      reasonMessage: 'k: record 301 is too large',
      attempts: 1,
    };
    expect(verdict(new DeadLetterAfterAbort(reason), 1)).toEqual({ next: 'retry', deadLetter: reason });
  });

  it('hands what Kafka said back to kafkajs to rejoin, whether it came from a Kafka step or through the handler', () => {
    expect(verdict(new KafkaStepError('produce failed'), null)).toEqual({ next: 'rejoin', deadLetter: null });
    expect(verdict(kafkaJsError('KafkaJSProtocolError'), null)).toEqual({ next: 'rejoin', deadLetter: null });
    expect(verdict(kafkaJsError('KafkaJSNumberOfRetriesExceeded'), 1)).toEqual({
      next: 'rejoin',
      deadLetter: null,
    });
  });

  it('still counts a Kafka error thrown through the handler towards the attempt limit', () => {
    expect(verdict(kafkaJsError('KafkaJSProtocolError'), 3).deadLetter?.reasonClass).toBe('handler-failed');
  });

  it('rejoins when the assignment went stale or what was thrown is not an Error', () => {
    expect(verdict(new Error('S3 is throttling'), 1, true)).toEqual({ next: 'rejoin', deadLetter: null });
    expect(verdict('a string', 1)).toEqual({ next: 'rejoin', deadLetter: null });
  });
});

describe('kafkaErrorType and kafkaRefusalKind', () => {
  const protocolError = (type: string) =>
    Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
  // kafkajs wraps: KafkaJSNonRetriableError { cause }, KafkaJSAggregateError { errors }.
  const wrapped = (inner: Error) => Object.assign(new Error('wrapped'), { cause: inner });
  const aggregate = (inner: Error) =>
    Object.assign(new Error('aggregate'), { errors: [new Error('x'), inner] });

  it('finds the Kafka error name through the wrappers kafkajs puts around it', () => {
    expect(kafkaErrorType(protocolError('MESSAGE_TOO_LARGE'))).toBe('MESSAGE_TOO_LARGE');
    expect(
      kafkaErrorType(
        new KafkaStepError('produce failed', ['t'], { cause: wrapped(protocolError('INVALID_RECORD')) }),
      ),
    ).toBe('INVALID_RECORD');
    expect(kafkaErrorType(aggregate(protocolError('TOPIC_AUTHORIZATION_FAILED')))).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(kafkaErrorType(new Error('no type'))).toBeNull();
  });

  it.each([
    ['MESSAGE_TOO_LARGE', 'message'],
    ['RECORD_LIST_TOO_LARGE', 'message'],
    ['INVALID_RECORD', 'message'],
    ['TOPIC_AUTHORIZATION_FAILED', 'cluster'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'cluster'],
    ['INVALID_PRODUCER_EPOCH', 'fenced'],
    ['PRODUCER_FENCED', 'fenced'],
    ['REBALANCE_IN_PROGRESS', 'other'],
  ])('%s is a %s refusal', (type, kind) => {
    expect(kafkaRefusalKind(type)).toBe(kind);
  });
});

describe('isKafkaUnreachable', () => {
  // kafkajs' typings lag its constructors: at run time these take a cause, and a protocol error the
  // fields of the broker's answer.
  const nonRetriable = (message: string, cause?: Error) =>
    new (KafkaJSNonRetriableError as unknown as new (e: string, options: { cause?: Error }) => Error)(
      message,
      { cause },
    );
  const coordinatorNotFound = () =>
    new (KafkaJSGroupCoordinatorNotFound as unknown as new (e: string) => Error)(
      'Failed to find group coordinator',
    );
  const answered = new (KafkaJSProtocolError as unknown as new (e: object) => Error)({
    type: 'TOPIC_AUTHORIZATION_FAILED',
    code: 29,
    retriable: false,
    message: 'Not authorized to access topics: [Topic authorization failed]',
  });

  it('is true for a broker or coordinator that could not be reached, however kafkajs wrapped it', () => {
    // As kafkajs reports a transaction commit while the broker restarts: its retries spent on finding
    // the coordinator, what it throws is not retriable, so its consumer would stop for good.
    const commitDuringRestart = nonRetriable('Failed to find group coordinator', coordinatorNotFound());
    expect(isKafkaUnreachable(commitDuringRestart)).toBe(true);
    expect(isKafkaUnreachable(new KafkaStepError('commit failed', [], { cause: commitDuringRestart }))).toBe(
      true,
    );
    expect(isKafkaUnreachable(new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092'))).toBe(true);
    expect(
      isKafkaUnreachable(nonRetriable('retries spent', new KafkaJSConnectionError('Connection timeout'))),
    ).toBe(true);
  });

  it("is false for what Kafka answered, and for errors that are not Kafka's", () => {
    expect(isKafkaUnreachable(answered)).toBe(false);
    expect(isKafkaUnreachable(nonRetriable('bad config', new KafkaJSError('bad config')))).toBe(false);
    expect(isKafkaUnreachable(new Error('S3 is throttling'))).toBe(false);
    expect(isKafkaUnreachable('not an error')).toBe(false);
  });
});

describe('groupRejoinCause', () => {
  const protocolError = (type: string, code: number, message: string) =>
    new (KafkaJSProtocolError as unknown as new (e: object) => Error)({
      type,
      code,
      retriable: false,
      message,
    });
  // As kafkajs' retry wraps what the broker answered: `new KafkaJSNonRetriableError(e, { cause: e })`.
  const wrapped = (cause: Error) =>
    new (KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error)(cause, {
      cause,
    });

  it('finds the member-left answer inside the error an offset commit throws after a broker restart', () => {
    const unknownMember = protocolError(
      'UNKNOWN_MEMBER_ID',
      25,
      'The coordinator is not aware of this member',
    );
    expect(groupRejoinCause(wrapped(unknownMember))).toBe(unknownMember);
    const generation = protocolError('ILLEGAL_GENERATION', 22, 'Specified group generation id is not valid');
    expect(groupRejoinCause(wrapped(generation))).toBe(generation);
    const rebalancing = protocolError('REBALANCE_IN_PROGRESS', 27, 'The group is rebalancing');
    expect(groupRejoinCause(rebalancing)).toBe(rebalancing);
  });

  it('is null for any other failure', () => {
    expect(groupRejoinCause(wrapped(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, 'no')))).toBeNull();
    expect(groupRejoinCause(new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092'))).toBeNull();
    expect(groupRejoinCause(new Error('UNKNOWN_MEMBER_ID'))).toBeNull();
    expect(groupRejoinCause(undefined)).toBeNull();
  });
});
