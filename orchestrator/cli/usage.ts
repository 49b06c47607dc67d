import { SlotlabError } from '../errors.js';

export const USAGE = `usage:
  slotlab run <suite> --build <name> [--build <name>...] [--repetitions N] [--mutations N] [--duration S] [--seed N] [--reporter table|json|progress] [--json]
                            [--cpus N]  the guest's vCPUs instead of the suite's machine.cpus
                            [--until-lost]  stop at the first lost guest (or after 2 iterations that could not run)
                            [--start boot|restore]  boot every guest, or boot once and restore its saved state (the suite's start, restore by default)
                            [--jobs N]  iterations of different cells at once, each guest's vCPUs pinned to CPUs of their own
                                        (refused when the vCPUs would outnumber the CPUs)
  slotlab run --all --build <name>... [options]   every suite in suites/, one run each
  slotlab run <suite> --image <file> --build <name>   the suite's machine and mutator on your multiboot image
  slotlab run --resume <run-id>     continue an interrupted run where it stopped
  slotlab run <suite> --build <name>... --kernel <kernel|bzImage>
                            run inside a kernel under test: it boots as L1 under TCG (emulated SVM)
                            and runs the builds there; records carry the kernel and its KVM capabilities
                            [--paging shadow]  L1's KVM on shadow paging (kvm_amd.npt=0), host.kvm.TDP 0
  slotlab plan <suite>... --build <name>... [--kernel K...] [--repetitions N] [--mutations N] [--duration S] [--cpus N] [--seed N]
                            --shards N --output DIR [--history <run|folder>...]
                            a campaign (suites x builds x kernels x repetitions) split into N shards balanced by expected
                            time (the suites' limits, or earlier runs' times); writes DIR/<id>.campaign.json,
                            DIR/github-workflow.yml and DIR/gitlab-ci.yml
  slotlab run --campaign FILE [--shard i/N]   one shard of a campaign (without --shard: all of it), a run per (suite, kernel)
  slotlab merge <run folder|file>... --into DIR [--campaign FILE]
                            shard runs into one run per (suite, kernel): refuses runs of another campaign, another suite
                            version or binary, a shard given twice; names missing shards (exit 1)
  slotlab demo [--all]      the main job (npm run demo): pam-qmp, or every suite, on debian-7.2,
                            debian-bpo-10.0, 7.2-stock and 7.2-paused-vcpu
  slotlab suites            list the suites: what each changes in the memory map and what each cell family (build on kernel) should do
  slotlab report <run-id|file|folder>... [--format text|md|html|junit|tap|json|grid-md|grid-html|email|kcidb] [--output FILE]
                            statistics and verdicts per (suite, build) from stored runs
                            kcidb: a KCIDB v5 document for KernelCI's kcidb-submit [--origin NAME] (default slotlab)
                            [--source-url URL] where this repository is served (the patches' URLs; default file://<repo>)
  slotlab compare <run-a> <run-b>   per-cell verdict changes and latency ratios
  slotlab repro <run-id|file> [--build B] [--iteration N] --output DIR
                            a folder that reproduces one iteration without slotlab (default: the
                            run's first lost guest): DIR/reproduce.sh replays its QMP commands
                            against the same QEMU; exit 1 lost, 0 survived, 2 could not start
  slotlab publish [--repetitions N] [--mutations N]
                            run pam-qmp, pam-guest and control-idle on debian-7.2, debian-bpo-10.0,
                            7.2-stock and 7.2-paused-vcpu;
                            write results/default-matrix.{md,html} and each run's records
  slotlab publish --from <run-id|file>... [--into DIR] [--as NAME]
                            publish stored runs instead of running new ones
                            (default DIR: results/, NAME: default-matrix)
                            [--layout grid] a row per build (@ kernel), a column per suite
                            (the design-space table); [--notes FILE] text under the table
  slotlab cost --build <name>... [--vcpus 1,2,4,8] [--boots N] [--kernel K] [--stall-seconds S] [--output DIR] [--notes FILE]
                            what each fix costs: firmware-boot (SeaBIOS, cpu-pm=on, no disk) N times per build and
                            vCPU count, commit time per boot from QEMU's own trace events, and the vCPU stalls of
                            control-idle against pam-bystander; writes cost-matrix.{md,html,svg} (default DIR:
                            results/) with the RFC's published figures beside ours, and the runs' records
  slotlab cost --from <run-id|file>... [--output DIR] [--notes FILE]   render stored cost runs
  slotlab build <name>... | --all
                            fetch/compile builds (7.2-stock, 7.2-paused-vcpu, 7.2-atomic-ioctl, 7.2-mmio-aware from Debian
                            bookworm's QEMU 7.2 source, 10.0-stock, 10.0-atomic-ioctl from trixie's 10.0
                            source, each + qemu-patches/<base>/<variant>; cached by their inputs)
  slotlab build --qemu-bin PATH --name NAME --family stock|paused-vcpu|atomic-ioctl|mmio-aware
  slotlab build --qemu-src DIR --name NAME --family stock|paused-vcpu|atomic-ioctl|mmio-aware
                            register your own binary or source tree as a build (a tree is
                            configured with slotlab's flags and rebuilt incrementally)
  slotlab builds            list every build with its provenance
  slotlab kernel build <name>... | --all
                            fetch Debian's linux-source-<base> (6.1: bookworm, 6.12: bookworm-backports),
                            apply qemu-patches/linux-<base>/<variant>, configure and compile a kernel
                            under test (6.1-stock, 6.1-atomic-ioctl, 6.1-mmio-exit, 6.12-stock, 6.12-atomic-ioctl; cached),
                            or fetch Debian's packaged ones (debian-6.1, debian-bpo-6.12)
  slotlab kernels           list the kernels under test with their provenance
  slotlab verdict <suite> --build <name> [--race-probability P] [--alpha A] [--mutations N]
                            iterate until a loss (exit 1) or enough clean iterations that a build racing
                            with probability P would have lost one with probability 1-A (exit 0);
                            exit 125 when it cannot test: drives git bisect run directly
  slotlab bisect qemu --src DIR --good REV --bad REV --suite S [--patches DIR] [--family F]
                            [--terms fixed|introduced] [--alpha A] [--calibrate N] [--mutations N]
                            build each commit on the first-parent line between the ends (one incremental
                            build folder per tree, binaries cached per commit) and find the commit that
                            fixed (--bad older) or introduced (--good older) the race; --good has no race,
                            --bad has it; a loss is conclusive, safe needs enough clean iterations at the
                            race probability measured on the bad end (--calibrate N iterations, default 10);
                            commits that do not build are skipped; exit 0 when one commit is named
  slotlab bisect kernel --kernels NAME,PATH,...|DIR --build B --suite S [--terms ...] [options]
  slotlab bisect kernel --kernel-src DIR --make CMD --good REV --bad REV --build B --suite S
                            the same over kernels under test (each booted as L1, --build run inside);
                            a list or folder of bzImages is ordered oldest first; CMD builds each commit
                            (it gets SLOTLAB_KERNEL_OUT for make O=...) and must leave arch/x86/boot/bzImage
  slotlab doctor            check KVM, QEMU builds, nasm, firmware and images; print fixes
  slotlab setup [--tests] [--kernels]   install packages, fetch builds and build guest images (idempotent);
                            --tests also installs what the tests need (chromium) and builds the kernels

A suite is a file stem in suites/ (e.g. pam-qmp) or a path to a .yaml file.`;

export class UsageError extends SlotlabError {
  constructor(detail: string) {
    super('USAGE', `${detail}\n${USAGE}`);
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} needs a positive integer, not '${value}'`);
  return number;
}

export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} needs a positive number of seconds, not '${value}'`);
  return number;
}
