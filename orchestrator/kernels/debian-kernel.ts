import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { BuildNotReadyError } from '../builds/build-errors.js';
import { PrivateApt, extractDeb } from '../builds/private-apt.js';
import { sha256File } from '../builds/provenance.js';
import { S_IFDIR, S_IFREG, newcArchive } from '../images/cpio.js';
import { cacheRoot } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import type { KernelDefinition, ResolvedKernel } from './kernel-types.js';
import { LinuxSourceError } from './linux-source.js';

/** What unpacking a packaged kernel and its modules needs. */
const UNPACK_PACKAGES = ['xz-utils', 'zstd'] as const;

/** What L1's init needs from a modular kernel: KVM for AMD (TCG emulates SVM), virtio-pci and 9p. */
export const L1_MODULE_ROOTS = ['kvm-amd', 'virtio_pci', '9pnet_virtio', '9p'] as const;
/** What the Linux guest's init needs: virtio-pci and the virtio-mem driver. */
export const GUEST_MODULE_ROOTS = ['virtio_pci', 'virtio_mem'] as const;

const normal = (name: string) => name.replace(/-/g, '_');

/** The `depends=` field of a (decompressed) .ko's modinfo. */
export function moduleDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  const value = ko.subarray(at + '\0depends='.length, end).toString();
  return value ? value.split(',') : [];
}

/** Modules to insmod, dependencies first, for `roots`; `find` gives a module's file by name. */
export function loadOrder(
  roots: readonly string[],
  find: (name: string) => string | undefined,
  read: (file: string) => Buffer = fs.readFileSync,
  builtin: ReadonlySet<string> = new Set(),
): { name: string; file: string }[] {
  const order: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(normal(name)) || builtin.has(normal(name))) return;
    seen.add(normal(name));
    const file = find(name);
    if (!file) throw new LinuxSourceError(`module ${name} is not in the kernel package`);
    for (const dependency of moduleDepends(read(file))) visit(dependency);
    order.push({ name: normal(name), file });
  };
  for (const root of roots) visit(root);
  return order;
}

/** A module file's bytes, decompressed when Debian ships it as .ko.xz (backports' 6.12 does; busybox insmod cannot read xz). */
export function readModule(file: string): Buffer {
  if (!file.endsWith('.ko.xz')) return fs.readFileSync(file);
  const result = spawnSync('xz', ['-dc', file], { maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new LinuxSourceError(`xz -dc ${file} failed: ${result.stderr?.toString().trim() || result.error?.message}`);
  return result.stdout;
}

const MODULE_SUFFIX = /\.ko(\.xz)?$/;

function moduleIndex(modulesDir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (MODULE_SUFFIX.test(entry.name)) index.set(normal(entry.name.replace(MODULE_SUFFIX, '')), full);
    }
  };
  walk(modulesDir);
  return index;
}

/** Names of the modules a kernel has built in (modules.builtin lists them as kernel/.../name.ko). */
export function builtinModules(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => normal(path.basename(line).replace(MODULE_SUFFIX, ''))),
  );
}

/** A module archive: `lib/modules/<name>.ko` each, and their load order in `etc/slotlab-modules`. */
function moduleArchive(modules: { name: string; data: Buffer }[]): Buffer {
  return newcArchive([
    { name: 'lib', mode: S_IFDIR | 0o755 },
    { name: 'lib/modules', mode: S_IFDIR | 0o755 },
    { name: 'etc', mode: S_IFDIR | 0o755 },
    ...modules.map((module) => ({ name: `lib/modules/${module.name}.ko`, mode: S_IFREG | 0o644, data: module.data })),
    { name: 'etc/slotlab-modules', mode: S_IFREG | 0o644, data: Buffer.from(modules.map((module) => module.name).join('\n') + '\n') },
  ]);
}

/** Everything an unpacked kernel folder holds once complete (older caches lack the guest's parts and are fetched again). */
const CACHED_FILES = ['complete', 'vmlinuz', 'modules.cpio', 'vmlinux', 'guest-modules.cpio'];

const COMPRESSED_PAYLOADS = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), command: ['xz', '-dc', '--single-stream'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), command: ['zstd', '-dcq'] },
];
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * The uncompressed kernel (an ELF with a PVH entry note, which QEMU's -kernel boots
 * directly) from a bzImage: its payload is the first xz or zstd stream that
 * decompresses to an ELF. Booting it skips the decompressor, which is slow under
 * some nested KVMs.
 */
export function extractVmlinux(bzImagePath: string): Buffer {
  const bzImage = fs.readFileSync(bzImagePath);
  for (const { magic, command } of COMPRESSED_PAYLOADS) {
    for (let at = bzImage.indexOf(magic); at >= 0; at = bzImage.indexOf(magic, at + 1)) {
      const result = spawnSync(command[0]!, command.slice(1), { input: bzImage.subarray(at), maxBuffer: 1 << 30 });
      if (result.stdout && result.stdout.length > 4 && result.stdout.subarray(0, 4).equals(ELF_MAGIC)) return result.stdout;
    }
  }
  throw new LinuxSourceError(`${bzImagePath} holds no xz or zstd payload that decompresses to an ELF kernel`);
}

export interface DebianKernelSource {
  /** The kernel's name in slotlab. */
  name: string;
  /** The Debian suite whose linux-image-amd64 is followed. */
  suite: string;
  /** The kernel series, for the cache folder and the description (`6.1`, `6.12`). */
  series: string;
}

