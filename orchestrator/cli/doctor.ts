import fs from 'node:fs';
import { execa } from 'execa';
import { knownBuilds } from '../builds/build-registry.js';
import { errorMessage } from '../errors.js';
import { IMAGE_NAMES, imagePath } from '../images/build-images.js';
import { kvmProbePath, l1InitramfsPath } from '../images/l1-image.js';
import { KERNELS } from '../kernels/kernel-registry.js';
import { assertKvmUsable } from '../machine/machine.js';
import { setupScope } from '../setup/setup.js';
import { DEFAULT_MATRIX } from './report-commands.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** The command that fixes it. */
  fix?: string;
  /** Not needed by the main job (`npm run demo`): what is built on first use, kernels under test, registered builds. */
  optional?: boolean;
}

async function onPath(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}

export async function runChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    assertKvmUsable();
    checks.push({ name: '/dev/kvm', ok: true, detail: 'readable and writable' });
  } catch (error) {
    checks.push({ name: '/dev/kvm', ok: false, detail: errorMessage(error), fix: 'modprobe kvm_intel || modprobe kvm_amd  (as root)' });
  }
  for (const [command, pkg] of [['nasm', 'nasm'], ['setpriv', 'util-linux'], ['dpkg-deb', 'dpkg']] as const) {
    const ok = await onPath(command);
    checks.push({ name: command, ok, detail: ok ? 'on PATH' : 'not found', fix: ok ? undefined : `apt-get install ${pkg}  (or: npm run setup)` });
  }
  // Required is what `npm run setup` makes for the main job (setup.ts's scope); the rest is built on first use.
  const kvmUsable = checks[0]!.ok;
  const scope = setupScope({ builds: DEFAULT_MATRIX.builds, kvmUsable });
  const needed = new Set(scope.builds.map((build) => build.name));
  for (const build of knownBuilds()) {
    const optional = !needed.has(build.name);
    try {
      const resolved = await build.resolve();
      checks.push({ name: `build ${build.name}`, ok: true, detail: `${resolved.provenance.version} at ${resolved.binary}`, optional });
      const bios = [...resolved.dataDirs, '/usr/share/seabios', '/usr/share/qemu'].map((dir) => `${dir}/bios-256k.bin`).find((file) => fs.existsSync(file));
      checks.push({
        name: `firmware for ${build.name}`,
        ok: bios !== undefined,
        detail: bios ?? 'bios-256k.bin not found',
        fix: bios ? undefined : 'apt-get install seabios  (or: npm run setup)',
        optional,
      });
    } catch (error) {
      checks.push({ name: `build ${build.name}`, ok: false, detail: errorMessage(error), fix: optional ? `slotlab build ${build.name}  (or let slotlab run build it when it first needs it; npm test builds every build)` : 'npm run setup', optional });
    }
  }
  for (const name of IMAGE_NAMES) {
    const ok = fs.existsSync(imagePath(name));
    checks.push({ name: `image ${name}`, ok, detail: ok ? imagePath(name) : 'not built', fix: ok ? undefined : 'npm run setup' });
  }
  for (const [name, file] of [['kvm-probe', kvmProbePath()], ['l1-initramfs', l1InitramfsPath()]] as const) {
    const ok = fs.existsSync(file);
    checks.push({ name: `image ${name}`, ok, detail: ok ? file : 'not built', fix: ok ? undefined : scope.l1Initramfs ? 'npm run setup' : 'npm test (or any run inside a kernel under test) builds it', optional: !scope.l1Initramfs });
  }
  for (const kernel of KERNELS) {
    try {
      const resolved = await kernel.resolve();
      checks.push({ name: `kernel ${kernel.name}`, ok: true, detail: resolved.bzImage, optional: !scope.kernels.includes(kernel) });
    } catch (error) {
      checks.push({ name: `kernel ${kernel.name}`, ok: false, detail: errorMessage(error), fix: `slotlab kernel build ${kernel.name}  (npm test builds every kernel)`, optional: !scope.kernels.includes(kernel) });
    }
  }
  return checks;
}

export function renderChecks(checks: Check[]): string {
  return checks
    .map((check) => `${check.ok ? 'ok     ' : check.optional ? 'absent ' : 'MISSING'} ${check.name}: ${check.detail}${check.fix ? `\n        fix: ${check.fix}` : ''}`)
    .join('\n');
}
