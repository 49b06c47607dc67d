// tier: nested
import t from 'tap';
import { readBisectLog } from '../../orchestrator/bisect/bisect-log.js';
import { findKernel } from '../../orchestrator/kernels/kernel-registry.js';
import { slotlab } from '../fixtures/cli.js';
import { gitRepo } from '../fixtures/git-repo.js';
import { tempDir } from '../fixtures/temp-dir.js';

const short = (sha: string) => sha.slice(0, 12);

t.test('bisect kernel builds each kernel commit with the given command, boots it as L1 and names the kernel that fixed the race', async (t) => {
  const [stock, atomic] = await Promise.all(['6.1-stock', '6.1-atomic-ioctl'].map(async (name) => (await findKernel(name).resolve()).bzImage));
  // A kernel "history" whose build command copies a prebuilt bzImage: compiling a kernel per commit would not fit a test.
  const { dir, shas } = await gitRepo(t, [
    { subject: 'KVM as in 6.1', files: { 'KERNEL_IMAGE': stock! } },
    { subject: 'Documentation: a note', files: { 'README': 'note\n' } },
    { subject: 'KVM: KVM_SET_USER_MEMORY_REGION_LIST', files: { 'KERNEL_IMAGE': atomic! } },
  ]);
  const make = 'mkdir -p "$SLOTLAB_KERNEL_OUT/arch/x86/boot" && cp "$(cat KERNEL_IMAGE)" "$SLOTLAB_KERNEL_OUT/arch/x86/boot/bzImage"';
  const runs = tempDir(t, 'slotlab-runs-');
  const args = ['bisect', 'kernel', '--kernel-src', dir, '--make', make, '--good', shas[2]!, '--bad', shas[0]!, '--build', '7.2-atomic-ioctl', '--suite', 'pam-qmp'];
  const result = await slotlab([...args, '--mutations', '200', '--calibrate', '4', '--alpha', '0.3'], { env: { SLOTLAB_RUNS_DIR: runs } });
  t.equal(result.exitCode, 0, String(result.all));
  t.match(result.stdout, new RegExp(`^first commit without the race: ${short(shas[2]!)} KVM: KVM_SET_USER_MEMORY_REGION_LIST`, 'm'));
  const steps = readBisectLog(/^steps: (\S+)$/m.exec(String(result.stdout))![1]!);
  const tested = steps.filter((line) => line.type === 'step');
  t.match(tested[0], { role: 'calibration', verdict: 'race', candidate: { id: shas[0] } });
  t.match(tested.find((line) => line.candidate.id === shas[2]), { role: 'end', verdict: 'safe' });
  t.match(tested.find((line) => line.candidate.id === shas[1]), { role: 'step', verdict: 'race' });
  t.ok(tested.every((line) => line.type === 'step' && line.kernel?.kind === 'user-bzimage'), 'each step names the kernel it booted');
});
