import type { IterationRecord } from '../results/record.js';
import type { PlanItem } from '../runner/plan.js';

interface Cell {
  total: number;
  done: number;
  losses: number;
}

/**
 * Per (suite, build) cell: iterations done, losses so far, and an ETA from the
 * mean iteration time. On a TTY it redraws the cells in place; elsewhere (a CI log)
 * it prints one line per finished iteration: its cell, n of m, losses, the run's ETA.
 */
export class ProgressDisplay {
  private readonly cells = new Map<string, Cell>();
  private readonly started = Date.now();
  private finished = 0;
  private lines = 0;

  constructor(
    private readonly suite: string,
    items: readonly PlanItem[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = stream.isTTY === true,
  ) {
    for (const item of items) {
      const cell = this.cells.get(item.build) ?? { total: 0, done: 0, losses: 0 };
      cell.total++;
      this.cells.set(item.build, cell);
    }
    this.draw();
  }

  /** An iteration that ended; `replayed`: one a resumed run had already (counted, no line of its own off a terminal). */
  record(record: IterationRecord, replayed = false): void {
    const cell = this.cells.get(record.build.name);
    if (!cell) return;
    cell.done++;
    if (record.outcome === 'guest-lost') cell.losses++;
    this.finished++;
    if (this.enabled) this.draw();
    else if (!replayed) this.stream.write(`${this.lineOf(record.build.name, cell, this.eta())}\n`);
  }

  /** The text drawn, one line per cell. */
  render(): string[] {
    const eta = this.eta();
    return [...this.cells.entries()].map(([build, cell]) => this.lineOf(build, cell, eta));
  }

  /** The run's remaining time from the mean iteration so far; undefined when nothing remains. */
  private eta(): string | undefined {
    const remaining = [...this.cells.values()].reduce((sum, cell) => sum + cell.total - cell.done, 0);
    if (remaining === 0) return undefined;
    const perIteration = this.finished > 0 ? (Date.now() - this.started) / this.finished : undefined;
    return perIteration === undefined ? '?' : formatDuration(perIteration * remaining);
  }

  private lineOf(build: string, cell: Cell, eta: string | undefined): string {
    return `${this.suite} x ${build}: ${cell.done}/${cell.total} iterations, ${cell.losses} lost${eta === undefined ? '' : `  (run ETA ${eta})`}`;
  }

  private draw(): void {
    if (!this.enabled) return;
    if (this.lines > 0) this.stream.write(`\x1b[${this.lines}A`);
    const lines = this.render();
    for (const line of lines) this.stream.write(`\x1b[2K${line}\n`);
    this.lines = lines.length;
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
