import { readFile } from 'node:fs/promises';
import { defaultRulesPath, parseRules, type RuleSet, RulesError } from '@trailstream/mapping';
import { CliError } from './cli-error.js';

/** The rules the filter-mapper would use: the given file, or the shipped defaults. */
export async function loadRules(path: string | undefined): Promise<{ path: string; rules: RuleSet }> {
  const file = path ?? defaultRulesPath;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read rules file ${file}: ${(error as Error).message}`);
  }
  try {
    return { path: file, rules: parseRules(text, file) };
  } catch (error) {
    if (error instanceof RulesError) throw new CliError(error.message);
    throw error;
  }
}
