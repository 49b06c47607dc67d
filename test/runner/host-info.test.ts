// tier: unit
import fs from 'node:fs';
import os from 'node:os';
import t from 'tap';
import { hostInfo } from '../../orchestrator/runner/host-info.js';

t.test('host kernel and CPU model', async (t) => {
  const info = hostInfo();
  t.equal(info.kernel, `Linux ${os.release()}`);
  t.equal(info.cpus, os.cpus().length);
  t.ok(info.memoryGiB >= 1);
  t.ok(info.cpu.length > 0 && info.cpu !== 'unknown');
});

t.test("the kernel's boot id: which boot ran an iteration (inside a kernel under test, which L1 boot)", async (t) => {
  const info = hostInfo();
  t.equal(info.bootId, fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  t.match(info.bootId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});
