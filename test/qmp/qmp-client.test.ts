// tier: host
import t from 'tap';
import { QmpClient, qmpDefaults } from '../../orchestrator/qmp/qmp-client.js';
import { QmpCommandError, QmpDisconnectedError, QmpProtocolError, QmpTimeoutError } from '../../orchestrator/qmp/qmp-errors.js';
import { GREETING, replyOk, startFakeQmpServer } from '../fixtures/fake-qmp-server.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('fake server: malformed input', async (t) => {
  t.test('a greeting cut off by a closed socket', async (t) => {
    const server = await startFakeQmpServer((socket) => socket.end('{"QMP": {"version": '));
    t.teardown(server.close);
    await t.rejects(QmpClient.connect(server.path), { code: 'QMP_PROTOCOL', message: /middle of the greeting/ });
  });

  t.test('a socket closed before any greeting', async (t) => {
    const server = await startFakeQmpServer((socket) => socket.end());
    t.teardown(server.close);
    await t.rejects(QmpClient.connect(server.path), QmpDisconnectedError);
  });

  t.test('a first message that is not a greeting', async (t) => {
    const server = await startFakeQmpServer((socket) => socket.write('{"return": {}}\n'));
    t.teardown(server.close);
    await t.rejects(QmpClient.connect(server.path), { code: 'QMP_PROTOCOL', message: /not a QMP greeting/ });
  });

  t.test('bad JSON after the greeting rejects what is pending and closes', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket) => socket.write('{"return": {}, "id": \n'),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    await t.rejects(client.execute('query-status'), { code: 'QMP_PROTOCOL', message: /not a JSON object/ });
    t.ok(client.closed);
    await t.rejects(client.execute('query-status'), QmpDisconnectedError, 'later commands fail at once');
  });

  t.test('a reply with an unknown id is dropped and logged; the session goes on', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => {
        socket.write('{"return": {"stray": true}, "id": "somebody-else"}\n');
        replyOk(socket, message);
      },
    );
    t.teardown(server.close);
    const log: string[] = [];
    const client = await QmpClient.connect(server.path, { log: (line) => log.push(line) });
    t.teardown(() => client.close());
    t.same(await client.execute('query-status'), {}, 'the reply that was waited for');
    t.notOk(client.closed);
    t.equal(log.length, 1);
    t.match(log[0], /unknown id "somebody-else" dropped/);
    t.same(await client.execute('again'), {});
  });

  t.test('a character split across two chunks arrives whole', async (t) => {
    const reply = Buffer.from(JSON.stringify({ return: 'grüße € 😀' }).replace('}', ', "id": "slotlab-2"}') + '\n', 'utf8');
    const cut = reply.indexOf(Buffer.from('😀', 'utf8')) + 2;
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => {
        if (message.execute === 'qmp_capabilities') return replyOk(socket, message);
        socket.write(reply.subarray(0, cut));
        setTimeout(() => socket.write(reply.subarray(cut)), 50);
      },
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    t.teardown(() => client.close());
    await client.negotiate();
    t.equal(await client.execute('x'), 'grüße € 😀');
  });

  t.test('the line limit counts bytes, not characters', async (t) => {
    // 600 characters of 3 bytes each: 1,800 bytes, over a limit of 1,024.
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => socket.write(JSON.stringify({ return: '€'.repeat(600), id: message.id }) + '\n'),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path, { maxLineBytes: 1024 });
    await t.rejects(client.execute('query-status'), { code: 'QMP_PROTOCOL', message: /a line of 1\d{3} bytes exceeds the limit of 1024/ });
    const fits = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => socket.write(JSON.stringify({ return: '€'.repeat(300), id: message.id }) + '\n'),
    );
    t.teardown(fits.close);
    const other = await QmpClient.connect(fits.path, { maxLineBytes: 1024 });
    t.teardown(() => other.close());
    t.equal(await other.execute('query-status'), '€'.repeat(300), '900 bytes fit');
  });

  t.test('a listener that throws is logged; the other listeners and the session go on', async (t) => {
    const event = JSON.stringify({ event: 'RESET', data: {}, timestamp: { seconds: 1, microseconds: 0 } });
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => {
        socket.write(event + '\n');
        replyOk(socket, message);
      },
    );
    t.teardown(server.close);
    const log: string[] = [];
    const client = await QmpClient.connect(server.path, { log: (line) => log.push(line) });
    t.teardown(() => client.close());
    const heard: string[] = [];
    client.onEvent(() => {
      throw new Error('listener bug');
    });
    client.onEvent((received) => heard.push(received.event));
    t.same(await client.execute('query-status'), {});
    t.same(heard, ['RESET']);
    t.notOk(client.closed);
    t.match(log.join('\n'), /listener for RESET threw, ignored: Error: listener bug/);
    t.equal((await client.waitEvent('RESET', {}, { timeoutMs: 1000 })).event, 'RESET', 'the event is still in the backlog');
  });

  t.test('close listeners hear why the session ended, once, and late ones at once', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket) => setTimeout(() => socket.destroy(), 10),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path, { log: () => undefined });
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    client.onClose(() => {
      throw new Error('close listener bug');
    });
    await t.rejects(client.execute('quit'), QmpDisconnectedError);
    t.same(reasons, ['socket closed']);
    const late = await new Promise<string>((resolve) => client.onClose(resolve));
    t.equal(late, 'socket closed');
  });

  t.test('a greeting of the wrong shape is refused, naming the field', async (t) => {
    const shapes: [string, RegExp][] = [
      ['{"QMP": {"version": {"qemu": {"major": "9", "minor": 0, "micro": 0}, "package": ""}, "capabilities": []}}', /field QMP\.version\.qemu\.major/],
      ['{"QMP": {"version": {"qemu": {"major": 9, "minor": 0, "micro": 0}}, "capabilities": []}}', /field QMP\.version\.package/],
      ['{"QMP": {"version": {"qemu": {"major": 9, "minor": 0, "micro": 0}, "package": ""}, "capabilities": [1]}}', /field QMP\.capabilities\.0/],
    ];
    for (const [greeting, field] of shapes) {
      const server = await startFakeQmpServer((socket) => socket.write(greeting + '\n'));
      t.teardown(server.close);
      await t.rejects(QmpClient.connect(server.path), { code: 'QMP_PROTOCOL', message: field }, greeting);
    }
  });

  t.test('the greeting waits as long as a command; the default is 10 s whatever the environment says', async (t) => {
    const server = await startFakeQmpServer(() => undefined);
    t.teardown(server.close);
    await t.rejects(QmpClient.connect(server.path, { commandTimeoutMs: 80 }), { code: 'QMP_TIMEOUT', message: /after 80 ms waiting for the QMP greeting/ });
    process.env.SLOTLAB_TIME_SCALE = '10';
    t.teardown(() => delete process.env.SLOTLAB_TIME_SCALE);
    t.equal(qmpDefaults().commandTimeoutMs, 10_000, 'only a run context scales waits (a machine passes its qmpCommandMs)');
  });

  t.test('a line longer than the limit', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket) => socket.write('{"return": "' + 'x'.repeat(4096)),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path, { maxLineBytes: 1024 });
    await t.rejects(client.execute('query-status'), { code: 'QMP_PROTOCOL', message: /without a newline/ });
  });

  t.test('a command that is never answered times out naming the command', async (t) => {
    const server = await startFakeQmpServer((socket) => socket.write(GREETING + '\n'));
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    t.teardown(() => client.close());
    const error = await client.execute('query-hotpluggable-cpus', undefined, { timeoutMs: 100 }).catch((e: unknown) => e);
    t.type(error, QmpTimeoutError);
    t.match((error as Error).message, /QMP command 'query-hotpluggable-cpus'/);
  });

  t.test('a late reply to a timed-out command is dropped, not fatal', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket, message) => setTimeout(() => replyOk(socket, message), message.execute === 'slow' ? 150 : 0),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    t.teardown(() => client.close());
    await t.rejects(client.execute('slow', undefined, { timeoutMs: 50 }), QmpTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.same(await client.execute('fast'), {});
    t.notOk(client.closed);
  });

  t.test('pending commands and event waits are rejected when the socket closes', async (t) => {
    const server = await startFakeQmpServer(
      (socket) => socket.write(GREETING + '\n'),
      (socket) => setTimeout(() => socket.destroy(), 20),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    const event = client.waitEvent('SHUTDOWN', {}, { timeoutMs: 5000 });
    await t.rejects(client.execute('quit'), { code: 'QMP_DISCONNECTED', message: /'quit'/ });
    await t.rejects(event, { code: 'QMP_DISCONNECTED', message: /SHUTDOWN/ });
  });

  t.test('events in the same chunk as the greeting are kept', async (t) => {
    const server = await startFakeQmpServer((socket) =>
      socket.write(GREETING + '\n' + JSON.stringify({ event: 'EARLY', data: { n: 1 }, timestamp: { seconds: 1, microseconds: 2 } }) + '\n'),
    );
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    t.teardown(() => client.close());
    const event = await client.waitEvent('EARLY', { n: 1 }, { timeoutMs: 1000 });
    t.same(event, { event: 'EARLY', data: { n: 1 }, timestamp: { seconds: 1, microseconds: 2 } });
  });

  t.test('ids are unique and every command carries one', async (t) => {
    const server = await startFakeQmpServer((socket) => socket.write(GREETING + '\n'), replyOk);
    t.teardown(server.close);
    const client = await QmpClient.connect(server.path);
    t.teardown(() => client.close());
    await Promise.all([client.execute('a'), client.execute('b', { x: 1 }), client.execute('c')]);
    const ids = server.received.map((message) => message.id);
    t.equal(new Set(ids).size, 3);
    t.ok(ids.every((id) => typeof id === 'string'));
    t.same(server.received[1], { execute: 'b', id: ids[1], arguments: { x: 1 } });
  });
});

