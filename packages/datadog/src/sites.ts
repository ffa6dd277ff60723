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

/** Where to send: a Datadog site, or one base URL serving every path (a proxy, a recording intake). */
export type DatadogTarget = { site: DatadogSite } | { baseUrl: string };

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
  // A base URL may carry a path prefix (a proxy mounted under /datadog): keep it.
  const prefix = base.pathname.replace(/\/+$/, '');
  const at = (path: string) => new URL(`${prefix}${path}`, base.origin);
  return { events: at('/api/v1/events'), logs: at('/api/v2/logs'), validate: at('/api/v1/validate') };
}
