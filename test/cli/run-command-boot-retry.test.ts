// tier: nested
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

// `slotlab run` of a Linux guest that cannot boot: each boot is tried again before the iteration counts as an error.

t.test('a guest lost while booting is booted again, recorded as an error after the last attempt, and the run goes on', async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const file = path.join(dir, 'boot-oom.yaml');
  // 80 MiB is too little for Debian's kernel and the initramfs: the kernel panics out of memory, QEMU (-no-reboot) exits 0.
  fs.writeFileSync(file, fs.readFileSync('suites/linux-hotplug.yaml', 'utf8').replace('memoryMiB: 256', 'memoryMiB: 80'));
  const result = await slotlab(['run', file, '--build', '7.2-paused-vcpu', '--repetitions', '2', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, String(result.stderr));
  const records = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  t.same(records.map((record) => [record.iteration, record.outcome, record.error?.code, record.bootRetries]), [
    [0, 'error', 'GUEST_BOOT_LOST', 2],
    [1, 'error', 'GUEST_BOOT_LOST', 2],
  ]);
  t.match(records[0]!.error!.message, /QEMU ran the guest, and exited \(exit code 0, signal -, after \d+ ms\) while slotlab was waiting for the Linux guest's init[\s\S]*Kernel panic - not syncing/);
  t.equal(records[0]!.mutationsAttempted, 0, 'no mutation ran');
  t.match(String(result.stderr), /7\.2-paused-vcpu #0: QEMU ran the guest, and exited .*; booting it again \(attempt 2 of 3\)/);
  t.match(String(result.stderr), /7\.2-paused-vcpu #1: .*booting it again \(attempt 3 of 3\)/);
});