t.test('real QEMU', NEEDS_KVM, async (t) => {
  const machine = await launchSpinMachine(t, 'debian-7.2');
  const qmp = machine.qmp;

  t.test('greeting and oob negotiation', async (t) => {
    t.equal(qmp.greeting.version.qemu.major, 7);
    t.ok(qmp.greeting.capabilities.includes('oob'));
    t.ok(qmp.oob, 'oob enabled by negotiate({ oob: true })');
  });

  t.test('several commands in flight at once get their own replies', async (t) => {
    const [status, version, name, text] = await Promise.all([
      qmp.execute<{ status: string }>('query-status'),
      qmp.execute<{ qemu: { major: number } }>('query-version'),
      qmp.execute<Record<string, unknown>>('query-name'),
      qmp.hmp('info version'),
    ]);
    t.equal(status.status, 'prelaunch');
    t.equal(version.qemu.major, 7);
    t.same(name, {});
    t.match(text, /^7\.2/);
  });

  t.test('an empty-string return is a valid reply', async (t) => {
    t.equal(await qmp.hmp('o /b 0x80 0x0'), '');
  });

  t.test('a failing command carries the QMP error class', async (t) => {
    const error = await qmp.execute('no-such-command').catch((e: unknown) => e);
    t.type(error, QmpCommandError);
    t.equal((error as QmpCommandError).errorClass, 'CommandNotFound');
    t.equal((error as QmpCommandError).command, 'no-such-command');
  });

  t.test('exec-oob reaches QEMU and is answered by id', async (t) => {
    const error = await qmp.executeOob('migrate-pause').catch((e: unknown) => e);
    t.type(error, QmpCommandError, 'migrate-pause outside postcopy is refused, out of band');
    t.match((error as QmpCommandError).desc, /postcopy/);
    const notOob = await qmp.executeOob('query-status').catch((e: unknown) => e);
    t.type(notOob, QmpCommandError, 'a command without allow-oob is refused by QEMU');
  });

  t.test('events carry data and timestamps; an early event waits in the backlog', async (t) => {
    await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
    await qmp.execute('migrate', { uri: 'exec:cat >/dev/null' });
    for (let i = 0; i < 200; i++) {
      const info = await qmp.execute<{ status?: string }>('query-migrate');
      if (info.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    t.ok(qmp.events().some((event) => event.event === 'MIGRATION'), 'events arrived before anyone waited');
    const event = await qmp.waitEvent('MIGRATION', { status: 'completed' }, { timeoutMs: 5000 });
    t.equal(event.data.status, 'completed');
    t.ok(event.timestamp.seconds > 1_600_000_000);
    await t.rejects(qmp.waitEvent('MIGRATION', { status: 'completed' }, { timeoutMs: 100 }), {
      code: 'QMP_TIMEOUT',
      message: /QMP event MIGRATION matching \{"status":"completed"\}/,
    }, 'each event satisfies one wait');
  });

  t.test('a wait for SHUTDOWN sees quit', async (t) => {
    const shutdown = qmp.waitEvent('SHUTDOWN', { reason: 'host-qmp-quit' }, { timeoutMs: 5000 });
    await qmp.execute('quit');
    t.equal((await shutdown).data.guest, false);
    await qmp.waitClosed();
    await t.rejects(qmp.execute('query-status'), QmpDisconnectedError);
  });
});

t.test('a protocol error is a QmpProtocolError with a stable code', async (t) => {
  t.equal(new QmpProtocolError('x').code, 'QMP_PROTOCOL');
});
