import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { BuildNotReadyError } from '../builds/build-errors.js';
import { PrivateApt, extractDeb } from '../builds/private-apt.js';
import { sha256File } from '../builds/provenance.js';
import { S_IFDIR, S_IFREG, newcArchive } from '../images/cpio.js';
import { cacheRoot } from '../paths.js';
import type { KernelDefinition, ResolvedKernel } from './kernel-types.js';
import { LinuxSourceError } from './linux-source.js';

/** What L1's init needs from a modular kernel: KVM for AMD (TCG emulates SVM), virtio-pci and 9p. */
export const L1_MODULE_ROOTS = ['kvm-amd', 'virtio_pci', '9pnet_virtio', '9p'] as const;

const normal = (name: string) => name.replace(/-/g, '_');

/** The `depends=` field of a .ko's modinfo (uncompressed modules, as Debian's 6.1 ships them). */
export function moduleDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  const value = ko.subarray(at + '\0depends='.length, end).toString();
  return value ? value.split(',') : [];
}

/** Modules to insmod, dependencies first, for `roots`; `find` gives a module's file by name. */
export function loadOrder(roots: readonly string[], find: (name: string) => string | undefined, read: (file: string) => Buffer = fs.readFileSync): { name: string; file: string }[] {
  const order: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(normal(name))) return;
    seen.add(normal(name));
    const file = find(name);
    if (!file) throw new LinuxSourceError(`module ${name} is not in the kernel package`);
    for (const dependency of moduleDepends(read(file))) visit(dependency);
    order.push({ name: normal(name), file });
  };
  for (const root of roots) visit(root);
  return order;
}

function moduleIndex(modulesDir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ko')) index.set(normal(entry.name.slice(0, -3)), full);
    }
  };
  walk(modulesDir);
  return index;
}

function unpackedRoot(): string {
  return path.join(cacheRoot(), 'debian-kernels', '6.1');
}

/** The newest unpacked package: its dir and `linux-image-...` name and version. */
function cached(): { dir: string; pkg: string; version: string } | undefined {
  const root = unpackedRoot();
  if (!fs.existsSync(root)) return undefined;
  const marker = fs.readdirSync(root).map((name) => path.join(root, name, 'complete')).filter((file) => fs.existsSync(file)).sort().at(-1);
  if (!marker) return undefined;
  const [pkg, version] = fs.readFileSync(marker, 'utf8').trim().split('\n');
  return { dir: path.dirname(marker), pkg: pkg!, version: version! };
}

/**
 * Debian bookworm's packaged kernel (whatever linux-image-amd64 depends on),
 * downloaded through the private apt configuration and unpacked, never installed.
 * L1 boots its vmlinuz; the modules it needs go into a second cpio archive the
 * kernel unpacks after slotlab's initramfs, and init loads them in order.
 */
export const debianKernel: KernelDefinition = {
  name: 'debian-6.1',
  description: "Debian bookworm's packaged kernel (linux-image-6.1.0-*-amd64), no patches; its KVM, virtio and 9p modules loaded by the L1 init",
  async prepare(log) {
    if (cached()) return;
    const apt = new PrivateApt(path.join(cacheRoot(), 'apt-bookworm'), 'bookworm');
    log("fetching Debian's linux-image-amd64 (private apt lists under the cache)");
    await apt.update();
    const depends = await execa('apt-cache', ['depends', 'linux-image-amd64'], { env: { APT_CONFIG: apt.configFile }, reject: false });
    const pkg = /Depends: (linux-image-\S+-amd64)/.exec(depends.stdout)?.[1];
    const version = pkg ? await apt.candidate(pkg) : undefined;
    if (!pkg || !version) throw new LinuxSourceError('bookworm names no linux-image-*-amd64 for linux-image-amd64');
    const dir = path.join(unpackedRoot(), `${pkg}_${version}`.replace(/[^A-Za-z0-9.+~_-]/g, '_'));
    const scratch = `${dir}.fetch-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    const [deb] = await apt.download([`${pkg}=${version}`], path.join(scratch, 'deb'));
    if (!deb) throw new LinuxSourceError(`apt-get download ${pkg} left no .deb`);
    await extractDeb(deb, path.join(scratch, 'root'));
    fs.rmSync(path.join(scratch, 'deb'), { recursive: true, force: true });
    const release = pkg.replace(/^linux-image-/, '');
    const index = moduleIndex(path.join(scratch, 'root', 'lib', 'modules', release));
    const modules = loadOrder(L1_MODULE_ROOTS, (name) => index.get(normal(name)));
    fs.writeFileSync(
      path.join(scratch, 'modules.cpio'),
      newcArchive([
        { name: 'lib', mode: S_IFDIR | 0o755 },
        { name: 'lib/modules', mode: S_IFDIR | 0o755 },
        { name: 'etc', mode: S_IFDIR | 0o755 },
        ...modules.map((module) => ({ name: `lib/modules/${module.name}.ko`, mode: S_IFREG | 0o644, data: fs.readFileSync(module.file) })),
        { name: 'etc/slotlab-modules', mode: S_IFREG | 0o644, data: Buffer.from(modules.map((module) => module.name).join('\n') + '\n') },
      ]),
    );
    fs.renameSync(path.join(scratch, 'root', 'boot', `vmlinuz-${release}`), path.join(scratch, 'vmlinuz'));
    fs.rmSync(path.join(scratch, 'root'), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(scratch, dir);
    fs.writeFileSync(path.join(dir, 'complete'), `${pkg}\n${version}\n`);
  },
  async resolve(): Promise<ResolvedKernel> {
    const found = cached();
    if (!found) throw new BuildNotReadyError('debian-6.1', 'linux-image-amd64 not downloaded yet', 'slotlab kernel build debian-6.1');
    const bzImage = path.join(found.dir, 'vmlinuz');
    return {
      name: 'debian-6.1',
      bzImage,
      modules: path.join(found.dir, 'modules.cpio'),
      provenance: { name: 'debian-6.1', kind: 'debian-package', source: `Debian package ${found.pkg} ${found.version}`, bzImage, sha256: sha256File(bzImage) },
    };
  },
};
