// tier: host
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { QmpClient } from '../../orchestrator/qmp/qmp-client.js';
import { QmpTranscript, parseTranscript } from '../../orchestrator/qmp/qmp-transcript.js';
import { GREETING, replyOk, startFakeQmpServer } from '../fixtures/fake-qmp-server.js';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { SPIN } from '../../orchestrator/images/spin-contract.js';
import { QemuMachine } from '../../orchestrator/machine/machine.js';
import { spinMachineConfig } from '../../orchestrator/runner/spin-machine.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('bounded: the first and the last exchanges are kept, the count of those between is said', async (t) => {
  const transcript = new QmpTranscript({ keepFirst: 3, keepLast: 2 });
  for (let i = 0; i < 10; i++) transcript.record({ kind: 'command', id: `c${i}`, command: `cmd${i}` });
  t.equal(transcript.count, 10);
  t.equal(transcript.dropped, 5);
  t.same(transcript.commands().map((entry) => entry.command), ['cmd0', 'cmd1', 'cmd2', 'cmd8', 'cmd9']);
  const { header, entries } = parseTranscript(transcript.toJsonl());
  t.same(header, { kind: 'transcript', version: 1, entries: 5, dropped: 5, keepFirst: 3, keepLast: 2 });
  t.same(entries.map((entry) => (entry.kind === 'command' ? entry.id : '')), ['c0', 'c1', 'c2', 'c8', 'c9']);
  t.ok(entries.every((entry, index) => index === 0 || entry.t >= entries[index - 1]!.t), 'times never go back');
  t.throws(() => parseTranscript('{"kind":"other"}\n'), /not a QMP transcript/);
});

t.test('replies and events are cut at the payload bound, commands never', async (t) => {
  const transcript = new QmpTranscript({ maxPayloadChars: 50 });
  const long = 'x'.repeat(200);
  transcript.record({ kind: 'command', id: 'c1', command: 'human-monitor-command', arguments: { 'command-line': long } });
  transcript.record({ kind: 'reply', id: 'c1', command: 'human-monitor-command', return: long });
  transcript.record({ kind: 'event', event: 'BIG', data: { text: long } });
  const [command, reply, event] = transcript.entries();
  t.same(command, { t: command!.t, kind: 'command', id: 'c1', command: 'human-monitor-command', arguments: { 'command-line': long } });
  t.match(reply, { kind: 'reply', return: { truncated: true, chars: 202 } });
  t.equal((reply as { return: { head: string } }).return.head.length, 50);
  t.match(event, { kind: 'event', data: { truncated: true } });
});

