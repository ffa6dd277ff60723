import { describe, expect, it } from 'vitest';
import { classifyChunkFailure, DeadLetterAfterAbort, KafkaStepError } from './chunk-failure.js';

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
