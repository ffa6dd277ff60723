export * from './audit-cell.js';
export * from './integrity/index.js';
export * from './key-filter.js';
export * from './key-layout.js';
export * from './notifications.js';
export * from './records/index.js';
export * from './trail-source.js';
