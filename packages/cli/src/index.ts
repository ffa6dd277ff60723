export { CliError } from './cli-error.js';
export { readDeadLetters, type StoredDeadLetter } from './dead-letters.js';
