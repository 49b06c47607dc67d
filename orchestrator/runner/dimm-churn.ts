import { SlotlabError } from '../errors.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import type { DimmChurnMutator } from '../suites/suite-schema.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { scaled } from '../machine/time-scale.js';

/** The i440fx/q35 ACPI memory hotplug registers (QEMU's docs/specs/acpi_mem_hotplug). */
const MEMORY_HOTPLUG_BASE = 0x0a00;
const SLOT_SELECTOR = MEMORY_HOTPLUG_BASE;
const CONTROL = MEMORY_HOTPLUG_BASE + 0x14;
const EJECT = 0x8;

export class DimmChurnError extends SlotlabError {
  constructor(detail: string) {
    super('DIMM_CHURN', `${detail}; the dimm-churn suite needs machine.memorySlots and machine.maxMemoryMiB with room for mutator.dimms more DIMMs`);
  }
}

interface MemoryDevice {
  type: string;
  data: { id?: string; slot: number; addr: number };
}

export const churnDimmId = (index: number) => `churn${index}`;

/**
 * Plugs and unplugs DIMMs in turn: plug is object-add + device_add pc-dimm; unplug
 * is device_del, then the ACPI eject a guest's _EJ0 would do (slot selector and
 * eject bit written through HMP port I/O), DEVICE_DELETED, and object-del.
 * Each plug or unplug is one mutation; every one adds or removes a memslot.
 */
export function runDimmChurn(
  qmp: QmpClient,
  mutator: DimmChurnMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally = newTally(),
): Promise<MutatorTally> {
  return driveMutations(limits, hooks, tally, mutator.batch, async (index) => {
    const id = churnDimmId(Math.floor(index / 2) % mutator.dimms);
    if (index % 2 === 0) await plug(qmp, id, mutator.sizeMiB);
    else await unplug(qmp, id);
  });
}

async function plug(qmp: QmpClient, id: string, sizeMiB: number): Promise<void> {
  await qmp.execute('object-add', { 'qom-type': 'memory-backend-ram', id: `${id}-mem`, size: sizeMiB * 1024 * 1024 });
  try {
    await qmp.execute('device_add', { driver: 'pc-dimm', id, memdev: `${id}-mem` });
  } catch (error) {
    throw new DimmChurnError(`device_add pc-dimm ${id} failed: ${(error as Error).message}`);
  }
}

async function unplug(qmp: QmpClient, id: string): Promise<void> {
  const devices = await qmp.execute<MemoryDevice[]>('query-memory-devices');
  const slot = devices.find((device) => device.data.id === id)?.data.slot;
  if (slot === undefined) throw new DimmChurnError(`DIMM ${id} is not plugged`);
  await qmp.execute('device_del', { id });
  await qmp.hmp(`o /w 0x${SLOT_SELECTOR.toString(16)} ${slot}`);
  await qmp.hmp(`o /b 0x${CONTROL.toString(16)} 0x${EJECT.toString(16)}`);
  await qmp.waitEvent('DEVICE_DELETED', { device: id }, { timeoutMs: scaled(10_000) });
  await qmp.execute('object-del', { id: `${id}-mem` });
}
