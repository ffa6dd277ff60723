import { type DatadogSite, type DatadogTarget, datadogSites, plainHttpProblem } from '@trailstream/datadog';
import { CliError } from './cli-error.js';

const isSite = (name: string): name is DatadogSite => (datadogSites as readonly string[]).includes(name);

/**
 * Where a command talks to Datadog, as the emitter decides it: a base URL (DD_URL, wins) or a site
 * (DD_SITE, default datadoghq.com). A plain-http URL to another machine needs DD_ALLOW_PLAIN_HTTP=true.
 */
export function datadogTargetFrom(
  site: string | undefined,
  url: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DatadogTarget {
  if (site !== undefined && !isSite(site)) {
    throw new CliError(`--dd-site expects one of ${datadogSites.join(', ')}, got "${site}"`);
  }
  if (url !== undefined && !URL.canParse(url)) throw new CliError(`--dd-url expects a URL, got "${url}"`);
  const target: DatadogTarget = url
    ? { baseUrl: url, allowPlainHttp: env.DD_ALLOW_PLAIN_HTTP === 'true' }
    : { site: site ?? 'datadoghq.com' };
  const insecure = plainHttpProblem(target);
  if (insecure !== null) throw new CliError(insecure);
  return target;
}
