export * from './digest-chain.js';
export * from './digest-file.js';
export * from './findings.js';
export * from './public-keys.js';
export * from './signature.js';
export * from './verify-trail.js';
