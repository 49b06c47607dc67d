import { z } from 'zod';
import { CELL_FAMILIES } from '../results/provenance.js';
import { EXPECTATIONS } from '../results/record.js';
import { mutatorPlugin, mutatorSchema } from '../mutators/registry.js';

/** Guest-physical addresses up to 1 TiB (code above 4 GiB runs through the spin image's paging window). */
const address = z.number().int().min(0).max(2 ** 40);
const byte = z.number().int().min(0).max(0xff);

const spinGuestSchema = z
  .object({
    image: z.literal('spin'),
    codeAddress: address.default(0x100000),
    codeStride: z.number().int().min(16).max(0x100000).default(0x40),
    /** Host bridge config bytes the guest writes before it copies its loops (e.g. PAM: make shadow RAM writable). */
    setupWrites: z.array(z.object({ register: z.number().int().min(1).max(0xff), value: byte }).strict()).max(8).default([]),
    /** Run the vCPUs with 4-level paging, its tables built at this guest-physical address (e.g. inside the range the mutator reshapes). */
    pageTables: z.number().int().min(0).max(2 ** 32 - 0x6000).multipleOf(0x1000).optional(),
    /** The loops keep stall records (gaps between iterations, images/README.md): a 48-byte loop that reads the TSC every iteration. */
    stalls: z.boolean().default(false),
    bootTimeoutSeconds: z.number().positive().default(60),
  })
  .strict();

/** Debian's packaged kernels, which can boot as the Linux guest (see images/README.md). */
export const GUEST_KERNELS = ['debian-6.1', 'debian-bpo-6.12'] as const;

/**
 * A Linux guest (images/linux/init): runs one busy loop per vCPU from a busybox
 * copy whose pages live in the memory hot-plugged on NUMA node `execNode`.
 */
const linuxGuestSchema = z
  .object({
    image: z.literal('linux'),
    kernel: z.enum(GUEST_KERNELS).default('debian-6.1'),
    execNode: z.number().int().min(1).max(7).default(1),
    bootTimeoutSeconds: z.number().positive().default(120),
  })
  .strict();

/**
 * No guest image: the build's own firmware (SeaBIOS) boots and finds nothing to boot; its debug console
 * (isa-debugcon at 0x402) is the guest's console. The boot ends when the firmware prints `bootEnd`.
 */
const firmwareGuestSchema = z
  .object({
    image: z.literal('firmware'),
    bootEnd: z.string().min(1).default('No bootable device'),
    bootTimeoutSeconds: z.number().positive().default(60),
  })
  .strict();

/** Mutations allowed when a suite sets no count: the duration is the limit. */
export const UNLIMITED_MUTATIONS = 1_000_000_000;

