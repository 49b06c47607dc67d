import { parseArgs } from 'node:util';
import { errorMessage } from '../errors.js';
import { KERNELS, findKernel } from '../kernels/kernel-registry.js';
import type { KernelProvenance } from '../kernels/kernel-types.js';
import { BuildProgressLine } from './build-command.js';
import { UsageError } from './usage.js';

export function describeKernel(p: KernelProvenance): string {
  const lines = [`${p.name} (${p.kind})`, `  source:  ${p.source}`];
  if (p.base) lines.push(`  base:    Linux ${p.base}, variant ${p.variant}`);
  if (p.patches) lines.push(`  patches: ${p.patches.length === 0 ? '(none)' : ''}`, ...p.patches.map((patch) => `    ${patch.name} sha256 ${patch.sha256}`));
  if (p.configSha256) lines.push(`  config:  sha256 ${p.configSha256}`);
  lines.push(`  bzImage: ${p.bzImage}`, `  sha256:  ${p.sha256}`);
  if (p.builtAt) lines.push(`  built:   ${p.builtAt} in ${p.buildSeconds} s${p.cacheKey ? `, cache key ${p.cacheKey}` : ''}`);
  return lines.join('\n');
}

/** `slotlab kernel build <name>... | --all`: fetch, patch, configure and compile kernels under test. */
export async function kernelCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'build') throw new UsageError(`kernel needs a subcommand: kernel build <name>... | --all (known kernels: ${KERNELS.map((k) => k.name).join(', ')})`);
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { all: { type: 'boolean', default: false } } });
  if (values.all && positionals.length > 0) throw new UsageError('--all builds every kernel; do not name kernels with it');
  if (!values.all && positionals.length === 0) throw new UsageError(`kernel build needs a kernel name or --all (${KERNELS.map((k) => k.name).join(', ')})`);
  const display = new BuildProgressLine();
  for (const kernel of values.all ? KERNELS : positionals.map(findKernel)) {
    await kernel.prepare((line) => process.stderr.write(`slotlab kernel build: ${line}\n`), (event) => display.update(event));
    process.stdout.write(describeKernel((await kernel.resolve()).provenance) + '\n');
  }
  return 0;
}

export async function kernelsCommand(): Promise<number> {
  for (const kernel of KERNELS) {
    try {
      process.stdout.write(`${describeKernel((await kernel.resolve()).provenance)}\n  ${kernel.description}\n`);
    } catch (error) {
      process.stdout.write(`${kernel.name}\n  ${kernel.description}\n  not ready: ${errorMessage(error)}\n`);
    }
  }
  return 0;
}
