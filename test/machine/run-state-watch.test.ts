// tier: host
import t from 'tap';
import type { QmpEvent } from '../../orchestrator/qmp/qmp-types.js';
import { RunStateWatch } from '../../orchestrator/machine/run-state-watch.js';
import type { ExitInfo } from '../../orchestrator/machine/machine-types.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

/** Drives the watch by hand: events, status and exit are set by the test. */
function scripted(backlog: QmpEvent[] = []) {
  let listener: ((event: QmpEvent) => void) | undefined;
  let exit: (info: ExitInfo) => void = () => undefined;
  const state = { status: 'running', running: true };
  const machine = {
    qmp: {
      onEvent(fn: (event: QmpEvent) => void) {
        listener = fn;
        return () => (listener = undefined);
      },
      events: () => backlog,
    },
    queryStatus: async () => ({ ...state }),
    waitExit: () => new Promise<ExitInfo>((resolve) => (exit = resolve)),
  };
  const emit = (event: string) => listener?.({ event, data: {}, timestamp: { seconds: 0, microseconds: 0 } });
  return { machine, state, emit, exit: (info: ExitInfo) => exit(info), listening: () => listener !== undefined };
}

t.test('STOP is a loss at once; query-status then names the run state', async (t) => {
  const s = scripted();
  const watch = new RunStateWatch(s.machine);
  t.equal(await watch.check(), undefined, 'running guest: no loss');
  s.state.status = 'internal-error';
  s.state.running = false;
  s.emit('STOP');
  t.ok(watch.loss, 'noticed synchronously');
  t.equal((await watch.settled())?.reason, 'internal-error');
});

t.test('SHUTDOWN, GUEST_PANICKED and process exit', async (t) => {
  for (const [event, reason] of [['SHUTDOWN', 'shutdown'], ['GUEST_PANICKED', 'guest-panicked']] as const) {
    const s = scripted();
    const watch = new RunStateWatch(s.machine);
    s.emit('RESUME');
    t.equal(watch.loss, undefined, 'other events are not losses');
    s.emit(event);
    t.equal(watch.loss?.reason, reason);
  }
  const s = scripted();
  const watch = new RunStateWatch(s.machine);
  s.exit({ exitCode: undefined, signal: 'SIGSEGV' });
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(watch.loss?.reason, 'qemu-exited');
});

t.test('a loss that happened before the watch began is found in the backlog, dated by QEMU', async (t) => {
  const wallMs = Date.now() - 2000;
  const lookedAt = performance.now();
  const s = scripted([{ event: 'SHUTDOWN', data: {}, timestamp: { seconds: Math.floor(wallMs / 1000), microseconds: (wallMs % 1000) * 1000 } }]);
  const watch = new RunStateWatch(s.machine);
  t.equal(watch.loss?.reason, 'shutdown');
  // Order only: the loss is dated by its event, seconds before the watch looked, not at the look.
  t.ok(watch.loss!.atMs < lookedAt - 1000, `dated ${Math.round(lookedAt - watch.loss!.atMs)} ms before the look`);
});

t.test('the first loss keeps its time; stop() unsubscribes', async (t) => {
  const s = scripted();
  const watch = new RunStateWatch(s.machine);
  s.emit('SHUTDOWN');
  const first = watch.loss!.atMs;
  s.emit('GUEST_PANICKED');
  t.equal(watch.loss!.atMs, first);
  t.equal(watch.loss!.reason, 'shutdown');
  watch.stop();
  t.notOk(s.listening());
});

t.test('a guest that says it hung is lost while QEMU runs it; an earlier loss keeps its reason', async (t) => {
  const s = scripted();
  const watch = new RunStateWatch(s.machine);
  watch.markHung();
  t.equal((await watch.settled())?.reason, 'guest-hung');
  const other = scripted();
  const crashed = new RunStateWatch(other.machine);
  other.emit('SHUTDOWN');
  crashed.markHung();
  t.equal(crashed.loss?.reason, 'shutdown');
});

t.test('on real QEMU a stop is seen as a paused guest', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2', 1);
  await machine.cont();
  const watch = machine.watchRunState();
  t.equal(await watch.check(), undefined);
  await machine.qmp.execute('stop');
  t.equal((await watch.settled())?.reason, 'paused');
  watch.stop();
});

t.test("a STOP a RESUME followed before the watch began was slotlab's own pause, not a loss; a STOP alone is", async (t) => {
  const ev = (event: string) => ({ event, data: {}, timestamp: { seconds: 0, microseconds: 0 } });
  const paused = scripted([ev('RESUME'), ev('STOP'), ev('RESUME')]);
  t.equal(new RunStateWatch(paused.machine).loss, undefined, 'saving the state: stop, migrate, cont');
  const lost = scripted([ev('RESUME'), ev('STOP'), ev('RESUME'), ev('STOP')]);
  lost.state.status = 'internal-error';
  lost.state.running = false;
  const watch = new RunStateWatch(lost.machine);
  t.ok(watch.loss, 'the last STOP had no RESUME after it');
  t.equal((await watch.settled())?.reason, 'internal-error');
});
