// tier: host
import t from 'tap';
import { bootedStartMs, slowestFirmwareSteps, spinIterationPhases } from '../../orchestrator/bench/iteration-phases.js';
import { trackedProcesses } from '../../orchestrator/machine/process-reaper.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('the slowest firmware steps are the longest gaps between debug-console lines', async (t) => {
  const log = ['0 ms SeaBIOS (version x)', '10 ms Found QEMU fw_cfg', '900 ms Scan for VGA option rom', '950 ms e820 map has 8 items:', '2950 ms enter handle_19:'];
  t.same(slowestFirmwareSteps(log, 2), [
    { ms: 2000, before: 'enter handle_19:' },
    { ms: 890, before: 'Scan for VGA option rom' },
  ]);
});

// Phases only, no timing goal (those are npm run bench's): each is measured and the restore is real.
for (const [build, lost] of [['debian-bpo-10.0', false], ['debian-7.2', true]] as const) {
  t.test(`${build}: an iteration is taken apart into its phases, and the guest is restored from its saved state`, NEEDS_KVM, async (t) => {
    const phases = await spinIterationPhases(build, 200);
    for (const name of ['launchMs', 'qmpReadyMs', 'firmwareMs', 'imageStartMs', 'mutationPhaseMs', 'shutdownMs', 'saveMs', 'restoredStartMs'] as const) {
      t.ok(Number.isInteger(phases[name]) && phases[name] >= 0, `${name} ${phases[name]}`);
    }
    t.ok(phases.firmwareLog.some((line) => / SeaBIOS \(version /.test(line)), "SeaBIOS's debug console was read");
    t.ok(phases.firmwareLog.some((line) => /Booting from ROM/.test(line)), 'up to its jump to the image');
    t.equal(phases.lost, lost, lost ? 'stock loses the guest' : 'the fixed build keeps it');
    if (!lost) t.equal(phases.mutationsApplied, 200);
    t.equal(bootedStartMs(phases), phases.launchMs + phases.qmpReadyMs + phases.firmwareMs + phases.imageStartMs);
    t.same(trackedProcesses(), [], 'both QEMUs are gone');
  });
}
