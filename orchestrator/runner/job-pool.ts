/**
 * Runs items `slots.length` at a time, each on a CPU slot of its own, never two
 * items of one cell at once (a cell's iterations keep their order and share its
 * saved guest state). `run` returns true to start nothing more; the first error
 * starts nothing more either, and is thrown once the running items have ended.
 */
export async function runPooled<T extends { build: string }>(items: readonly T[], slots: readonly (readonly number[])[], run: (item: T, cpus: readonly number[]) => Promise<boolean>): Promise<void> {
  const queue = [...items];
  const busy = new Set<string>();
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void)[] = [];
  const changed = () => new Promise<void>((resolve) => wake.push(resolve));
  const notify = () => {
    const waiting = wake;
    wake = [];
    for (const resolve of waiting) resolve();
  };

  const worker = async (cpus: readonly number[]): Promise<void> => {
    for (;;) {
      if (stopped || failure || queue.length === 0) return;
      const index = queue.findIndex((item) => !busy.has(item.build));
      if (index < 0) {
        await changed();
        continue;
      }
      const [item] = queue.splice(index, 1) as [T];
      busy.add(item.build);
      try {
        if (await run(item, cpus)) stopped = true;
      } catch (error) {
        failure ??= { error };
      } finally {
        busy.delete(item.build);
        notify();
      }
    }
  };
  await Promise.all(slots.map(worker));
  if (failure) throw failure.error;
}
