import { fileURLToPath } from 'node:url';

/** The shipped rules file; one level up from both src/ and dist/. */
export const defaultRulesPath = fileURLToPath(new URL('../../rules/default.yaml', import.meta.url));
