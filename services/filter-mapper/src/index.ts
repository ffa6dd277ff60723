export {
  type FilterMapperConfig,
  type FilterMapperSettings,
  filterMapperEnv,
  filterMapperOptions,
} from './config.js';
export { type FilterMapperOptions, startFilterMapper } from './filter-mapper.js';
