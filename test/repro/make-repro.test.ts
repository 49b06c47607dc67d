// tier: host
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { ReproError, makeRepro, pickIteration } from '../../orchestrator/repro/make-repro.js';
import { sampleRecord } from '../fixtures/records.js';
import { hereKernel, literal, slotlab } from '../fixtures/cli.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('which iteration: the one asked for, else the first lost guest; a clear error otherwise', async (t) => {
  const records = [
    sampleRecord({ iteration: 0, outcome: 'survived' }),
    sampleRecord({ iteration: 1, outcome: 'guest-lost' }),
    sampleRecord({ iteration: 2, outcome: 'guest-lost' }),
    sampleRecord({ iteration: 0, outcome: 'survived', build: { ...sampleRecord().build, name: 'debian-bpo-10.0' } }),
  ];
  t.equal(pickIteration(records, 'r', {}).iteration, 1);
  t.equal(pickIteration(records, 'r', { iteration: 0 }).build.name, 'debian-7.2');
  t.equal(pickIteration(records, 'r', { build: 'debian-bpo-10.0', iteration: 0 }).build.name, 'debian-bpo-10.0');
  t.throws(() => pickIteration(records, 'r', { build: 'debian-bpo-10.0' }), { code: 'REPRO_FAILED', message: /run r lost no guest on debian-bpo-10\.0; give --iteration N/ });
  t.throws(() => pickIteration(records, 'r', { build: 'nope' }), /no iteration of build 'nope'; its builds: debian-7\.2, debian-bpo-10\.0/);
  t.throws(() => pickIteration(records, 'r', { iteration: 7 }), /no iteration 7; give one of 0, 1, 2/);
});

t.test('iterations it cannot reproduce say why', async (t) => {
  const dir = tempDir(t, 'slotlab-repro-');
  t.throws(() => makeRepro(path.join(dir, 'r.jsonl'), sampleRecord(), path.join(dir, 'out')), { message: /has no flight recording \(its run predates it\); run the suite again/ });
  const kernel = { name: '6.1-stock', sha256: 'a'.repeat(64) };
  const nested = sampleRecord({ host: { ...sampleRecord().host, kernelUnderTest: kernel as never } });
  t.throws(() => makeRepro(path.join(dir, 'r.jsonl'), nested, path.join(dir, 'out')), /ran inside kernel under test 6\.1-stock: .*or run slotlab repro inside that kernel/);
  const inOther = { kind: 'kernel-under-test' as const, kernel: { ...kernel, sha256: 'b'.repeat(64) } as never };
  t.throws(() => makeRepro(path.join(dir, 'r.jsonl'), nested, path.join(dir, 'out'), inOther), /ran inside kernel under test 6\.1-stock/, 'inside another kernel image: refused');
  const inSame = { kind: 'kernel-under-test' as const, kernel: kernel as never };
  t.throws(() => makeRepro(path.join(dir, 'r.jsonl'), nested, path.join(dir, 'out'), inSame), /has no flight recording/, 'inside the same kernel image: past that check, to the next');
  const full = path.join(dir, 'full');
  fs.mkdirSync(full);
  fs.writeFileSync(path.join(full, 'x'), '');
  const flight = { qmp: 'a', command: 'b', console: 'c', output: 'd', exchanges: 1, dropped: 0 };
  t.throws(() => makeRepro(path.join(dir, 'r.jsonl'), sampleRecord({ flight }), full), ReproError);
});

t.test('the reproducers of a real run: copied elsewhere and run without slotlab, the lost guest is lost again and the survivor survives', NEEDS_KVM, async (t) => {
  const runs = tempDir(t, 'slotlab-runs-');
  const env = { SLOTLAB_RUNS_DIR: runs };
  const run = await slotlab(['run', 'pam-qmp', '--build', 'debian-7.2', '--build', 'debian-bpo-10.0', '--repetitions', '1', '--mutations', '300', '--start', 'boot', '--json'], { env });
  t.equal(run.exitCode, 0, String(run.all));
  const runId = fs.readdirSync(runs).find((name) => name.endsWith('.jsonl'))!.replace(/\.jsonl$/, '');
  const made = tempDir(t, 'slotlab-made-');
  const lost = await slotlab(['repro', runId, '--output', path.join(made, 'lost')], { env });
  t.equal(lost.exitCode, 0, String(lost.all));
  t.match(lost.stdout, /pam-qmp iteration 0 on debian-7\.2 \(guest-lost\): .*\/lost\/reproduce\.sh/, 'the first lost guest by default');
  const survivor = await slotlab(['repro', runId, '--build', 'debian-bpo-10.0', '--iteration', '0', '--output', path.join(made, 'survivor')], { env });
  t.equal(survivor.exitCode, 0, String(survivor.all));
  const email = await slotlab(['report', '--format', 'email', runId], { env });
  t.equal(email.exitCode, 0, String(email.all));
  t.same(String(email.stdout).split('\n').filter((line) => line.length > 72), [], 'the list reply stays within 72 columns');
  const kernel = hereKernel();
  if (kernel === undefined) t.match(email.stdout, new RegExp(`slotlab repro ${runId} --build debian-7\\.2 \\\\\n\\s+--iteration 0 --output repro`), 'and says how to reproduce the lost guest');
  else t.match(email.stdout, new RegExp(`inside\\s+that\\s+kernel\\s+only;\\s+run\\s+the\\s+cell\\s+again:\\s+slotlab run pam-qmp --build debian-7\\.2[\\s\\\\]+--kernel ${literal(kernel)}`), 'and, the run being inside a kernel under test, how to run the cell again');
  const readme = fs.readFileSync(path.join(made, 'lost', 'README'), 'utf8');
  t.equal(readme.trim().split('\n').length, 5, 'README: five lines');

  // Somewhere else, with nothing of slotlab's around: no node on the path, another working directory.
  const elsewhere = tempDir(t, 'slotlab-elsewhere-');
  for (const name of ['lost', 'survivor']) fs.cpSync(path.join(made, name), path.join(elsewhere, name), { recursive: true });
  fs.rmSync(made, { recursive: true, force: true });
  const bare = { env: { PATH: '/usr/bin:/bin' }, extendEnv: false, cwd: '/', reject: false, all: true } as const;
  const again = await execa(path.join(elsewhere, 'lost', 'reproduce.sh'), [], bare);
  t.equal(again.exitCode, 1, String(again.all));
  t.match(again.stdout, /LOST: .*KVM internal error/s);
  const kept = await execa(path.join(elsewhere, 'survivor', 'reproduce.sh'), [], bare);
  t.equal(kept.exitCode, 0, String(kept.all));
  t.match(kept.stdout, /SURVIVED/);

  const spec = path.join(elsewhere, 'survivor', 'qemu.json');
  fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace(/"binary": "[^"]+"/, '"binary": "/nonexistent/qemu-system-x86_64"'));
  const missing = await execa(path.join(elsewhere, 'survivor', 'reproduce.sh'), [], bare);
  t.equal(missing.exitCode, 2, 'a QEMU that is not there: could not start');
  t.match(missing.stdout, /cannot start QEMU: \/nonexistent\/qemu-system-x86_64 is not an executable here/);
});