/**
 * A Debian suite's packaged kernel (whatever its linux-image-amd64 depends on),
 * downloaded through the private apt configuration and unpacked, never installed.
 * L1 boots its vmlinuz; the modules it needs (decompressed) go into a second cpio
 * archive the kernel unpacks after slotlab's initramfs, and init loads them in order.
 * Modules the kernel has built in are skipped.
 */
export function debianPackagedKernel(source: DebianKernelSource): KernelDefinition {
  const unpackedRoot = () => path.join(cacheRoot(), 'debian-kernels', source.series);
  /** The newest unpacked package: its dir and `linux-image-...` name and version. */
  const cached = (): { dir: string; pkg: string; version: string } | undefined => {
    const root = unpackedRoot();
    if (!fs.existsSync(root)) return undefined;
    const marker = fs
      .readdirSync(root)
      .filter((name) => CACHED_FILES.every((file) => fs.existsSync(path.join(root, name, file))))
      .map((name) => path.join(root, name, 'complete'))
      .sort()
      .at(-1);
    if (!marker) return undefined;
    const [pkg, version] = fs.readFileSync(marker, 'utf8').trim().split('\n');
    return { dir: path.dirname(marker), pkg: pkg!, version: version! };
  };
  return {
    name: source.name,
    description: `Debian ${source.suite}'s packaged kernel (linux-image-${source.series}*-amd64), no patches; its KVM, virtio and 9p modules loaded by the L1 init`,
    packages: UNPACK_PACKAGES,
    async prepare(log) {
      if (cached()) return;
      await ensurePackages(UNPACK_PACKAGES, log);
      const apt = new PrivateApt(path.join(cacheRoot(), `apt-${source.suite}`), source.suite);
      log(`fetching ${source.suite}'s linux-image-amd64 (private apt lists under the cache)`);
      await apt.update();
      const depends = await execa('apt-cache', ['depends', 'linux-image-amd64'], { env: { APT_CONFIG: apt.configFile }, reject: false });
      const pkg = /Depends: (linux-image-\S+-amd64)/.exec(depends.stdout)?.[1];
      const version = pkg ? await apt.candidate(pkg) : undefined;
      if (!pkg || !version) throw new LinuxSourceError(`${source.suite} names no linux-image-*-amd64 for linux-image-amd64`);
      if (!pkg.startsWith(`linux-image-${source.series}.`)) throw new LinuxSourceError(`${source.suite}'s linux-image-amd64 now depends on ${pkg}, not a ${source.series} kernel; ${source.name} needs updating`);
      const dir = path.join(unpackedRoot(), `${pkg}_${version}`.replace(/[^A-Za-z0-9.+~_-]/g, '_'));
      const scratch = `${dir}.fetch-${process.pid}`;
      fs.rmSync(scratch, { recursive: true, force: true });
      const [deb] = await apt.download([`${pkg}=${version}`], path.join(scratch, 'deb'));
      if (!deb) throw new LinuxSourceError(`apt-get download ${pkg} left no .deb`);
      await extractDeb(deb, path.join(scratch, 'root'));
      fs.rmSync(path.join(scratch, 'deb'), { recursive: true, force: true });
      const release = pkg.replace(/^linux-image-/, '');
      const modulesDir = path.join(scratch, 'root', 'lib', 'modules', release);
      const index = moduleIndex(modulesDir);
      const builtinFile = path.join(modulesDir, 'modules.builtin');
      const builtin = fs.existsSync(builtinFile) ? builtinModules(fs.readFileSync(builtinFile, 'utf8')) : new Set<string>();
      const load = (roots: readonly string[]) => loadOrder(roots, (name) => index.get(normal(name)), readModule, builtin).map((module) => ({ ...module, data: readModule(module.file) }));
      fs.writeFileSync(path.join(scratch, 'modules.cpio'), moduleArchive(load(L1_MODULE_ROOTS)));
      fs.writeFileSync(path.join(scratch, 'guest-modules.cpio'), moduleArchive(load(GUEST_MODULE_ROOTS)));
      fs.renameSync(path.join(scratch, 'root', 'boot', `vmlinuz-${release}`), path.join(scratch, 'vmlinuz'));
      fs.writeFileSync(path.join(scratch, 'vmlinux'), extractVmlinux(path.join(scratch, 'vmlinuz')));
      fs.rmSync(path.join(scratch, 'root'), { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(scratch, dir);
      fs.writeFileSync(path.join(dir, 'complete'), `${pkg}\n${version}\n`);
    },
    async resolve(): Promise<ResolvedKernel> {
      const found = cached();
      if (!found) throw new BuildNotReadyError(source.name, 'linux-image-amd64 not downloaded yet', `slotlab kernel build ${source.name}`);
      const bzImage = path.join(found.dir, 'vmlinuz');
      return {
        name: source.name,
        bzImage,
        modules: path.join(found.dir, 'modules.cpio'),
        guest: { vmlinux: path.join(found.dir, 'vmlinux'), modules: path.join(found.dir, 'guest-modules.cpio') },
        provenance: { name: source.name, kind: 'debian-package', source: `Debian package ${found.pkg} ${found.version}`, bzImage, sha256: sha256File(bzImage) },
      };
    },
  };
}

/** bookworm's kernel (6.1, uncompressed modules, virtio as modules). */
export const debianKernel = debianPackagedKernel({ name: 'debian-6.1', suite: 'bookworm', series: '6.1' });

/** bookworm-backports' kernel (6.12, .ko.xz modules, virtio built in). */
export const debianBackportsKernel = debianPackagedKernel({ name: 'debian-bpo-6.12', suite: 'bookworm-backports', series: '6.12' });
