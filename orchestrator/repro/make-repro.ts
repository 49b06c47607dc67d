import fs from 'node:fs';
import path from 'node:path';
import { sha256File } from '../builds/provenance.js';
import { SlotlabError } from '../errors.js';
import { repoRoot } from '../paths.js';
import { parseTranscript } from '../qmp/qmp-transcript.js';
import { type FileRef, type FlightCommand, readFlightFile } from '../results/flight-files.js';
import type { IterationRecord } from '../results/record.js';
import type { RunLocation } from '../run-context.js';

export class ReproError extends SlotlabError {
  constructor(detail: string) {
    super('REPRO_FAILED', detail);
  }
}

/** Which iteration of a run to reproduce: the one asked for, else the first lost guest. */
export function pickIteration(records: IterationRecord[], runId: string, options: { build?: string; iteration?: number }): IterationRecord {
  const candidates = records.filter((record) => options.build === undefined || record.build.name === options.build);
  if (candidates.length === 0) throw new ReproError(`run ${runId} has no iteration of build '${options.build}'; its builds: ${[...new Set(records.map((record) => record.build.name))].join(', ')}`);
  if (options.iteration !== undefined) {
    const found = candidates.find((record) => record.iteration === options.iteration);
    if (!found) throw new ReproError(`run ${runId} has no iteration ${options.iteration}${options.build ? ` of ${options.build}` : ''}; give one of ${candidates.map((record) => record.iteration).join(', ')}`);
    return found;
  }
  const lost = candidates.find((record) => record.outcome === 'guest-lost');
  if (!lost) throw new ReproError(`run ${runId} lost no guest${options.build ? ` on ${options.build}` : ''}; give --iteration N (and --build B) to reproduce one that survived`);
  return lost;
}

/**
 * Writes a folder that reproduces one iteration without slotlab, node or a
 * network: the guest files copied, QEMU's command line with its paths inside
 * the folder, the QMP commands with their recorded times, and reproduce.sh,
 * which replays them with python3's standard library (replay.py).
 */
export function makeRepro(recordsFile: string, record: IterationRecord, output: string, here: RunLocation = { kind: 'host' }): { dir: string; files: string[] } {
  const where = `${record.runId} ${record.build.name} iteration ${record.iteration}`;
  // Inside the very kernel under test the iteration ran in (the same image), its QEMU and KVM are here.
  const sameKernel = here.kind === 'kernel-under-test' && record.host.kernelUnderTest?.sha256 === here.kernel.sha256;
  if (record.host.kernelUnderTest && !sameKernel) {
    throw new ReproError(`${where} ran inside kernel under test ${record.host.kernelUnderTest.name}: its QEMU and KVM live in that L1; reproduce an iteration that ran on this host's KVM, or run slotlab repro inside that kernel`);
  }
  if (!record.flight) throw new ReproError(`${where} has no flight recording (its run predates it); run the suite again and reproduce an iteration of the new run`);
  if (fs.existsSync(output) && fs.readdirSync(output).length > 0) throw new ReproError(`${output} is not empty; give a new or empty folder`);
  const command = JSON.parse(readFlightFile(recordsFile, record.flight.command)) as FlightCommand;
  const transcript = parseTranscript(readFlightFile(recordsFile, record.flight.qmp));
  fs.mkdirSync(path.join(output, 'guest'), { recursive: true });

  // Every path the command line or a QMP command names goes inside the folder.
  const renames: [string, string][] = [];
  const copy = (ref: FileRef | undefined, what: string) => {
    if (!ref) return;
    if (!fs.existsSync(ref.path)) throw new ReproError(`${what} ${ref.path}, which ${where} ran with, is gone; reproduce an iteration whose files still exist`);
    if (ref.sha256 && sha256File(ref.path) !== ref.sha256) throw new ReproError(`${what} ${ref.path} changed since ${where} ran (sha256 ${ref.sha256.slice(0, 12)}...); rebuild it as it was or reproduce a newer run`);
    const into = path.join('guest', path.basename(ref.path));
    fs.copyFileSync(ref.path, path.join(output, into));
    renames.push([ref.path, into]);
  };
  copy(command.kernel, 'the guest image');
  copy(command.initrd, 'the initrd');
  copy(command.incoming, 'the saved guest state');
  for (const blob of command.fwCfg) {
    const into = path.join('guest', path.basename(blob.path));
    fs.writeFileSync(path.join(output, into), Buffer.from(blob.base64, 'base64'));
    renames.push([blob.path, into]);
  }
  renames.push([command.privateDir, 'work']);
  // A state saved during the iteration went into slotlab's state folder, through a shell redirection.
  const saved = (text: string) => text.replace(/exec:cat > '([^']+)'/g, (_match, file: string) => `exec:cat > 'work/states/${path.basename(file)}'`);
  const inFolder = (text: string) => saved(renames.reduce((done, [from, to]) => done.split(from).join(to), text));

  const args = command.argv.slice(1).map(inFolder);
  const chardev = args.findIndex((arg) => arg.startsWith('socket,id=slotlab-qmp,'));
  if (chardev < 0) throw new ReproError(`${where}: QEMU's command line has no slotlab QMP socket`);
  args[chardev] = `${args[chardev]},server=on,wait=off`;
  const qmpSocket = /path=([^,]+)/.exec(args[chardev]!)![1]!;
  const spec = {
    binary: command.argv[0],
    version: record.build.version,
    build: record.build.name,
    suite: record.suite.name,
    runId: record.runId,
    iteration: record.iteration,
    outcome: record.outcome,
    mutationLimit: record.limits.mutations,
    mutationsAttempted: record.mutationsAttempted,
    qmpSocket,
    args,
    env: command.env,
  };
  const transcriptLines = [transcript.header, ...transcript.entries].map((entry) => inFolder(JSON.stringify(entry)));
  const files: string[] = [];
  const write = (name: string, text: string, mode = 0o644) => {
    fs.writeFileSync(path.join(output, name), text, { mode });
    files.push(name);
  };
  write('qemu.json', JSON.stringify(spec, null, 2) + '\n');
  write('transcript.jsonl', transcriptLines.join('\n') + '\n');
  write('replay.py', fs.readFileSync(path.join(repoRoot, 'orchestrator', 'repro', 'replay.py'), 'utf8'), 0o755);
  write('reproduce.sh', '#!/bin/sh\n# Replays the recorded iteration (see README); exit 0 survived, 1 lost, 2 QEMU could not start.\ncd "$(dirname "$0")" && exec python3 ./replay.py "$@"\n', 0o755);
  write(
    'README',
    [
      `Reproduces ${record.suite.name} iteration ${record.iteration} on ${record.build.name} (run ${record.runId}: ${record.outcome}) without slotlab: ./reproduce.sh`,
      `It starts ${command.argv[0]} (${record.build.version}) with the recorded arguments, its QMP socket and guest files inside this folder.`,
      'It replays the recorded QMP commands at their recorded times; a lost guest\'s mutation phase is repeated up to the suite\'s mutation limit (--once: not).',
      'It watches for the run state leaving running, a guest reset or crash, and QEMU\'s KVM internal-error report (qemu-output.log).',
      'Exit status: 1 the guest was lost, 0 it survived, 2 QEMU could not start. Needs python3 (standard library only) and that QEMU binary.',
    ].join('\n') + '\n',
  );
  return { dir: output, files: [...files, 'guest/'] };
}
