import { normalizeTag } from '@trailstream/datadog';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { FieldMatcher, IncludeRule, Rule, RuleSet } from './rule-set.js';
import { parseTitleTemplate } from './title-template.js';
import { type ConditionProblem, compileCondition } from './value-condition.js';

/** One mistake in a rules file, with where it is. */
export interface RulesProblem {
  line: number;
  column: number;
  /** Where in the document, e.g. `include[2].match.eventSource`. */
  path: string;
  message: string;
}

/** The rules file cannot be used; `problems` lists every mistake found, each with its line. */
export class RulesError extends Error {
  override readonly name = 'RulesError';
  constructor(
    readonly source: string,
    readonly problems: readonly RulesProblem[],
  ) {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems
          .map((p) => `  ${source}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`)
          .join('\n'),
    );
  }
}

const ruleName = z.string().trim().min(1, 'a rule needs a name');
const matchMap = z
  .record(z.string(), z.unknown())
  .refine((match) => Object.keys(match).length > 0, 'match needs at least one field');

const excludeRuleShape = z.strictObject({ name: ruleName, match: matchMap });
const includeRuleShape = z.strictObject({
  name: ruleName,
  match: matchMap,
  priority: z.enum(['normal', 'low']).optional(),
  alertType: z.enum(['error', 'warning', 'info', 'success']).optional(),
  tags: z.array(z.string()).optional(),
  title: z.string().optional(),
});
const rulesFileShape = z.strictObject({
  version: z.literal(1).optional(),
  include: z.array(includeRuleShape),
  exclude: z.array(excludeRuleShape).optional(),
});

type Path = (string | number)[];

function formatPath(path: Path): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/**
 * Where a path starts in the file: a map entry points at its key, a list item at the item; a path
 * that does not exist (a missing key) points at the deepest part that does.
 */
function offsetOf(document: Document, path: Path): number {
  let node: unknown = document.contents;
  let offset = isNode(node) && node.range ? node.range[0] : 0;
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      next = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
      if (isNode(next) && next.range) offset = next.range[0];
    } else {
      break;
    }
    node = next;
  }
  return offset;
}

function located(document: Document, lineCounter: LineCounter, problems: ConditionProblem[]): RulesProblem[] {
  return problems
    .map(({ path, message }) => {
      const { line, col } = lineCounter.linePos(offsetOf(document, path));
      return { line, column: col, path: formatPath(path), message };
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

// Names of JavaScript object internals, never CloudTrail fields: `__proto__` would be dropped when the
// file is read and `constructor` found on every record, so a rule keyed by one is refused.
const objectInternals = new Set(['__proto__', 'constructor', 'prototype']);

/** Match keys naming object internals, read from the YAML itself (a parsed object loses `__proto__`). */
function objectInternalKeys(document: Document): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  for (const list of ['include', 'exclude'] as const) {
    const rules = document.get(list);
    if (!isSeq(rules)) continue;
    rules.items.forEach((rule, index) => {
      const match = isMap(rule) ? rule.get('match') : null;
      if (!isMap(match)) return;
      for (const { key } of match.items) {
        const field = isScalar(key) ? String(key.value) : '';
        const internal = field.split('.').find((segment) => objectInternals.has(segment));
        if (internal === undefined) continue;
        problems.push({
          path: [list, index, 'match', field],
          message: `${JSON.stringify(field)} is refused: ${internal} names a JavaScript object internal, not a record field`,
        });
      }
    });
  }
  return problems;
}

function compileMatchers(
  match: Record<string, unknown>,
  path: Path,
  problems: ConditionProblem[],
): FieldMatcher[] {
  return Object.entries(match).map(([field, condition]) => {
    const segments = field.split('.');
    if (segments.some((segment) => segment.trim() === '')) {
      problems.push({
        path: [...path, field],
        message: `${JSON.stringify(field)} is not a dotted field path`,
      });
    }
    return { path: field, segments, test: compileCondition(condition, [...path, field], problems) };
  });
}

/**
 * Reads a rules file. Throws RulesError naming the line of every problem: YAML syntax, unknown or
 * misspelt keys, bad values, invalid regexes (or regexes outside the linear-time RE2 dialect), globs
 * or CIDR ranges, match keys naming object internals (`__proto__`), tags that normalize to nothing,
 * broken title templates, duplicate rule names.
 */
export function parseRules(text: string, source = 'rules'): RuleSet {
  const lineCounter = new LineCounter();
  const at = (offset: number) => lineCounter.linePos(offset);
  let document: Document;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    // The YAML parser recurses per nesting level: thousands of `- - - …` exhaust the stack.
    if (!(error instanceof RangeError)) throw error;
    throw new RulesError(source, [
      { line: 1, column: 1, path: '', message: `the YAML nests too deeply to read (${error.message})` },
    ]);
  }

  if (document.errors.length > 0) {
    throw new RulesError(
      source,
      document.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return { line, column: col, path: '', message: error.message.split('\n')[0]! };
      }),
    );
  }

  const internalKeys = objectInternalKeys(document);
  let contents: unknown;
  try {
    contents = document.toJS();
  } catch (error) {
    // Aliases are resolved here: one that names no anchor, or so many that the document would explode.
    const { line, col } = at(document.contents?.range?.[0] ?? 0);
    throw new RulesError(source, [{ line, column: col, path: '', message: (error as Error).message }]);
  }
  const parsed = rulesFileShape.safeParse(contents);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = [...issue.path] as Path;
      if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
      return { path, message: issue.message };
    });
    throw new RulesError(source, located(document, lineCounter, [...problems, ...internalKeys]));
  }

  const problems: ConditionProblem[] = [...internalKeys];
  const lineOf = (path: Path) => at(offsetOf(document, path)).line;
  const names = new Set<string>();
  const checkName = (name: string, path: Path) => {
    if (names.has(name))
      problems.push({ path: [...path, 'name'], message: `rule name ${JSON.stringify(name)} is used twice` });
    names.add(name);
  };

  const include = parsed.data.include.map((raw, index): IncludeRule => {
    const path: Path = ['include', index];
    checkName(raw.name, path);
    const tags = (raw.tags ?? []).flatMap((tag, tagIndex) => {
      const normalized = normalizeTag(tag);
      if (normalized === null)
        problems.push({
          path: [...path, 'tags', tagIndex],
          message: `tag ${JSON.stringify(tag)} is empty once normalized`,
        });
      return normalized === null ? [] : [normalized];
    });
    let title = null;
    if (raw.title !== undefined) {
      const template = parseTitleTemplate(raw.title);
      if (typeof template === 'string') problems.push({ path: [...path, 'title'], message: template });
      else title = template;
    }
    return {
      name: raw.name,
      line: lineOf(path),
      matchers: compileMatchers(raw.match, [...path, 'match'], problems),
      overrides: { priority: raw.priority ?? null, alertType: raw.alertType ?? null, tags, title },
    };
  });
  const exclude = (parsed.data.exclude ?? []).map((raw, index): Rule => {
    const path: Path = ['exclude', index];
    checkName(raw.name, path);
    return {
      name: raw.name,
      line: lineOf(path),
      matchers: compileMatchers(raw.match, [...path, 'match'], problems),
    };
  });

  if (problems.length > 0) throw new RulesError(source, located(document, lineCounter, problems));
  return { include, exclude };
}
