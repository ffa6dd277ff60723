import { describe, expect, it } from 'vitest';
import { datadogSites, resolveDatadogEndpoints } from './sites.js';

describe('resolveDatadogEndpoints', () => {
  it('sends events to api.<site> and logs to http-intake.logs.<site>', () => {
    const endpoints = resolveDatadogEndpoints({ site: 'datadoghq.eu' });
    expect(endpoints.events.href).toBe('https://api.datadoghq.eu/api/v1/events');
    expect(endpoints.logs.href).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(endpoints.validate.href).toBe('https://api.datadoghq.eu/api/v1/validate');
  });

  it('knows every site Datadog publishes', () => {
    expect(datadogSites).toHaveLength(7);
    for (const site of datadogSites) {
      expect(resolveDatadogEndpoints({ site }).events.hostname).toBe(`api.${site}`);
    }
  });

  it('serves every path from a base URL override, keeping its path prefix', () => {
    const endpoints = resolveDatadogEndpoints({ baseUrl: 'http://127.0.0.1:8126/proxy/datadog/' });
    expect(endpoints.events.href).toBe('http://127.0.0.1:8126/proxy/datadog/api/v1/events');
    expect(endpoints.logs.href).toBe('http://127.0.0.1:8126/proxy/datadog/api/v2/logs');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => resolveDatadogEndpoints({ baseUrl: 'ftp://example.com' })).toThrow(/http\(s\)/);
  });
});
