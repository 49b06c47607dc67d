import { SlotlabError } from '../errors.js';
import type { QmpClient } from '../qmp/qmp-client.js';
import { QmpTimeoutError } from '../qmp/qmp-errors.js';
import { z } from 'zod';
import type { MutatorPlugin } from './mutator.js';
import { type MutationLimits, type MutatorHooks, type MutatorTally, driveMutations, newTally } from './mutation-loop.js';
import { HOST_CONTEXT, type Timeouts } from '../run-context.js';

/** The i440fx/q35 ACPI memory hotplug registers (QEMU's docs/specs/acpi_mem_hotplug). */
const MEMORY_HOTPLUG_BASE = 0x0a00;
const SLOT_SELECTOR = MEMORY_HOTPLUG_BASE;
const CONTROL = MEMORY_HOTPLUG_BASE + 0x14;
const EJECT = 0x8;

/**
 * DIMMs hot-plugged (object-add + device_add pc-dimm) and unplugged (device_del,
 * the ACPI eject a guest would do, object-del) in turn. One mutation each.
 */
export const dimmChurnSchema = z
  .object({
    kind: z.literal('dimm-churn'),
    dimms: z.number().int().min(1).max(8).default(2),
    sizeMiB: z.number().int().min(2).default(128),
    /** NUMA node of the churned DIMMs (pc-dimm node=). */
    node: z.number().int().min(0).max(7).optional(),
    /**
     * Who answers device_del: `orchestrator` writes the ACPI eject itself (guests
     * without ACPI, like spin); `guest` waits for the guest's own _EJ0 (Linux).
     */
    eject: z.enum(['orchestrator', 'guest']).default('orchestrator'),
    batch: z.number().int().min(1).default(4),
  })
  .strict();

export type DimmChurnMutator = z.infer<typeof dimmChurnSchema>;

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
 * Mutation i of a DIMM churn: even ones plug (object-add + device_add pc-dimm),
 * odd ones unplug (device_del; then either the ACPI eject a guest's _EJ0 would do,
 * slot selector and eject bit written through HMP port I/O, or the guest's own
 * eject; DEVICE_DELETED; object-del). Every one adds or removes a memslot.
 */
export function dimmChurnStep(qmp: QmpClient, mutator: DimmChurnMutator, lost: () => boolean = () => false, timeouts: Timeouts = HOST_CONTEXT.timeouts): (index: number) => Promise<void> {
  return async (index) => {
    const id = churnDimmId(Math.floor(index / 2) % mutator.dimms);
    if (index % 2 === 0) await plugDimm(qmp, { id, sizeMiB: mutator.sizeMiB, node: mutator.node });
    else await unplug(qmp, id, mutator.eject, lost, timeouts);
  };
}

/** Plugs and unplugs DIMMs in turn, one mutation each, until a limit is reached or the guest is lost. */
export function runDimmChurn(
  qmp: QmpClient,
  mutator: DimmChurnMutator,
  limits: MutationLimits,
  hooks: MutatorHooks,
  tally: MutatorTally = newTally(),
  timeouts: Timeouts = HOST_CONTEXT.timeouts,
): Promise<MutatorTally> {
  return driveMutations(limits, hooks, tally, mutator.batch, dimmChurnStep(qmp, mutator, hooks.lost, timeouts));
}

/** Hot-plugs a DIMM: its memory-backend-ram `<id>-mem`, then pc-dimm `<id>`. */
export async function plugDimm(qmp: QmpClient, dimm: { id: string; sizeMiB: number; node?: number; address?: number }): Promise<void> {
  await qmp.execute('object-add', { 'qom-type': 'memory-backend-ram', id: `${dimm.id}-mem`, size: dimm.sizeMiB * 1024 * 1024 });
  try {
    await qmp.execute('device_add', {
      driver: 'pc-dimm',
      id: dimm.id,
      memdev: `${dimm.id}-mem`,
      ...(dimm.node === undefined ? {} : { node: dimm.node }),
      ...(dimm.address === undefined ? {} : { addr: dimm.address }),
    });
  } catch (error) {
    throw new DimmChurnError(`device_add pc-dimm ${dimm.id} failed: ${(error as Error).message}`);
  }
}

async function unplug(qmp: QmpClient, id: string, eject: DimmChurnMutator['eject'], lost: () => boolean, timeouts: Timeouts): Promise<void> {
  const devices = await qmp.execute<MemoryDevice[]>('query-memory-devices');
  const slot = devices.find((device) => device.data.id === id)?.data.slot;
  if (slot === undefined) throw new DimmChurnError(`DIMM ${id} is not plugged`);
  await qmp.execute('device_del', { id });
  if (eject === 'orchestrator') {
    await qmp.hmp(`o /w 0x${SLOT_SELECTOR.toString(16)} ${slot}`);
    await qmp.hmp(`o /b 0x${CONTROL.toString(16)} 0x${EJECT.toString(16)}`);
    await qmp.waitEvent('DEVICE_DELETED', { device: id }, { timeoutMs: timeouts.dimmDeleteMs });
  } else {
    await waitForGuestEject(qmp, id, lost, timeouts);
  }
  await qmp.execute('object-del', { id: `${id}-mem` });
}

/**
 * A guest still busy adding the DIMM it was just given can miss the eject request
 * (Linux handles ACPI hotplug notifications in a worker): the request is repeated
 * (device_del again) until the guest ejects or dimmGuestEjectMs pass; a guest
 * found lost meanwhile ends the wait at once.
 */
async function waitForGuestEject(qmp: QmpClient, id: string, lost: () => boolean, timeouts: Timeouts): Promise<void> {
  const deadline = performance.now() + timeouts.dimmGuestEjectMs;
  for (;;) {
    const left = deadline - performance.now();
    try {
      await qmp.waitEvent('DEVICE_DELETED', { device: id }, { timeoutMs: Math.max(1, Math.min(left, timeouts.dimmGuestEjectRetryMs)) });
      return;
    } catch (error) {
      if (!(error instanceof QmpTimeoutError)) throw error;
      if (lost()) throw new DimmChurnError(`the guest was lost before it ejected DIMM ${id}`);
      if (performance.now() >= deadline) throw new DimmChurnError(`the guest did not eject DIMM ${id} within ${Math.round(timeouts.dimmGuestEjectMs / 1000)} s of device_del (it needs ACPI memory hotplug and the DIMM offline)`);
    }
    await qmp.execute('device_del', { id }).catch(() => undefined);
  }
}

export const dimmChurnMutator: MutatorPlugin<typeof dimmChurnSchema> = {
  kind: 'dimm-churn',
  schema: dimmChurnSchema,
  run: async (mutator, { qmp, limits, hooks, tally, timeouts }) => {
    await runDimmChurn(qmp, mutator, limits, hooks, tally, timeouts);
    return {};
  },
};
