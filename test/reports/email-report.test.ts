// tier: unit
import t from 'tap';
import { EMAIL_COLUMNS, wrap } from '../../orchestrator/reports/email-report.js';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { renderReport } from '../../orchestrator/reports/render.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { hostileReport } from '../fixtures/hostile.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';

const within = (text: string) => text.split('\n').filter((line) => line.length > EMAIL_COLUMNS);

t.test('wrapping: words fill lines up to 72 columns, continuation lines indented by two more, an overlong word cut', async (t) => {
  const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
  const lines = wrap(words, '  ');
  t.ok(lines.length > 3);
  t.ok(lines.every((line) => line.length <= 72));
  t.ok(lines[0]!.startsWith('  word0') && lines.slice(1).every((line) => line.startsWith('    ') && !line.startsWith('     ')));
  t.same(wrap('x'.repeat(200), '').map((line) => line.length <= 72), [true, true, true]);
  t.equal(wrap('x'.repeat(200), '').join('').replace(/ /g, ''), 'x'.repeat(200), 'nothing of the word is lost');
});

t.test('the message: what was run, each cell with its interval, one lost guest per cell with QEMU\'s lines and how to reproduce it', async (t) => {
  const nested: IterationRecord = sampleRecord({
    runId: '20261203-000000-pam-paged-beef',
    suite: { name: 'pam-paged', file: '/repo/suites/pam-paged.yaml', sha256: 'c'.repeat(64) },
    host: { ...sampleRecord().host, kernelUnderTest: { name: '6.1-atomic-ioctl', kind: 'source-build', source: 'Debian linux-source-6.1 6.1.176-1', bzImage: '/k/bzImage', sha256: 'd'.repeat(64), patches: [{ name: '0001-kvm-set-user-memory-region-list.patch', sha256: 'e'.repeat(64) }] } as never, kvm: { TDP: 0 } },
    failure: { runState: 'qemu-exited (exit code 0, guest-reset)', emulationFailure: false, inLoopRange: false },
    stderrExcerpt: '',
  });
  const text = renderReport(buildReport({ manifests: [], records: [...fixedRecordSet(), nested], generatedAt: '2026-12-03T00:00:00.000Z' }), 'email');
  t.same(within(text), [], 'no line wider than 72 columns');
  t.match(text, /^What was run\n  suite pam-qmp \(sha256 aaaaaaaaaaaa\)\n/m);
  t.match(text, /debian-7\.2 \(stock\): QEMU emulator version 7\.2\.22/);
  t.match(text, /kernel under test 6\.1-atomic-ioctl \(L1 under TCG, emulated SVM\):\s+Debian\s+linux-source-6\.1 6\.1\.176-1, patches\s+0001-kvm-set-user-memory-region-list\.patch \(eeeeeeeeeeee\)/);
  t.match(text, /Results \(95% Clopper-Pearson intervals\)\n  pam-qmp \/ debian-7\.2 \(stock\)\n    lost 3\/3 1\.00 \[0\.29, 1\.00\] per iteration/);
  t.match(text, /One lost guest per cell\n\n  pam-qmp \/ debian-7\.2, iteration 0 of run 20261125-000000-pam-qmp-0000:\n    lost after 3 mutations \(20 ms\), internal-error; vCPU 2 at 0x100087\n    \(in its spin loop\)\n  QEMU:\n    KVM internal error\. Suberror: 1\n    emulation failure\n    EAX=00100080/);
  t.match(text, /  reproduce:\n    slotlab repro 20261125-000000-pam-qmp-0000 --build debian-7\.2 \\\n      --iteration 0 --output repro\n/, 'a command that pastes into a shell');
  t.match(text, /it ran inside kernel under test 6\.1-atomic-ioctl,\s+where\s+slotlab\s+repro\s+reproduces\s+it,\s+inside\s+that\s+kernel\s+only;\s+run\s+the\s+cell\s+again:[\s\S]*slotlab run pam-paged --build debian-7\.2 --kernel 6\.1-atomic-ioctl \\\n      --paging shadow/, 'a cell of a kernel under test names the run command instead');
});

t.test('hostile strings: still 72 columns, no control character', async (t) => {
  const text = renderReport(hostileReport(), 'email');
  t.same(within(text), []);
  // eslint-disable-next-line no-control-regex
  t.notMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control character but the line break');
});
