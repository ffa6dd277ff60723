import ipaddr from 'ipaddr.js';
import picomatch from 'picomatch';
import { compileRuleGlob, compileRuleRegex } from './linear-pattern.js';
import type { ValueTest } from './rule-set.js';

/** A problem in a rules file, placed by its path inside the YAML document. */
export interface ConditionProblem {
  path: (string | number)[];
  message: string;
}

const regexLiteral = /^\/(.*)\/([dgimsuvy]*)$/s;
const conditionKeys = ['present', 'cidr', 'not', 'equals'] as const;

function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function stringTest(pattern: string, path: (string | number)[], problems: ConditionProblem[]): ValueTest {
  const regex = regexLiteral.exec(pattern);
  const isGlob = regex === null && picomatch.scan(pattern).isGlob;
  if (regex === null && !isGlob) return (value) => asText(value) === pattern;
  const compiled = regex !== null ? compileRuleRegex(regex[1]!, regex[2]!) : compileRuleGlob(pattern);
  if ('problem' in compiled) {
    const kind = regex !== null ? 'regular expression' : 'glob';
    problems.push({ path, message: `invalid ${kind} ${pattern}: ${compiled.problem}` });
    return () => false;
  }
  return (value) => {
    const text = asText(value);
    return text !== null && compiled.test(text);
  };
}

function booleanTest(expected: boolean): ValueTest {
  // Some exporters write readOnly as "true"/"false".
  return (value) => value === expected || value === String(expected);
}

function cidrTest(raw: unknown, path: (string | number)[], problems: ConditionProblem[]): ValueTest {
  const items = Array.isArray(raw) ? raw : [raw];
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  items.forEach((item, index) => {
    const itemPath = Array.isArray(raw) ? [...path, index] : path;
    if (typeof item !== 'string' || !ipaddr.isValidCIDR(item)) {
      problems.push({
        path: itemPath,
        message: `${JSON.stringify(item)} is not a CIDR range like 10.0.0.0/8`,
      });
      return;
    }
    ranges.push(ipaddr.parseCIDR(item));
  });
  return (value) => {
    if (typeof value !== 'string' || !ipaddr.isValid(value)) return false;
    // IPv4-mapped IPv6 addresses are compared as IPv4.
    const address = ipaddr.process(value);
    return ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  };
}

function objectTest(
  raw: Record<string, unknown>,
  path: (string | number)[],
  problems: ConditionProblem[],
): ValueTest {
  const keys = Object.keys(raw);
  const [key] = keys;
  if (keys.length !== 1 || !conditionKeys.includes(key as (typeof conditionKeys)[number])) {
    problems.push({
      path,
      message: `a condition object has exactly one of ${conditionKeys.join(', ')}; got ${keys.join(', ') || 'none'}`,
    });
    return () => false;
  }
  const operand = raw[key!];
  const operandPath = [...path, key!];
  switch (key) {
    case 'present':
      if (typeof operand !== 'boolean') {
        problems.push({ path: operandPath, message: 'present takes true or false' });
        return () => false;
      }
      return (value) => (value !== undefined && value !== null) === operand;
    case 'cidr':
      return cidrTest(operand, operandPath, problems);
    case 'equals': {
      const text = asText(operand);
      if (text === null) {
        problems.push({ path: operandPath, message: 'equals takes a string' });
        return () => false;
      }
      return (value) => asText(value) === text;
    }
    default: {
      const inner = compileCondition(operand, operandPath, problems);
      return (value) => !inner(value);
    }
  }
}

/**
 * Compiles a rule condition: a string (exact, glob, or `/regex/flags`), a boolean, a list (any of),
 * or an object with one of `present`, `cidr`, `not`, `equals`. Problems are collected, not thrown,
 * so one pass reports every mistake in the file.
 */
export function compileCondition(
  raw: unknown,
  path: (string | number)[],
  problems: ConditionProblem[],
): ValueTest {
  if (typeof raw === 'string') return stringTest(raw, path, problems);
  if (typeof raw === 'boolean') return booleanTest(raw);
  if (typeof raw === 'number') {
    // YAML reads 012345678901 as a number and drops the leading zero: ask for quotes instead of guessing.
    problems.push({ path, message: `write numbers as quoted strings, e.g. '${String(raw)}'` });
    return () => false;
  }
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      problems.push({ path, message: 'an empty list matches nothing' });
      return () => false;
    }
    const tests = raw.map((item, index) => compileCondition(item, [...path, index], problems));
    return (value) => tests.some((test) => test(value));
  }
  if (typeof raw === 'object' && raw !== null)
    return objectTest(raw as Record<string, unknown>, path, problems);
  problems.push({
    path,
    message: 'a condition is a string, a boolean, a list, or an object like {present: true}',
  });
  return () => false;
}