export const suiteSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    machine: z
      .object({
        type: z.enum(['pc', 'q35']),
        options: z.record(z.string(), z.string()).default({}),
        cpus: z.number().int().min(1).max(64),
        memoryMiB: z.number().int().min(16).max(65536),
        /** `-overcommit cpu-pm=on`: HLT, MWAIT and PAUSE stay in the guest (the RFC's cost workload). */
        cpuPm: z.boolean().default(false),
        /** Memory hotplug: DIMM slots and the most memory they may bring (QEMU's -m slots=,maxmem=). */
        memorySlots: z.number().int().min(1).max(256).optional(),
        maxMemoryMiB: z.number().int().min(16).optional(),
        /** `-device` arguments (QEMU syntax, no spaces), e.g. `VGA`. */
        devices: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.,=:-]*$/, 'a -device argument such as VGA or pc-dimm,id=x,memdev=y')).default([]),
        /** DIMMs plugged at start (memory-backend-ram + pc-dimm), e.g. one the vCPUs execute from. */
        dimms: z
          .array(
            z
              .object({
                id: z.string().regex(/^[a-z][a-z0-9-]*$/),
                sizeMiB: z.number().int().min(2),
                address: address.optional(),
                node: z.number().int().min(0).max(7).optional(),
                /** `after-boot`: hot-plugged from QMP once the guest is up, before the mutations. */
                plug: z.enum(['start', 'after-boot']).default('start'),
              })
              .strict(),
          )
          .default([]),
        /** NUMA nodes: boot RAM and every vCPU on node 0; nodes 1.. start without memory (hot-plug targets). */
        numaNodes: z.number().int().min(1).max(8).optional(),
        /** virtio-mem-pci devices, each with its own memory-backend-ram of `sizeMiB`. */
        virtioMem: z
          .array(
            z
              .object({
                id: z.string().regex(/^[a-z][a-z0-9-]*$/),
                sizeMiB: z.number().int().min(2),
                requestedMiB: z.number().int().min(0).default(0),
                node: z.number().int().min(0).max(7).optional(),
                blockSizeMiB: z.number().int().min(2).optional(),
                /** QEMU >= 8.2 can map the device with several memslots (dynamic-memslots=on); `auto`: on where supported. */
                dynamicMemslots: z.enum(['auto', 'on', 'off']).default('off'),
              })
              .strict(),
          )
          .default([]),
      })
      .strict(),
    guest: z.discriminatedUnion('image', [spinGuestSchema, linuxGuestSchema, firmwareGuestSchema]),
    mutator: mutatorSchema,
    stop: z
      .object({
        mutations: z.number().int().min(1).max(UNLIMITED_MUTATIONS).default(UNLIMITED_MUTATIONS),
        durationSeconds: z.number().positive(),
      })
      .strict(),
    repetitions: z.number().int().min(1),
    /**
     * How each iteration's guest starts: `restore` boots the first and saves its state once every vCPU
     * spins, later ones start from that state; `boot` boots every one (a race during boot needs it).
     */
    start: z.enum(['restore', 'boot']).default('restore'),
    /**
     * What each cell family (results/cell-family.ts) should do: lose the guest (`race`) or never (`safe`);
     * for a guest sent into the weeds: stop it (`stopped`) or re-enter its vCPU for ever (`livelock`).
     */
    expect: z.partialRecord(z.enum(CELL_FAMILIES), z.enum(EXPECTATIONS)).default({}),
    /** A `safe` verdict needs the per-mutation loss probability bounded below this at 95%. */
    safeBelow: z.number().positive().max(1).default(0.001),
  })
  .strict()
  .superRefine((suite, context) => {
    const { machine, mutator, guest } = suite;
    const issue = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    const flat = mutator.kind === 'mixed' ? mutator.mutators : [mutator];
    const churned = flat.reduce((sum, each) => sum + (each.kind === 'dimm-churn' ? each.dimms : 0), 0);
    const churnedMiB = flat.reduce((sum, each) => sum + (each.kind === 'dimm-churn' ? each.dimms * each.sizeMiB : 0), 0);
    const hotplugged = machine.dimms.length + churned;
    if (hotplugged > 0 && machine.memorySlots === undefined) issue(['machine', 'memorySlots'], `needed: ${hotplugged} DIMM(s) are plugged (machine.dimms, mutator.dimms)`);
    else if (machine.memorySlots !== undefined && hotplugged > machine.memorySlots) issue(['machine', 'memorySlots'], `${machine.memorySlots} slots cannot hold ${hotplugged} DIMMs`);
    if (machine.virtioMem.length > 0 && machine.memorySlots === undefined) issue(['machine', 'memorySlots'], 'needed with machine.virtioMem: QEMU reserves device memory only with slots= and maxmem=');
    if (machine.memorySlots !== undefined) {
      const needed =
        machine.memoryMiB + machine.dimms.reduce((sum, dimm) => sum + dimm.sizeMiB, 0) + churnedMiB + machine.virtioMem.reduce((sum, device) => sum + device.sizeMiB, 0);
      if (machine.maxMemoryMiB === undefined || machine.maxMemoryMiB < needed) issue(['machine', 'maxMemoryMiB'], `must be at least ${needed} (boot RAM plus every DIMM and virtio-mem device)`);
    }
    const nodes = machine.numaNodes ?? 1;
    const nodeFields: [(string | number)[], number | undefined][] = [
      ...machine.dimms.map((dimm, index): [(string | number)[], number | undefined] => [['machine', 'dimms', index, 'node'], dimm.node]),
      ...machine.virtioMem.map((device, index): [(string | number)[], number | undefined] => [['machine', 'virtioMem', index, 'node'], device.node]),
      ...flat.map((each, index): [(string | number)[], number | undefined] => [
        mutator.kind === 'mixed' ? ['mutator', 'mutators', index, 'node'] : ['mutator', 'node'],
        each.kind === 'dimm-churn' ? each.node : undefined,
      ]),
    ];
    if (guest.image === 'linux') nodeFields.push([['guest', 'execNode'], guest.execNode]);
    for (const [path, node] of nodeFields) {
      if (node !== undefined && node >= nodes) issue(path, `node ${node} does not exist: machine.numaNodes is ${nodes}`);
    }
    machine.virtioMem.forEach((device, index) => {
      const block = device.blockSizeMiB ?? 2;
      if (device.requestedMiB > device.sizeMiB) issue(['machine', 'virtioMem', index, 'requestedMiB'], `${device.requestedMiB} is more than the device's sizeMiB ${device.sizeMiB}`);
      if (device.sizeMiB % block !== 0 || device.requestedMiB % block !== 0) issue(['machine', 'virtioMem', index], `sizeMiB and requestedMiB must be multiples of the block size (${block} MiB)`);
    });
    flat.forEach((each, index) => {
      const path = mutator.kind === 'mixed' ? ['mutator', 'mutators', index] : ['mutator'];
      if (each.kind !== 'virtio-mem-resize') return;
      const device = machine.virtioMem.find((candidate) => candidate.id === each.device);
      if (!device) {
        issue([...path, 'device'], `no virtio-mem device '${each.device}' in machine.virtioMem${machine.virtioMem.length ? ` (there: ${machine.virtioMem.map((candidate) => candidate.id).join(', ')})` : ''}`);
        return;
      }
      const block = device.blockSizeMiB ?? 2;
      each.sizesMiB.forEach((size, sizeIndex) => {
        if (size > device.sizeMiB || size % block !== 0) issue([...path, 'sizesMiB', sizeIndex], `${size} must be a multiple of ${block} MiB and at most the device's ${device.sizeMiB} MiB`);
      });
    });
    if (guest.image === 'spin' && guest.pageTables !== undefined && guest.pageTables + 0x6000 > Math.min(machine.memoryMiB, 3072) * 2 ** 20) {
      issue(['guest', 'pageTables'], `the page tables (24 KiB) must lie in RAM below ${Math.min(machine.memoryMiB, 3072)} MiB (machine.memoryMiB)`);
    }
    if (mutator.kind === 'weeds' && guest.image === 'spin') {
      if (mutator.vcpu >= machine.cpus) issue(['mutator', 'vcpu'], `vCPU ${mutator.vcpu} does not exist: machine.cpus is ${machine.cpus}`);
      if (guest.codeAddress >= 2 ** 32) issue(['guest', 'codeAddress'], 'the weeds jump runs without paging: put the code below 4 GiB');
      if (guest.pageTables !== undefined) issue(['guest', 'pageTables'], 'the weeds jump runs without paging: remove guest.pageTables');
    }
    if (guest.image === 'linux' && mutatorPlugin(mutator).needsMailbox) issue(['mutator', 'kind'], `${mutator.kind} is the spin guest's in-guest mutator; a linux guest needs a QMP-driven mutator`);
    if ((guest.image === 'firmware') !== (mutator.kind === 'boot')) {
      issue(guest.image === 'firmware' ? ['mutator', 'kind'] : ['guest', 'image'], 'a firmware guest is measured by its own boot: guest.image firmware goes with mutator.kind boot, and only with it');
    }
    if (guest.image === 'linux' && nodes < 2) issue(['machine', 'numaNodes'], `a linux guest executes from memory hot-plugged on node guest.execNode (${guest.execNode}): give at least ${guest.execNode + 1} nodes`);
  });

export type Suite = z.infer<typeof suiteSchema>;
export type { PamToggleMutator } from '../mutators/pam-toggle.js';
export type { ConfigToggleMutator } from '../mutators/config-toggle.js';
export type { DirtyLogMutator } from '../mutators/dirty-log.js';
export type { DimmChurnMutator } from '../mutators/dimm-churn.js';
export type { VirtioMemResizeMutator } from '../mutators/virtio-mem-resize.js';
export type { MixedMutator, QmpMutator } from '../mutators/mixed.js';
export type { NoMutator } from '../mutators/none.js';
export type { PamGuestMutator } from '../mutators/pam-guest.js';
export type { WeedsMutator } from '../mutators/weeds.js';
export type { BootMutator } from '../mutators/boot.js';
export type SpinGuest = z.infer<typeof spinGuestSchema>;
export type LinuxGuest = z.infer<typeof linuxGuestSchema>;
export type FirmwareGuest = z.infer<typeof firmwareGuestSchema>;
export type VirtioMemDevice = Suite['machine']['virtioMem'][number];
export type Mutator = Suite['mutator'];
