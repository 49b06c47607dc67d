// tier: nested
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { NESTED_KERNEL } from '../../orchestrator/runner/linux-guest.js';
import { HOST_PREPARATION, bundleTestFiles, runTestFileInL1, skippedPoints } from '../fixtures/host-tier-in-l1.js';
import { hostTierFiles, hostTierTurn, parseBudgetMinutes } from '../fixtures/host-tier-turn.js';
import { kvmRunsGuest } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

// The host tier needs a /dev/kvm that runs a guest. Where this host has none, every host-tier
// file runs here instead, inside the fallback kernel under test (L1 under TCG), where KVM is L1's.
// Where this host's KVM ran them, one of them runs in L1 all the same: the path a host without KVM takes stays tested.
const hostTier = hostTierFiles();
const kvmHere = await kvmRunsGuest();
// SLOTLAB_L1_HOST_TIER_MINUTES: how long the files may take in all (.ci/run sets it so that a host without
// KVM still ends within CI's limit); unset, every file runs. The files take turns by day (hostTierTurn).
const budgetMinutes = parseBudgetMinutes(process.env.SLOTLAB_L1_HOST_TIER_MINUTES);
const day = Math.floor(Date.now() / 86_400_000);
const turn = kvmHere ? { run: ['test/runner/spin-guest.test.ts'], left: [] } : hostTierTurn(hostTier, budgetMinutes * 60, day);
const files = turn.run;

t.test(`the host tier has files; ${kvmHere ? 'one of them runs' : `${files.length} of ${hostTier.length} run`} inside ${NESTED_KERNEL} as L1`, async (t) => {
  t.ok(hostTier.length > 20, `${hostTier.length} host-tier files`);
  t.ok(files.every((file) => hostTier.includes(file)), 'every file run here is a host-tier file');
  t.equal(files.length + turn.left.length, kvmHere ? 1 : hostTier.length, 'each host-tier file runs now or waits for its turn');
  t.same(Object.keys(HOST_PREPARATION).filter((file) => !hostTier.includes(file)), [], 'every file prepared on the host is a host-tier file');
  await bundleTestFiles(files);
});

for (const file of files) {
  t.test(`${file}, inside ${NESTED_KERNEL} (L1 under TCG)`, async (t) => {
    await HOST_PREPARATION[file]?.(() => {});
    const console: string[] = [];
    const result = await runTestFileInL1(NESTED_KERNEL, file, (line) => {
      console.push(line);
      if (console.length > 200) console.shift();
    });
    const tapFile = path.join(tempDir(t), 'out.tap');
    fs.writeFileSync(tapFile, result.tap);
    // tap reads the file's own TAP as a subtest: each of its assertions shows up, failures with their diagnostics.
    await t.spawn('cat', [tapFile], {}, `${file}: its own tests (${result.seconds.toFixed(0)} s in L1, kernel ${result.release})`);
    const why = `its stderr ends: ${result.stderr.slice(-1500)}; L1's console ends: ${console.slice(-20).join(' | ')}`;
    t.equal(result.exitCode, 0, result.exitCode === 0 ? 'node exited 0' : `node exited ${result.exitCode} (${why})`);
    t.match(result.tap, /^# \{ total: [1-9]/m, 'it reported its totals (it ran to its end)');
    t.same(skippedPoints(result.tap), [], 'no test skipped inside L1: KVM is usable there');
  });
}

for (const { file, costS } of turn.left) {
  t.test(`${file}, inside ${NESTED_KERNEL} (L1 under TCG)`, {
    skip: `not its turn: ${budgetMinutes} min (SLOTLAB_L1_HOST_TIER_MINUTES) hold ${files.length} of ${hostTier.length} host-tier files, which take turns by day; this one takes about ${costS} s there${costS > budgetMinutes * 60 ? ', more than the whole budget, so it runs only where npm test runs without one' : ''}`,
  }, async () => {});
}
