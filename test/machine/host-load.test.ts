// tier: unit
import fs from 'node:fs';
import t from 'tap';
import { parseLoad, readHostLoad } from '../../orchestrator/machine/host-load.js';

t.test('the load average and the CPU pressure as the kernel prints them', async (t) => {
  const pressure = 'some avg10=28.33 avg60=52.40 avg300=60.99 total=1341305174\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
  t.same(parseLoad('3.54 4.48 4.27 3/139 26591\n', pressure), { loadavg1: 3.54, cpuSomeAvg10: 28.33 });
  t.same(parseLoad('0.00 0.01 0.05 1/80 1\n', undefined), { loadavg1: 0 }, 'a kernel without PSI: the load average alone');
});

t.test("this machine's load, read now", async (t) => {
  const load = readHostLoad()!;
  t.ok(load, 'Linux: /proc/loadavg is there');
  t.ok(load.loadavg1 >= 0);
  if (fs.existsSync('/proc/pressure/cpu')) t.ok(load.cpuSomeAvg10 !== undefined && load.cpuSomeAvg10 >= 0 && load.cpuSomeAvg10 <= 100, 'PSI: a percentage');
});
