import { RE2JS } from 're2js';

/**
 * A compiled rule pattern. Rules run on fields an attacker writes (`userAgent`, `requestParameters.*`),
 * so every pattern runs in RE2's linear-time engine: a backtracking `RegExp` can take seconds on one
 * crafted value and stop the event loop.
 */
export interface LinearPattern {
  /** Whether the pattern matches anywhere in the text (like `RegExp.prototype.test`). */
  test(text: string): boolean;
}

const flagBits: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};
// RE2 always matches by code point and a match is a pure function: these flags change nothing.
const flagsWithoutEffect = new Set(['u', 'g', 'y', 'd']);

const dialectNote = 'rule regexes use the RE2 dialect, which runs in linear time';

/**
 * The JavaScript escapes RE2 spells differently (`\uXXXX` and `\u{X}` become `\x{X}`), or a reason
 * when the pattern uses what RE2 cannot run in linear time (backreferences, lookaround).
 */
function toRe2Syntax(source: string): string | { refused: string } {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) {
        return { refused: `backreferences (\\${next}…) are not supported: ${dialectNote}` };
      }
      if (next === 'u') {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(i + 2));
        const fixed = /^[0-9a-fA-F]{4}/.exec(source.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        if (fixed) {
          out += `\\x{${fixed[0]}}`;
          i += 1 + fixed[0].length;
          continue;
        }
      }
      out += char + next;
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(' && source[i + 1] === '?') {
      const kind = /^\(\?(<=|<!|=|!)/.exec(source.slice(i));
      if (kind) {
        const name = kind[1]!.startsWith('<') ? 'lookbehind' : 'lookahead';
        return { refused: `${name} (${kind[0]}…) is not supported: ${dialectNote}` };
      }
    }
    out += char;
  }
  return out;
}

/** Compiles a `/source/flags` rule regex, or says why it cannot be used. */
export function compileRuleRegex(source: string, flags: string): LinearPattern | { problem: string } {
  let bits = 0;
  for (const flag of flags) {
    if (flag in flagBits) bits |= flagBits[flag]!;
    else if (!flagsWithoutEffect.has(flag)) {
      return { problem: `flag ${flag} is not supported (use i, m, s): ${dialectNote}` };
    }
  }
  const syntax = toRe2Syntax(source);
  if (typeof syntax !== 'string') return { problem: syntax.refused };
  try {
    return RE2JS.compile(syntax, bits);
  } catch (error) {
    return { problem: `${(error as Error).message} (${dialectNote})` };
  }
}

function escapeRe2(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * Translates a glob into RE2: `*` (and `**`) is any run of characters, `/` included, `?` one
 * character, `[abc]` / `[!abc]` a class, `{a,b}` any of (nested allowed), `\x` a literal. Extglobs
 * (`+(a|b)` and kin) are refused: the alternatives they hide are what makes globs backtrack.
 */
function globToRe2(glob: string): string | { problem: string } {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if ('@*+?!'.includes(char) && glob[i + 1] === '(') {
      return {
        problem: `extglob ${char}(…) is not supported in rule globs; use a list of globs or a /regex/`,
      };
    }
    switch (char) {
      case '\\':
        out += escapeRe2(glob[i + 1] ?? '\\');
        i += 1;
        break;
      case '*':
        out += '.*';
        while (glob[i + 1] === '*') i += 1;
        break;
      case '?':
        out += '.';
        break;
      case '[': {
        const end = glob.indexOf(']', i + 2);
        if (end === -1) {
          out += '\\[';
          break;
        }
        const body = glob.slice(i + 1, end);
        const negated = body.startsWith('!') || body.startsWith('^');
        const members = (negated ? body.slice(1) : body).replace(/[\\[\]^]/g, '\\$&');
        out += `[${negated ? '^' : ''}${members}]`;
        i = end;
        break;
      }
      case '{':
        braceDepth += 1;
        out += '(?:';
        break;
      case '}':
        if (braceDepth === 0) out += '\\}';
        else {
          braceDepth -= 1;
          out += ')';
        }
        break;
      case ',':
        out += braceDepth > 0 ? '|' : ',';
        break;
      default:
        out += escapeRe2(char);
    }
  }
  if (braceDepth > 0) return { problem: 'a { in the glob is never closed' };
  return out;
}

/** Compiles a glob that must match the whole text, or says why it cannot be used. */
export function compileRuleGlob(glob: string): LinearPattern | { problem: string } {
  const syntax = globToRe2(glob);
  if (typeof syntax !== 'string') return syntax;
  try {
    const compiled = RE2JS.compile(syntax, RE2JS.DOTALL);
    return { test: (text) => compiled.testExact(text) };
  } catch (error) {
    return { problem: `invalid glob: ${(error as Error).message}` };
  }
}
