// tier: unit
import t from 'tap';
import { renderTable } from '../../orchestrator/reports/run-table.js';
import { sampleRecord } from '../fixtures/records.js';

const survived = sampleRecord({
  build: { ...sampleRecord().build, name: 'debian-bpo-10.0', version: 'QEMU emulator version 10.0.2' },
  outcome: 'survived',
  stopReason: 'mutations',
  mutationsApplied: 5000,
  mutationsAttempted: 5000,
  timeToFailureMs: null,
  failure: null,
  stderrExcerpt: 'qemu-system-x86_64: warning: something',
});

t.test('one row per iteration with everything the demo promises', async (t) => {
  const text = renderTable([sampleRecord(), survived]);
  const [header, rule, lost, ok] = text.split('\n');
  t.match(header, /^build\s+iter\s+mutations\s+outcome\s+stop\s+time to failure\s+vCPU\s+EIP\/RIP\s+in loop\s+latency p50\/p99\s+progress$/);
  t.match(rule, /^-+  -+/);
  t.match(lost, /^debian-7\.2\s+0\s+7\/5000\s+guest-lost\s+internal-error\s+42 ms\s+2\s+0x00100087\s+yes\s+1\.2ms\/9\.0ms\s+-$/);
  t.match(ok, /^debian-bpo-10\.0\s+0\s+5000\/5000\s+survived\s+mutations\s+-\s+-\s+-\s+-\s+1\.2ms\/9\.0ms\s+rising$/);
  t.match(text, /QEMU stderr excerpts\n  debian-7\.2 iteration 0:\n    KVM internal error\. Suberror: 1\n    emulation failure\n    EIP=00100087 /);
  t.notMatch(text, /warning: something/, 'survivors need no excerpt');
});

t.test('errors and stalls are counted apart and explained', async (t) => {
  const error = sampleRecord({ outcome: 'error', stopReason: 'error', failure: null, stderrExcerpt: '', error: { code: 'GUEST_TIMEOUT', message: 'timed out waiting for the spin banner\nmore' } });
  const text = renderTable([error, sampleRecord({ outcome: 'stalled', stopReason: 'mutations', failure: null, progressRising: false })]);
  t.match(text, /slotlab: timed out waiting for the spin banner$/m);
  t.match(text, /stalled\s+mutations.*NOT rising/);
});
