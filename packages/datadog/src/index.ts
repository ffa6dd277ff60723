export { eventLimits, logLimits } from './limits.js';
