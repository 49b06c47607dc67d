import path from 'node:path';
import type { MachineConfig, MachinePaths } from './machine-types.js';

/** Full QEMU argv (without the binary) for a config; no shell is involved anywhere. */
export function buildQemuArgs(config: MachineConfig, paths: MachinePaths): string[] {
  const machine = [config.machineType, `accel=${config.accel}`];
  for (const [key, value] of Object.entries(config.machineOptions ?? {})) machine.push(`${key}=${value}`);
  const args = [
    '-S',
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-machine', machine.join(','),
    '-smp', String(config.cpus),
    '-m', memoryOption(config),
    '-chardev', `socket,id=slotlab-qmp,path=${escapeOption(paths.qmpSocket)}`,
    '-mon', 'chardev=slotlab-qmp,mode=control',
    '-chardev', `file,id=slotlab-serial,path=${escapeOption(paths.serialLog)}`,
    ...(config.console === 'debugcon' ? ['-device', 'isa-debugcon,iobase=0x402,chardev=slotlab-serial'] : ['-serial', 'chardev:slotlab-serial']),
    '-no-reboot',
  ];
  if (config.traceEvents?.length) {
    for (const event of config.traceEvents) args.push('-trace', `enable=${escapeOption(event)}`);
    args.push('-msg', 'timestamp=on', '-D', paths.traceLog);
  }
  for (const dir of config.dataDirs ?? []) args.push('-L', dir);
  if (config.kernel) args.push('-kernel', config.kernel);
  if (config.initrd) args.push('-initrd', config.initrd);
  if (config.append) args.push('-append', config.append);
  for (const blob of config.fwCfg ?? []) {
    args.push('-fw_cfg', `name=${escapeOption(blob.name)},file=${escapeOption(fwCfgPath(paths, blob.name))}`);
  }
  args.push(...(config.extraArgs ?? []));
  if (config.incoming) args.push('-incoming', config.incoming);
  return args;
}

function memoryOption(config: MachineConfig): string {
  if (config.memorySlots === undefined) return `${config.memoryMiB}M`;
  return `${config.memoryMiB}M,slots=${config.memorySlots},maxmem=${config.maxMemoryMiB ?? config.memoryMiB}M`;
}

export function fwCfgPath(paths: MachinePaths, name: string): string {
  return path.join(paths.dir, `fw_cfg-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** QEMU option values use ',' as separator; a literal comma is written ',,'. */
export function escapeOption(value: string): string {
  return value.replaceAll(',', ',,');
}
