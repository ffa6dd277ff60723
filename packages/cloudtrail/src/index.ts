export * from './key-layout.js';
export * from './notifications.js';
export * from './records/index.js';
