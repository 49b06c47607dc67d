// tier: unit
import t from 'tap';
import { runPooled } from '../../orchestrator/runner/job-pool.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Items that record when they ran, on which CPUs, and how many ran at once. */
function recorder() {
  let running = 0;
  const log = { most: 0, started: [] as string[], cpus: new Map<string, readonly number[]>(), overlaps: [] as string[][] };
  const active = new Set<string>();
  const run = async (item: { build: string; iteration: number }, cpus: readonly number[]) => {
    const name = `${item.build}#${item.iteration}`;
    for (const other of active) if (other.split('#')[0] === item.build) log.overlaps.push([other, name]);
    active.add(name);
    log.started.push(name);
    log.cpus.set(name, cpus);
    log.most = Math.max(log.most, ++running);
    await tick(item.build === 'slow' ? 30 : 5);
    running -= 1;
    active.delete(name);
    return false;
  };
  return { log, run };
}

const items = ['slow', 'fast', 'other'].flatMap((build) => [0, 1, 2].map((iteration) => ({ build, iteration }))).sort((a, b) => a.iteration - b.iteration);

t.test('as many at once as there are slots, never two of one cell, each cell in its order, every item once', async (t) => {
  const { log, run } = recorder();
  await runPooled(items, [[0], [1]], run);
  t.equal(log.started.length, 9);
  t.equal(new Set(log.started).size, 9);
  t.equal(log.most, 2, 'two slots: two at a time');
  t.same(log.overlaps, [], 'no cell ran two iterations at once');
  for (const build of ['slow', 'fast', 'other']) t.same(log.started.filter((name) => name.startsWith(`${build}#`)), [0, 1, 2].map((i) => `${build}#${i}`), `${build}: iterations in order`);
  t.ok([...log.cpus.values()].every((cpus) => cpus.length === 1 && (cpus[0] === 0 || cpus[0] === 1)));
});

t.test('one cell only: one at a time whatever the slots', async (t) => {
  const { log, run } = recorder();
  await runPooled([0, 1, 2].map((iteration) => ({ build: 'only', iteration })), [[0], [1], [2]], run);
  t.equal(log.most, 1);
  t.same(log.started, ['only#0', 'only#1', 'only#2']);
});

t.test('a stop starts nothing more; an error starts nothing more and is thrown after the running items end', async (t) => {
  const started: string[] = [];
  await runPooled(items, [[0]], async (item) => {
    started.push(`${item.build}#${item.iteration}`);
    return started.length === 2;
  });
  t.same(started, ['slow#0', 'fast#0']);
  const ended: string[] = [];
  await t.rejects(
    runPooled(items, [[0], [1]], async (item) => {
      if (item.build === 'fast') throw new Error('qemu could not start');
      await tick(20);
      ended.push(`${item.build}#${item.iteration}`);
      return false;
    }),
    /qemu could not start/,
  );
  t.same(ended, ['slow#0'], 'the item running beside the failure ended first, none started after it');
});
