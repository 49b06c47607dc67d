// tier: unit
import t from 'tap';
import { listSuites } from '../../orchestrator/suites/load-suite.js';
import { slotlab } from '../fixtures/cli.js';

t.test('suites lists every suite with its description, machine, mutator and expectations', async (t) => {
  const result = await slotlab(['suites']);
  t.equal(result.exitCode, 0);
  const lines = String(result.stdout).trimEnd().split('\n');
  t.equal(lines.length, 2 * listSuites().length, 'two lines per suite');
  t.match(result.stdout, /^pam-qmp +PAM0 \(0xF0000\) RO\/RW flips .*\n +pc, 3 vCPUs, mutator pam-toggle; expect: stock race, paused-vcpu safe, atomic-ioctl safe, mmio-exit safe, mmio-aware safe$/m);
  t.match(result.stdout, /^smram-q35 +q35 SMRAM .*\n +q35, 3 vCPUs, mutator config-toggle; expect: stock race/m);
  t.match(result.stdout, /^dirty-log +.*\n +pc, 3 vCPUs, mutator dirty-log; expect: stock safe, paused-vcpu safe, atomic-ioctl safe, mmio-exit safe, mmio-aware safe$/m);
});
