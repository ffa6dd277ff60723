// A health check for an image without curl: `probe.mjs /readyz 8080` exits 0 when the local process answers 2xx.
const [path, port] = process.argv.slice(2);
if (!path || !port) {
  console.error('usage: probe.mjs <path> <port>');
  process.exit(2);
}

try {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`probe ${path}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
