/** The Datadog sites an organisation can live on; each has its own API and logs intake hosts. */
export const datadogSites = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'datadoghq.eu',
  'ddog-gov.com',
] as const;

export type DatadogSite = (typeof datadogSites)[number];

/**
 * Where to send: a Datadog site, or one base URL serving every path (a proxy, a recording intake).
 * A plain `http://` base URL carries the API key in clear text: only to this machine, unless
 * `allowPlainHttp` says the operator chose it (a sidecar proxy on the pod network).
 */
export type DatadogTarget = { site: DatadogSite } | { baseUrl: string; allowPlainHttp?: boolean };

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Why this target would send the API key in clear text to another machine, or null when it would not. */
export function plainHttpProblem(target: DatadogTarget): string | null {
  if ('site' in target || target.allowPlainHttp) return null;
  const base = new URL(target.baseUrl);
  if (base.protocol !== 'http:' || isLoopback(base.hostname)) return null;
  return `DD_URL ${base.origin} is plain http to another machine: the API key would travel in clear text; use https://, or set DD_ALLOW_PLAIN_HTTP=true if the hop is private by design`;
}

export interface DatadogEndpoints {
  events: URL;
  logs: URL;
  validate: URL;
}

export function resolveDatadogEndpoints(target: DatadogTarget): DatadogEndpoints {
  if ('site' in target) {
    const api = `https://api.${target.site}`;
    return {
      events: new URL('/api/v1/events', api),
      logs: new URL('/api/v2/logs', `https://http-intake.logs.${target.site}`),
      validate: new URL('/api/v1/validate', api),
    };
  }
  const base = new URL(target.baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new Error(`Datadog base URL must be http(s), got ${base.protocol}`);
  }
  const problem = plainHttpProblem(target);
  if (problem !== null) throw new Error(problem);
  // A base URL may carry a path prefix (a proxy mounted under /datadog): keep it.
  const prefix = base.pathname.replace(/\/+$/, '');
  const at = (path: string) => new URL(`${prefix}${path}`, base.origin);
  return { events: at('/api/v1/events'), logs: at('/api/v2/logs'), validate: at('/api/v1/validate') };
}
