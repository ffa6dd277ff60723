export { eventLimits, logLimits } from './limits.js';
export { keyValueTag, normalizeTag, normalizeTags } from './tags.js';
