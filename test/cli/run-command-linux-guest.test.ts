import fs from 'node:fs';
import t from 'tap';
import { linuxGuestInitramfsPath } from '../../orchestrator/images/linux-guest-image.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { nestedFallback } from '../../orchestrator/nested/nested-fallback.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

// `slotlab run` of the Linux-guest suites: on a host whose KVM cannot boot Linux, inside the kernel under test.

t.test('linux-hotplug: a Linux guest executing from a hot-plugged DIMM is lost on stock and survives on paused-vCPU', async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  // Nested, the job in L1 sees this checkout read-only: the host has to build what the guest boots.
  fs.rmSync(linuxGuestInitramfsPath(), { force: true });
  const result = await slotlab(['run', 'linux-hotplug', '--build', '7.2-stock', '--build', '7.2-paused-vcpu', '--repetitions', '1', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, String(result.all));
  const nested = nestedFallback('linux');
  if (nested) t.match(String(result.stderr), `slotlab: ${nested.why}; running linux-hotplug inside kernel debian-6.1 (nested, L1 under TCG)`);
  const records = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  const stock = records.find((record) => record.build.name === '7.2-stock')!;
  const fixed = records.find((record) => record.build.name === '7.2-paused-vcpu')!;
  for (const record of [stock, fixed]) {
    t.match(record.serialExcerpt, /slotlab-guest: node 1 memory online from 0x100000000/, `${record.build.name}: the DIMM plugged after boot came online on node 1`);
    t.match(record.serialExcerpt, /slotlab-guest: ready 2 workers executing from node 1:( N1=\d+)+\r?$/m, `${record.build.name}: the workers' code is on node 1 only`);
  }
  t.equal(stock.outcome, 'guest-lost', JSON.stringify(stock.failure));
  const crashed = /BUG: |Oops|Kernel panic/.test(stock.failure!.guestReport ?? '');
  const hung = stock.failure!.runState === 'guest-hung' && /detected stalls on CPUs|soft lockup|blocked for more than|printed no progress line/.test(stock.failure!.guestReport ?? '');
  t.ok(stock.failure!.emulationFailure || crashed || hung, `stock: KVM's emulation failure, or the guest kernel's own crash or stall report: ${JSON.stringify(stock.failure)}`);
  t.ok(stock.mutationsApplied < 40, 'lost before the mutations ran out');
  t.match(fixed, { outcome: 'survived', mutationsApplied: 40, progressRising: true, progressKnown: true, failure: null });
  t.equal(fixed.progressAfter.length, 2, 'a counter per vCPU');
});
