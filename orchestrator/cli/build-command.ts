import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILT_IN_BUILDS, findBuild, knownBuilds } from '../builds/build-registry.js';
import { BUILD_FAMILIES, type BuildFamily, type BuildProgressEvent, type BuildProvenance } from '../builds/build-types.js';
import { registerUserBuild } from '../builds/user-builds.js';
import { errorMessage } from '../errors.js';
import { UsageError } from './usage.js';

/** One status line per build phase; on a TTY the compile counter redraws in place. */
export class BuildProgressLine {
  private lastDecile = -1;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(event: BuildProgressEvent): void {
    if (event.phase === 'compile' && event.done !== undefined && event.total) {
      const decile = Math.floor((10 * event.done) / event.total);
      if (this.stream.isTTY) {
        this.stream.write(`\r\x1b[2Kslotlab build ${event.build}: compile ${event.done}/${event.total}`);
        if (event.done === event.total) this.stream.write('\n');
      } else if (decile > this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`slotlab build ${event.build}: compile ${event.done}/${event.total}\n`);
      }
      return;
    }
    if (event.phase === 'compile' && event.done !== undefined) {
      // No total known (make): a line per 500 files compiled, redrawn in place on a TTY.
      if (this.stream.isTTY) this.stream.write(`\r\x1b[2Kslotlab build ${event.build}: compile ${event.done} files`);
      else if (event.done % 500 === 0) this.stream.write(`slotlab build ${event.build}: compile ${event.done} files\n`);
      return;
    }
    this.lastDecile = -1;
    this.stream.write(`slotlab build ${event.build}: ${event.phase}\n`);
  }
}

function family(value: string | undefined, flag: string): BuildFamily {
  if (value === undefined) throw new UsageError(`${flag} needs --family (${BUILD_FAMILIES.join(' | ')}): which fix the build carries decides what its results are checked against`);
  if (!(BUILD_FAMILIES as readonly string[]).includes(value)) throw new UsageError(`--family must be one of ${BUILD_FAMILIES.join(', ')}, not '${value}'`);
  return value as BuildFamily;
}

export async function buildCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      'qemu-bin': { type: 'string' },
      'qemu-src': { type: 'string' },
      name: { type: 'string' },
      family: { type: 'string' },
    },
  });
  const reserved = BUILT_IN_BUILDS.map((build) => build.name);
  let names = positionals;
  if (values['qemu-bin'] !== undefined || values['qemu-src'] !== undefined) {
    if (values['qemu-bin'] !== undefined && values['qemu-src'] !== undefined) throw new UsageError('give either --qemu-bin or --qemu-src, not both');
    if (!values.name) throw new UsageError('registering a build needs --name NAME');
    if (positionals.length > 0 || values.all) throw new UsageError('--qemu-bin/--qemu-src register one build; build others in a separate call');
    if (values['qemu-bin'] !== undefined) {
      registerUserBuild({ kind: 'user-binary', name: values.name, family: family(values.family, '--qemu-bin'), binary: path.resolve(values['qemu-bin']) }, reserved);
    } else {
      registerUserBuild({ kind: 'user-source', name: values.name, family: family(values.family, '--qemu-src'), sourceDir: path.resolve(values['qemu-src']!) }, reserved);
    }
    process.stderr.write(`slotlab: registered build ${values.name}\n`);
    names = [values.name];
  } else if (values.all) {
    if (positionals.length > 0) throw new UsageError('--all builds every build; do not name builds with it');
    names = knownBuilds().map((build) => build.name);
  } else if (positionals.length === 0) {
    throw new UsageError('build needs a build name, --all, --qemu-bin or --qemu-src (see `slotlab builds`)');
  }
  const display = new BuildProgressLine();
  for (const name of names) {
    const build = findBuild(name);
    await build.prepare((line) => process.stderr.write(`slotlab build: ${line}\n`), (event) => display.update(event));
    const resolved = await build.resolve();
    process.stdout.write(describeProvenance(resolved.provenance) + '\n');
  }
  return 0;
}

export function describeProvenance(p: BuildProvenance): string {
  const lines = [`${p.name} (${p.family}, ${p.kind})`, `  version: ${p.version}`, `  source:  ${p.source}`];
  if (p.base) lines.push(`  base:    QEMU ${p.base}, variant ${p.variant}`);
  if (p.patches) lines.push(`  patches: ${p.patches.length === 0 ? '(none)' : ''}`, ...p.patches.map((patch) => `    ${patch.name} sha256 ${patch.sha256}`));
  if (p.configure) lines.push(`  configure: ${p.configure}`);
  lines.push(`  binary:  ${p.binary}`, `  sha256:  ${p.sha256}`);
  if (p.builtAt) lines.push(`  built:   ${p.builtAt} in ${p.buildSeconds} s${p.cacheKey ? `, cache key ${p.cacheKey}` : ''}`);
  return lines.join('\n');
}

export async function buildsCommand(): Promise<number> {
  for (const build of knownBuilds()) {
    try {
      const resolved = await build.resolve();
      process.stdout.write(`${describeProvenance(resolved.provenance)}\n  ${build.description}\n`);
    } catch (error) {
      process.stdout.write(`${build.name} (${build.family})\n  ${build.description}\n  not ready: ${errorMessage(error)}\n`);
    }
  }
  return 0;
}
