// tier: host
import fs from 'node:fs';
import t from 'tap';
import { VERDICT_EXIT } from '../../orchestrator/cli/verdict-command.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test("the exit statuses are git bisect run's", async (t) => {
  t.same(VERDICT_EXIT, { safe: 0, race: 1, untestable: 125 });
});

t.test('exit 1 for a racing build, 0 for a fixed one', NEEDS_KVM, async (t) => {
  const env = { SLOTLAB_RUNS_DIR: tempDir(t, 'slotlab-runs-') };
  const race = await slotlab(['verdict', 'pam-qmp', '--build', '7.2-stock', '--mutations', '1000'], { env });
  t.equal(race.exitCode, 1, String(race.all));
  t.match(race.stdout, /^race: 1 iterations, 1 lost \(needed 7 clean for p=0\.5, alpha=0\.01\); records: (\S+)/);
  const manifest = JSON.parse(fs.readFileSync(/records: (\S+)\.jsonl/.exec(String(race.stdout))![1] + '.manifest.json', 'utf8'));
  t.equal(manifest.overrides.untilLost, true, 'the run is marked as stopped at its first loss');
  const safe = await slotlab(['verdict', 'pam-qmp', '--build', '7.2-paused-vcpu', '--race-probability', '0.9', '--alpha', '0.05', '--mutations', '300'], { env });
  t.equal(safe.exitCode, 0, String(safe.all));
  t.match(safe.stdout, /^safe: 2 iterations, 0 lost \(needed 2 clean for p=0\.9, alpha=0\.05\)/);
});

t.test('exit 125 when it cannot test; bad flags are usage errors', async (t) => {
  const env = { SLOTLAB_RUNS_DIR: tempDir(t, 'slotlab-runs-') };
  const untestable = await slotlab(['verdict', 'pam-qmp', '--build', 'no-such-build'], { env });
  t.equal(untestable.exitCode, 125);
  t.match(untestable.stderr, /could not test: unknown build 'no-such-build'/);
  const usage = await slotlab(['verdict', 'pam-qmp', '--build', '7.2-stock', '--alpha', '2']);
  t.match(usage.stderr, /--alpha needs a probability between 0 and 1/);
});
