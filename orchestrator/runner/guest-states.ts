import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MachineConfig } from '../machine/machine-types.js';

/**
 * Saved guest states (boot once, restore many): one file per set of inputs,
 * `<root>/<build>/<key>.state`, the key a hash of the build's binary, every
 * machine argument slotlab gives QEMU (fw_cfg contents included) and the
 * image booted. A change of any is another key; states of a build whose
 * binary changed are dropped when a new one is saved.
 */
export class GuestStates {
  constructor(readonly root: string) {}

  file(build: string, key: string): string {
    return path.join(this.root, safe(build), `${key}.state`);
  }

  /** The saved state for these inputs, if there is one. */
  find(build: string, key: string): string | undefined {
    const file = this.file(build, key);
    return fs.existsSync(file) ? file : undefined;
  }

  /** What was kept beside a state when it was saved (e.g. where hot-plugged devices sat), if anything. */
  details(file: string): Record<string, unknown> | undefined {
    try {
      return (JSON.parse(fs.readFileSync(metaOf(file), 'utf8')) as { details?: Record<string, unknown> }).details;
    } catch {
      return undefined;
    }
  }

  /**
   * Where a new state for these inputs goes, with `details` a restore needs kept beside it;
   * other states of the build made from another binary are removed first.
   */
  prepare(build: string, key: string, binarySha256: string, details?: Record<string, unknown>): string {
    const dir = path.dirname(this.file(build, key));
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      const meta = path.join(dir, name);
      if (!name.endsWith('.json')) continue;
      try {
        if ((JSON.parse(fs.readFileSync(meta, 'utf8')) as { binarySha256?: string }).binarySha256 === binarySha256) continue;
      } catch {
        // unreadable: stale
      }
      fs.rmSync(meta, { force: true });
      fs.rmSync(meta.replace(/\.json$/, '.state'), { force: true });
    }
    const file = this.file(build, key);
    fs.writeFileSync(metaOf(file), JSON.stringify({ binarySha256, savedAt: new Date().toISOString(), ...(details ? { details } : {}) }) + '\n');
    return file;
  }

  /** Forgets a state that could not be restored, so the next iteration boots and saves afresh. */
  drop(file: string): void {
    fs.rmSync(file, { force: true });
    fs.rmSync(metaOf(file), { force: true });
  }
}

const metaOf = (file: string) => file.replace(/\.state$/, '.json');

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, '_');
}

/**
 * The inputs a saved state depends on, hashed: binary, machine arguments, and
 * the image by its contents (`imageSha256`: what -kernel and -initrd load,
 * whose paths may differ from run to run).
 */
export function guestStateKey(config: MachineConfig, binarySha256: string, imageSha256: string): string {
  const machine = {
    ...config,
    incoming: undefined,
    kernel: undefined,
    initrd: undefined,
    fwCfg: (config.fwCfg ?? []).map((blob) => ({ name: blob.name, sha256: createHash('sha256').update(blob.data).digest('hex') })),
  };
  return createHash('sha256').update(JSON.stringify({ binarySha256, imageSha256, machine })).digest('hex').slice(0, 24);
}
