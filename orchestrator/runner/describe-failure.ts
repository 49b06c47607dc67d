import { STOP_REPORT, decodeEmulationExit, findFailingVcpu, parseInternalError } from '../machine/internal-error.js';
import { cpuVendor } from './host-info.js';
import { sleep } from '../machine/machine.js';
import type { GuestLoss } from '../machine/run-state-watch.js';
import type { FailureDetail } from '../results/record.js';
import type { GuestDriver } from './guest-driver.js';

/** What is known of a lost guest: QEMU's run state or exit, KVM's report, the failing vCPU and where it was. */
export async function describeFailure(guest: GuestDriver, loss: GuestLoss): Promise<FailureDetail> {
  const machine = guest.machine;
  // QEMU says in its SHUTDOWN event why it went (guest-reset: a triple fault or reboot under -no-reboot).
  const shutdown = machine.qmp.events().find((event) => event.event === 'SHUTDOWN')?.data?.reason;
  const exit = machine.exited ? (machine.exited.signal ?? `exit code ${machine.exited.exitCode}`) : undefined;
  const runState = exit ? `qemu-exited (${exit}${typeof shutdown === 'string' ? `, ${shutdown}` : ''})` : loss.reason;
  // QEMU prints the register dump just before it stops the VM; give the pipe a moment.
  const dumped = new RegExp(`(?:${STOP_REPORT.source})[\\s\\S]*[ER]IP=`);
  for (let i = 0; i < 40 && !dumped.test(machine.output.text()); i++) {
    if (!STOP_REPORT.test(machine.output.text()) && i >= 10) break;
    await sleep(25);
  }
  const report = parseInternalError(machine.output.text());
  let vcpu: number | undefined;
  if (report && !machine.exited) {
    const registers = await machine.qmp.hmp('info registers -a').catch(() => '');
    vcpu = findFailingVcpu(report, registers);
  }
  const ip = report?.instructionPointer;
  const located = ip === undefined ? undefined : guest.locate(ip);
  // A guest that crashed prints its panic just before QEMU exits (-no-reboot); the serial file may lag a little.
  if (!report && guest.lastWords) await sleep(200);
  const guestReport = guest.lastWords?.();
  // The layout decoded is that of an emulation failure (suberror 1) only.
  const emulationExit = report?.suberror === 1 ? decodeEmulationExit(report.extraData, cpuVendor() === 'AuthenticAMD') : undefined;
  return {
    runState,
    suberror: report?.suberror,
    ...(report?.fetchWithoutSlotGpa === undefined ? {} : { fetchWithoutSlotGpa: report.fetchWithoutSlotGpa }),
    emulationFailure: report?.emulationFailure ?? false,
    vcpu: vcpu ?? located?.vcpu,
    instructionPointer: ip,
    ...(report?.instructionPointerHex === undefined ? {} : { instructionPointerHex: report.instructionPointerHex }),
    inLoopRange: located?.inLoopRange ?? false,
    ...(guestReport === undefined ? {} : { guestReport }),
    ...(emulationExit ? { exit: emulationExit } : {}),
    ...(report?.code === undefined ? {} : { code: report.code }),
  };
}
