/** Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise (CI logs, pipes). */
export class Progress {
  private done = 0;
  private lastLine = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly label: string,
    private total: number | undefined = undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  advance(by = 1, detail = ''): void {
    this.done += by;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastLine < 100) return;
      this.lastLine = now;
      this.stream.write(`\r\x1b[K${this.render(detail)}`);
    } else if (now - this.lastLine >= 5_000) {
      this.lastLine = now;
      this.stream.write(`${this.render(detail)}\n`);
    }
  }

  finish(detail = ''): void {
    this.stream.write(`${this.tty ? '\r\x1b[K' : ''}${this.render(detail)}\n`);
  }

  private render(detail: string): string {
    if (this.total === undefined || this.total === 0)
      return `${this.label}: ${this.done} ${detail}`.trimEnd();
    const ratio = Math.min(1, this.done / this.total);
    const width = 24;
    const filled = Math.round(ratio * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    return `${this.label} ${bar} ${this.done}/${this.total} (${Math.round(ratio * 100)}%) ${detail}`.trimEnd();
  }
}
