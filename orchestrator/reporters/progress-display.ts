import type { IterationRecord } from '../results/record.js';
import type { PlanItem } from '../runner/plan.js';

interface Cell {
  total: number;
  done: number;
  losses: number;
}

/**
 * Per (suite, build) cell: iterations done, losses so far, and an ETA from the
 * mean iteration time. Draws on a TTY only; silent otherwise.
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

  record(record: IterationRecord): void {
    const cell = this.cells.get(record.build.name);
    if (!cell) return;
    cell.done++;
    if (record.outcome === 'guest-lost') cell.losses++;
    this.finished++;
    this.draw();
  }

  /** The text drawn, one line per cell. */
  render(): string[] {
    const remaining = [...this.cells.values()].reduce((sum, cell) => sum + cell.total - cell.done, 0);
    const perIteration = this.finished > 0 ? (Date.now() - this.started) / this.finished : undefined;
    const eta = perIteration === undefined ? '?' : formatDuration(perIteration * remaining);
    return [...this.cells.entries()].map(
      ([build, cell]) => `${this.suite} x ${build}: ${cell.done}/${cell.total} iterations, ${cell.losses} lost${remaining > 0 ? `  (run ETA ${eta})` : ''}`,
    );
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
