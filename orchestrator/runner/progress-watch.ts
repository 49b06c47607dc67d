/**
 * Judges whether every vCPU keeps making progress. A vCPU may miss a few
 * checkpoints (on a busy 2-core host a vCPU thread can go unscheduled for a
 * batch), but not `maxStall` in a row, and it must advance over the whole run.
 */
export class ProgressWatch {
  private readonly stalls: number[];
  private last: bigint[];
  private worst = 0;

  constructor(
    private readonly first: bigint[],
    private readonly maxStall = 10,
  ) {
    this.stalls = first.map(() => 0);
    this.last = first;
  }

  observe(now: bigint[]): void {
    now.forEach((value, index) => {
      this.stalls[index] = value > (this.last[index] ?? 0n) ? 0 : (this.stalls[index] ?? 0) + 1;
      this.worst = Math.max(this.worst, this.stalls[index]!);
    });
    this.last = now;
  }

  /** Longest run of checkpoints any vCPU went without advancing. */
  get longestStall(): number {
    return this.worst;
  }

  get rising(): boolean {
    return this.worst < this.maxStall && this.last.length === this.first.length && this.last.every((value, index) => value > this.first[index]!);
  }
}
