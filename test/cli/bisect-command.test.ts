// tier: host
import t from 'tap';
import { type BisectLogLine, readBisectLog } from '../../orchestrator/bisect/bisect-log.js';
import { slotlab } from '../fixtures/cli.js';
import { type QemuHistory, qemuHistory } from '../fixtures/qemu-history.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

const TRIALS = 2;
const short = (sha: string) => sha.slice(0, 12);

async function bisectQemu(t: Parameters<typeof tempDir>[0], history: QemuHistory, good: string, bad: string) {
  const runs = tempDir(t, 'slotlab-runs-');
  const result = await slotlab(['bisect', 'qemu', '--src', history.dir, '--good', good, '--bad', bad, '--suite', 'pam-qmp', '--mutations', '300'], { env: { SLOTLAB_RUNS_DIR: runs } });
  const file = /^steps: (\S+)$/m.exec(String(result.stdout))?.[1];
  const steps: BisectLogLine[] = file ? readBisectLog(file) : [];
  return { result, steps, output: String(result.all) };
}

t.test('bisect qemu names the commit that fixed the race, in every trial', NEEDS_KVM, async (t) => {
  const history = await qemuHistory();
  for (let trial = 1; trial <= TRIALS; trial++) {
    const { result, steps, output } = await bisectQemu(t, history, history.sha['build-fix'], history.sha.base);
    t.equal(result.exitCode, 0, output);
    t.match(result.stdout, new RegExp(`^first commit without the race: ${short(history.sha['paused-vcpu'])} kvm: apply overlapping memslot updates`, 'm'), `trial ${trial}`);
    const result_ = steps.find((line) => line.type === 'result');
    t.match(result_, { terms: 'fixed', first: { id: history.sha['paused-vcpu'] } });
    const tested = steps.filter((line) => line.type === 'step');
    t.match(tested[0], { role: 'calibration', verdict: 'race', candidate: { id: history.sha.base } });
    t.match(tested[1], { role: 'end', verdict: 'safe', candidate: { id: history.sha['build-fix'] } });
    for (const step of tested) {
      t.ok(step.type === 'step' && step.runId && step.build?.source.endsWith(`at git ${step.candidate.id}`), 'each step names its run and the exact commit built');
    }
  }
});

t.test('bisect qemu over a partial revert names the commit that brought the race back, stepping around a commit that does not build', NEEDS_KVM, async (t) => {
  const history = await qemuHistory();
  for (let trial = 1; trial <= TRIALS; trial++) {
    const { result, steps, output } = await bisectQemu(t, history, history.sha['paused-vcpu'], history.sha['docs-3']);
    t.equal(result.exitCode, 0, output);
    t.match(result.stdout, new RegExp(`^first commit with the race: ${short(history.sha['partial-revert'])} kvm: stop pausing vCPUs`, 'm'), `trial ${trial}`);
    t.match(
      steps.find((line) => line.type === 'step' && line.candidate.id === history.sha['broken-build']),
      { verdict: 'skip', reason: /compile failed[\s\S]*pc\.c/ },
      'the commit that does not compile is a skip, with the compiler error',
    );
    t.match(steps.at(-1), { type: 'result', terms: 'introduced', first: { id: history.sha['partial-revert'] } });
  }
});

t.test('bad ends and bad flags each get one error that says what to do', async (t) => {
  const history = await qemuHistory();
  const env = { SLOTLAB_RUNS_DIR: tempDir(t, 'slotlab-runs-') };
  const run = (...args: string[]) => slotlab(['bisect', ...args], { env });
  const unknown = await run('qemu', '--src', history.dir, '--good', 'no-such-rev', '--bad', history.sha.base, '--suite', 'pam-qmp');
  t.equal(unknown.exitCode, 2);
  t.match(unknown.stderr, /'no-such-rev' names no commit in .*; give a commit id, tag or branch/);
  const terms = await run('qemu', '--src', history.dir, '--good', history.sha['build-fix'], '--bad', history.sha.base, '--suite', 'pam-qmp', '--terms', 'introduced');
  t.match(terms.stderr, /--terms introduced contradicts the ends: --bad \S+ is older than --good/);
  const notGit = await run('qemu', '--src', tempDir(t), '--good', 'a', '--bad', 'b', '--suite', 'pam-qmp');
  t.match(notGit.stderr, /is not a git repository .*give --src the top of a QEMU git checkout/);
  const same = await run('qemu', '--src', history.dir, '--good', history.sha.base, '--bad', history.sha.base, '--suite', 'pam-qmp');
  t.match(same.stderr, /are the same commit; give two different ends/);
  t.match((await run('qemu', '--src', history.dir, '--good', 'x', '--bad', 'y')).stderr, /bisect needs --suite <suite>/);
  t.match((await run('qemu', '--src', history.dir, '--kernels', 'a', '--suite', 'pam-qmp')).stderr, /--kernels: bisect qemu builds each commit of --src/);
  t.match((await run('kernel', '--suite', 'pam-qmp', '--build', '7.2-stock')).stderr, /bisect kernel needs --kernels LIST\|DIR, or --kernel-src DIR --make CMD/);
  t.match((await run('kernel', '--suite', 'pam-qmp', '--build', '7.2-stock', '--kernels', '5.15-stock')).stderr, /unknown kernel '5\.15-stock'/);
  t.match((await run('firmware')).stderr, /bisect needs qemu or kernel/);
  t.match((await run('qemu', '--src', history.dir, '--good', 'x', '--bad', 'y', '--suite', 'pam-qmp', '--alpha', '0.7')).stderr, /--alpha needs a probability between 0 and 0\.5/);
});
