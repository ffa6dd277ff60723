import { type CloudTrailEvent, type EventEssentials, readEssentials, readText } from './cloudtrail-event.js';
import { type Actor, describeActor, instanceHost } from './identity.js';

/** Everything the mapper reads from a record, read once. */
export interface RecordFacts extends EventEssentials {
  event: CloudTrailEvent;
  actor: Actor;
  /** EC2 instance id when the caller is an instance profile session. */
  host: string | null;
  isConsoleSignIn: boolean;
  isFailedConsoleSignIn: boolean;
}

export function readRecordFacts(event: CloudTrailEvent): RecordFacts {
  const essentials = readEssentials(event);
  const isConsoleSignIn = essentials.eventName === 'ConsoleLogin';
  // A failed sign-in has responseElements.ConsoleLogin "Failure" and usually no errorCode.
  const isFailedConsoleSignIn =
    isConsoleSignIn &&
    (readText(event, 'responseElements.ConsoleLogin') === 'Failure' ||
      readText(event, 'errorMessage') !== null);
  return {
    ...essentials,
    event,
    actor: describeActor(event),
    host: instanceHost(event),
    isConsoleSignIn,
    isFailedConsoleSignIn,
  };
}
