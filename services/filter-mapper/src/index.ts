export { filterMapperEnv } from './service/config.js';
