/** Polls `check` until it holds; fails naming `what` after the timeout. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  { timeoutMs = 30_000, what = 'the condition' }: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The part of a prom-client Registry that reading a metric needs. */
export interface MetricsSource {
  getSingleMetric(
    name: string,
  ): { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> } | undefined;
}

/** A counter's or gauge's value summed over the series whose labels match `labels` (0 when none exists). */
export async function metricValue(
  registry: MetricsSource,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((value) =>
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
    )
    .reduce((sum, value) => sum + value.value, 0);
}