t.test('a QMP session records what it sent and received, in order; its errors carry the call log', async (t) => {
  const server = await startFakeQmpServer(
    (socket) => socket.write(GREETING + '\n'),
    (socket, message) => {
      const id = (message as { id: string }).id;
      const command = (message as { execute: string }).execute;
      if (command === 'stop') socket.write('{"event": "STOP", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}\n');
      if (command === 'bad') socket.write(JSON.stringify({ error: { class: 'GenericError', desc: 'no such thing' }, id }) + '\n');
      else if (command !== 'hang') replyOk(socket, message);
    },
  );
  t.teardown(server.close);
  const transcript = new QmpTranscript();
  const client = await QmpClient.connect(server.path, { transcript });
  t.teardown(() => client.close());
  await client.negotiate();
  await client.execute('stop');
  await t.rejects(client.execute('bad', { what: 1 }), { code: 'QMP_COMMAND_ERROR', message: /no such thing\nQMP call log \(last \d+ of \d+ exchanges[^\n]*\n[\s\S]*-> bad \{"what":1\}[\s\S]*<- bad: error GenericError: no such thing/ });
  const hung = client.execute('hang', undefined, { timeoutMs: 50 });
  await t.rejects(hung, { code: 'QMP_TIMEOUT', message: /waiting for the reply to QMP command 'hang'[^\n]*\nQMP call log[\s\S]*-> hang \(slotlab-\d+\)$/ });
  const kinds = transcript.entries().map((entry) => (entry.kind === 'event' ? `event ${entry.event}` : entry.kind === 'closed' || entry.kind === 'mark' ? entry.kind : `${entry.kind} ${entry.command}`));
  t.same(kinds, ['command qmp_capabilities', 'reply qmp_capabilities', 'command stop', 'event STOP', 'reply stop', 'command bad', 'reply bad', 'command hang']);
  client.close();
  t.match(transcript.entries().at(-1), { kind: 'closed', reason: 'closed by slotlab' });
});

t.test('real QEMU: every command the transcript says was sent, QEMU received, in the same order', NEEDS_KVM, async (t) => {
  const build = await resolveBuild('debian-bpo-10.0');
  const config = spinMachineConfig(build, { type: 'pc', memoryMiB: 128 }, { cpus: 1, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride }, imagePath('spin'));
  const machine = new QemuMachine({ ...config, extraArgs: [...(config.extraArgs ?? []), '-trace', 'handle_qmp_command'] });
  t.teardown(() => machine.shutdown());
  await machine.launch();
  await machine.cont();
  await machine.queryStatus();
  await machine.qmp.hmp('info registers');
  await machine.readGuestMemory(0x5000, 64);
  await machine.qmp.execute('query-cpus-fast');
  await machine.qmp.execute('quit').catch(() => undefined);
  await machine.waitExit();
  // QEMU's own trace of what its monitor dispatched: "handle_qmp_command mon 0x... req: {...}", in the trace log (-D)
  // that shutdown() removes, so read before it.
  const trace = machine.traceText() + machine.output.text();
  await machine.shutdown();
  const received = [...trace.matchAll(/handle_qmp_command mon 0x[0-9a-f]+ req: (\{.*\})/g)].map((match) => JSON.parse(match[1]!) as { execute?: string; 'exec-oob'?: string; id: string });
  const sent = machine.transcript.commands();
  t.ok(sent.length >= 7, `${sent.length} commands recorded`);
  t.same(
    received.map((request) => [request.id, request.execute ?? request['exec-oob']]),
    sent.map((entry) => [entry.id, entry.command]),
    'the same commands, ids and order on both sides',
  );
  const replies = machine.transcript.entries().filter((entry) => entry.kind === 'reply');
  t.ok(sent.filter((entry) => entry.command !== 'quit').every((command) => replies.some((reply) => reply.kind === 'reply' && reply.id === command.id)), 'each command but quit has its reply recorded');
});

t.test('recording can be switched off (for the benchmark that measures its cost): nothing is kept', NEEDS_KVM, async (t) => {
  const build = await resolveBuild('debian-bpo-10.0');
  const config = spinMachineConfig(build, { type: 'pc', memoryMiB: 128 }, { cpus: 1, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride }, imagePath('spin'));
  const machine = new QemuMachine(config, { recordQmp: false });
  t.teardown(() => machine.shutdown());
  await machine.launch();
  await machine.queryStatus();
  t.equal(machine.transcript.count, 0);
  const error = await machine.qmp.execute('no-such-command').catch((caught: Error) => caught);
  t.match(error, { code: 'QMP_COMMAND_ERROR' });
  t.notMatch((error as Error).message, /QMP call log/, 'and errors carry no call log');
});

t.test('a run keeps each iteration\'s flight files beside its records, named by the record', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const run = await slotlab(['run', 'pam-qmp', '--build', 'debian-7.2', '--repetitions', '1', '--mutations', '50', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(run.exitCode, 0, String(run.all));
  const recordsFile = fs.readdirSync(dir).find((name) => name.endsWith('.jsonl'))!;
  const [record] = fs.readFileSync(path.join(dir, recordsFile), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const { flight } = record;
  t.match(flight, { qmp: /\.qmp\.jsonl\.gz$/, command: /\.command\.json$/, console: /\.console\.log\.gz$/, output: /\.qemu-output\.log\.gz$/ });
  const transcript = parseTranscript(zlib.gunzipSync(fs.readFileSync(path.join(dir, flight.qmp))).toString());
  t.equal(transcript.header.entries + transcript.header.dropped, flight.exchanges);
  t.ok(transcript.entries.some((entry) => entry.kind === 'command' && entry.command === 'human-monitor-command'), 'the mutations are there');
  const command = JSON.parse(fs.readFileSync(path.join(dir, flight.command), 'utf8'));
  t.equal(command.argv[0], record.build.binary);
  t.ok(command.argv.includes('-kernel'));
  t.match(zlib.gunzipSync(fs.readFileSync(path.join(dir, flight.output))).toString(), /KVM internal error/, 'the lost guest\'s QEMU output');
});
