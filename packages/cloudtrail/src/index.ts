export * from './key-layout.js';
export * from './notifications.js';
