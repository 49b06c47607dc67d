// tier: unit
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
