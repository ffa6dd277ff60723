export { type IntegrityConfig, type IntegritySettings, integrityEnv, integrityOptions } from './config.js';
export { type IntegrityOptions, startIntegrity } from './integrity.js';
