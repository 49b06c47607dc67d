// tier: nested
/*
 * kvm-probe emul-test inside 6.1-atomic-ioctl: the slot holding a paged vCPU's
 * code, page tables, GDT, IDT, stack and data is swapped (delete + create of
 * the same range) while the vCPU loops on emulated instructions (rep outsb, an
 * MMIO read), under two-dimensional and shadow paging, through the list ioctl
 * and as two single ioctls. A swap atomic for every vCPU path shows no internal
 * error, no MMIO exit inside the slot, no guest page fault and no triple fault:
 * the list must (its patch retries wherever a vCPU meets its INVALID slots),
 * the two single ioctls must not (they open the window the list closes). The
 * counts are printed (t.comment) and published in
 * qemu-patches/7.2/atomic-ioctl/README.md.
 */
import t from 'tap';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { probeInL1 } from '../fixtures/kernel-under-test.js';

const TOGGLES = 3000;

/** What a vCPU that met a vacated range shows: an internal error, an MMIO exit inside the slot, a guest #PF, another exception, a triple fault. */
const met = (line: Record<string, unknown>) =>
  Number(line.internalErrors) + Number(line.mmioInSlot) + Number(line.pageFaults) + Number(line.otherExceptions) + (Number(line.shutdown) > 0 ? 1 : 0);

for (const paging of ['tdp', 'shadow'] as const) {
  t.test(`emul-test on 6.1-atomic-ioctl, ${paging} paging: ${TOGGLES} swaps through the list and as two single ioctls`, async (t) => {
    const probe = await probeInL1(
      '6.1-atomic-ioctl',
      [`${kvmProbePath()} emul-test 0`, `${kvmProbePath()} emul-test ${TOGGLES}`, `${kvmProbePath()} emul-test ${TOGGLES} single`],
      paging,
    );
    t.equal(probe.kvm.TDP, paging === 'tdp' ? 1 : 0);
    const lines = probe.lines.filter((line) => line.test === 'emul');
    const [control, list, single] = lines;
    if (!control || !list || !single) return t.fail(`no emul lines: ${JSON.stringify(probe.lines)}`);
    t.comment(`control: ${JSON.stringify(control)}`);
    t.equal(control.toggles, 0);
    t.ok(Number(control.loops) > 0 && Number(control.ioExits) > 0 && Number(control.mmioOutside) > 0, 'without swaps the guest loops on its emulated instructions');
    t.equal(met(control), 0, 'and meets nothing: no internal error, no MMIO exit in the slot, no page fault, no other exception, no triple fault');
    t.comment(`list:   ${JSON.stringify(list)}`);
    t.comment(`single: ${JSON.stringify(single)}`);
    for (const line of [list, single]) {
      t.ok(Number(line.toggles) >= 1, `${line.ioctl}: swaps applied until the end or a lost vCPU (${String(line.toggles)}, ${String(line.result)})`);
      t.equal(line.result, '0', `${line.ioctl}: every swap the kernel was asked for succeeded`);
      t.ok(Number(line.ioExits) > 0 && Number(line.mmioOutside) > 0, `${line.ioctl}: the vCPU ran emulated instructions: ${String(line.ioExits)} string I/O exits, ${String(line.mmioOutside)} MMIO reads`);
    }
    t.equal(met(list), 0, 'the list: the vCPU never meets the vacated range (no internal error, MMIO exit in the slot, page fault, other exception or triple fault)');
    t.ok(met(single) > 0, `two single ioctls: the vCPU meets the vacated range (${met(single)} internal errors, MMIO exits in the slot, page faults, other exceptions or a triple fault)`);
  });
}
