/**
 * A rule's title, e.g. `{actor} deleted bucket {requestParameters.bucketName} in {awsRegion}`.
 * `{actor}` is who made the call as the default title names it, `{service}` the event source
 * without `.amazonaws.com`, `{account}` the account; any other name is a dotted path into the record.
 */
export interface TitleTemplate {
  source: string;
  parts: readonly TemplatePart[];
}

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'field'; name: string };

const placeholder = /\{([^{}]*)\}/g;
const fieldName = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

/** Parses a template, or returns the reason it is not one. */
export function parseTitleTemplate(source: string): TitleTemplate | string {
  if (source.trim() === '') return 'a title template cannot be empty';
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of source.matchAll(placeholder)) {
    const name = match[1]!.trim();
    if (!fieldName.test(name))
      return `{${match[1]}} is not a field name like {eventName} or {userIdentity.arn}`;
    if (match.index > last) parts.push({ kind: 'text', text: source.slice(last, match.index) });
    parts.push({ kind: 'field', name });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ kind: 'text', text: source.slice(last) });
  const stray = parts.find((part) => part.kind === 'text' && /[{}]/.test(part.text));
  if (stray !== undefined) return 'unbalanced { or } in title template';
  return { source, parts };
}

export function renderTitleTemplate(template: TitleTemplate, resolve: (name: string) => string): string {
  return template.parts.map((part) => (part.kind === 'text' ? part.text : resolve(part.name))).join('');
}
