/*
 * kvm-probe: what the kernel under test offers, and a direct test of
 * KVM_SET_USER_MEMORY_REGION_LIST.  Runs inside the L1 kernel (and on any
 * host); prints one JSON object per line.
 *
 *   kvm-probe caps                 capabilities of a fresh VM, and TDP: 1 with npt/ept, 0 with shadow paging
 *   kvm-probe hold                 keep one VM open until killed
 *   kvm-probe list-test [TOGGLES]  rejections of bad lists, then TOGGLES
 *                                  delete+create swaps of the slot a vCPU
 *                                  executes from, through the list ioctl
 *   kvm-probe list2-test [TOGGLES] the same through KVM_SET_USER_MEMORY_REGION2_LIST
 *                                  (region2 entries; a guest_memfd entry is refused)
 *   kvm-probe single-test [TOGGLES] the same swaps as two single ioctls
 *   kvm-probe fetch-test           deletes the slot holding a stopped vCPU's
 *                                  code, runs it, and reports the exit (an
 *                                  internal error today, a zero-length MMIO
 *                                  read under KVM_CAP_X86_MMIO_FETCH_EXIT)
 *   kvm-probe emul-test [TOGGLES] [single]
 *                                  TOGGLES swaps (list, or two single ioctls)
 *                                  of the slot holding a paged vCPU's code,
 *                                  page tables, GDT, IDT, stack and data while
 *                                  it loops on emulated instructions (rep outsb,
 *                                  an MMIO read); counts what a swap that is
 *                                  not atomic for every vCPU path shows:
 *                                  internal errors, MMIO exits inside the slot,
 *                                  guest page faults, other exceptions
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 cannot test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef KVM_CAP_USER_MEMORY_REGION_LIST
#define KVM_CAP_USER_MEMORY_REGION_LIST 4096
struct kvm_userspace_memory_region_list {
	__u32 nent;
	__u32 flags;
	struct kvm_userspace_memory_region entries[];
};
#define KVM_SET_USER_MEMORY_REGION_LIST \
	_IOW(KVMIO, 0xd2, struct kvm_userspace_memory_region_list)
#endif

/* The list with struct kvm_userspace_memory_region2 entries (slotlab's Linux 6.12 patch). */
#define KVM_CAP_USER_MEMORY_REGION2_LIST_PROBE 4097
#define KVM_CAP_USER_MEMORY2_PROBE 231
#define KVM_MEM_GUEST_MEMFD_PROBE (1u << 2)

/* slotlab's Linux 6.1 mmio-exit patch: a fetch without a memslot exits with a zero-length MMIO read. */
#define KVM_CAP_X86_MMIO_FETCH_EXIT_PROBE 4098
struct probe_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
struct probe_region2_list {
	__u32 nent;
	__u32 flags;
	struct probe_region2 entries[];
};
#define KVM_SET_USER_MEMORY_REGION2_LIST_PROBE \
	_IOW(KVMIO, 0xd3, struct probe_region2_list)

/* Which list the checks and swaps go through: 1 = v1 entries, 2 = region2 entries. */
static int list_version = 1;

#define MIB (1024UL * 1024UL)
#define CODE_GPA 0x1000UL
#define COUNTER_GPA 0x2000UL

static int failures;

static void die(const char *what)
{
	printf("{\"error\":\"%s: %s\"}\n", what, strerror(errno));
	exit(2);
}

static int open_vm(int *kvm_out)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0)
		die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (kvm_out)
		*kvm_out = kvm;
	else
		close(kvm);
	return vm;
}

static const struct {
	const char *name;
	int cap;
} caps[] = {
	{ "USER_MEMORY_REGION_LIST", KVM_CAP_USER_MEMORY_REGION_LIST },
	{ "USER_MEMORY_REGION2_LIST", KVM_CAP_USER_MEMORY_REGION2_LIST_PROBE },
	{ "USER_MEMORY2", KVM_CAP_USER_MEMORY2_PROBE },
	{ "X86_MMIO_FETCH_EXIT", KVM_CAP_X86_MMIO_FETCH_EXIT_PROBE },
	{ "NR_MEMSLOTS", KVM_CAP_NR_MEMSLOTS },
	{ "READONLY_MEM", KVM_CAP_READONLY_MEM },
	{ "MULTI_ADDRESS_SPACE", KVM_CAP_MULTI_ADDRESS_SPACE },
	{ "IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT },
	{ "NR_VCPUS", KVM_CAP_NR_VCPUS },
	{ "MAX_VCPUS", KVM_CAP_MAX_VCPUS },
	{ "DIRTY_LOG_RING", KVM_CAP_DIRTY_LOG_RING },
	{ "MANUAL_DIRTY_LOG_PROTECT2", KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 },
};

/* 1 when KVM maps guest memory with two-dimensional paging (kvm_amd npt,
 * kvm_intel ept), 0 when it shadows the guest's page tables, -1 unknown. */
static int tdp_enabled(void)
{
	static const char *const params[] = { "/sys/module/kvm_amd/parameters/npt", "/sys/module/kvm_intel/parameters/ept" };
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		char value[8] = "";
		FILE *file = fopen(params[i], "r");

		if (!file)
			continue;
		if (!fgets(value, sizeof(value), file))
			value[0] = 0;
		fclose(file);
		if (value[0] == 'Y' || value[0] == '1')
			return 1;
		if (value[0] == 'N' || value[0] == '0')
			return 0;
	}
	return -1;
}

static int cmd_caps(void)
{
	int kvm, vm = open_vm(&kvm);
	int tdp = tdp_enabled();
	size_t i;

	printf("{\"API_VERSION\":%d", ioctl(kvm, KVM_GET_API_VERSION, 0));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int value = ioctl(vm, KVM_CHECK_EXTENSION, caps[i].cap);

		printf(",\"%s\":%d", caps[i].name, value < 0 ? 0 : value);
	}
	if (tdp >= 0)
		printf(",\"TDP\":%d", tdp);
	printf("}\n");
	return 0;
}

static int cmd_hold(void)
{
	open_vm(NULL);
	for (;;)
		pause();
	return 0;
}

static struct kvm_userspace_memory_region region(__u32 slot, __u64 gpa, __u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = 0, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (__u64)(uintptr_t)hva,
	};
	return r;
}

/* A list of region2 entries; @guest_memfd >= 0 asks entry 0 for a guest_memfd binding. */
static int set_list2(int vm, __u32 flags, const struct kvm_userspace_memory_region *entries, __u32 nent, int guest_memfd)
{
	struct probe_region2_list *list;
	__u32 i;
	int r;

	list = calloc(1, sizeof(*list) + (nent ? nent : 1) * sizeof(list->entries[0]));
	if (!list)
		die("calloc");
	list->nent = nent;
	list->flags = flags;
	for (i = 0; i < nent; i++) {
		list->entries[i].slot = entries[i].slot;
		list->entries[i].flags = entries[i].flags;
		list->entries[i].guest_phys_addr = entries[i].guest_phys_addr;
		list->entries[i].memory_size = entries[i].memory_size;
		list->entries[i].userspace_addr = entries[i].userspace_addr;
	}
	if (nent && guest_memfd >= 0) {
		list->entries[0].flags |= KVM_MEM_GUEST_MEMFD_PROBE;
		list->entries[0].guest_memfd = guest_memfd;
	}
	r = ioctl(vm, KVM_SET_USER_MEMORY_REGION2_LIST_PROBE, list);
	free(list);
	return r < 0 ? -errno : 0;
}

static int set_list(int vm, __u32 flags, const struct kvm_userspace_memory_region *entries, __u32 nent)
{
	struct kvm_userspace_memory_region_list *list;
	int r;

	if (list_version == 2)
		return set_list2(vm, flags, entries, nent, -1);
	list = calloc(1, sizeof(*list) + (nent ? nent : 1) * sizeof(entries[0]));
	if (!list)
		die("calloc");
	list->nent = nent;
	list->flags = flags;
	if (nent)
		memcpy(list->entries, entries, nent * sizeof(entries[0]));
	r = ioctl(vm, KVM_SET_USER_MEMORY_REGION_LIST, list);
	free(list);
	return r < 0 ? -errno : 0;
}

static const char *errname(int r)
{
	switch (r) {
	case 0: return "0";
	case -EINVAL: return "EINVAL";
	case -EEXIST: return "EEXIST";
	case -EFAULT: return "EFAULT";
	case -ENOMEM: return "ENOMEM";
	case -ENOTTY: return "ENOTTY";
	default: return "other";
	}
}

static void check(const char *name, int got, int want)
{
	int ok = got == want;

	printf("{\"check\":\"%s\",\"want\":\"%s\",\"got\":\"%s\",\"ok\":%s}\n",
	       name, errname(want), errname(got), ok ? "true" : "false");
	if (!ok)
		failures++;
}

static int set_single(int vm, struct kvm_userspace_memory_region r)
{
	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/* Every way a list must be refused, and that a refused list changes nothing. */
static void rejections(int vm, char *mem, int max)
{
	struct kvm_userspace_memory_region e[2], *many;
	int i;

	check("nent 0", set_list(vm, 0, NULL, 0), -EINVAL);

	many = calloc(max + 1, sizeof(*many));
	for (i = 0; i <= max; i++)
		many[i] = region(10 + i, 8 * MIB + i * 4096UL, 4096, mem + 2 * MIB);
	check("nent above the capability", set_list(vm, 0, many, max + 1), -EINVAL);
	free(many);

	e[0] = region(5, 2 * MIB, 64 * 1024, mem + 2 * MIB);
	check("list flags not 0", set_list(vm, 1, e, 1), -EINVAL);

	e[1] = region(5, 3 * MIB, 64 * 1024, mem + 3 * MIB);
	check("duplicate slot id", set_list(vm, 0, e, 2), -EINVAL);

	e[1] = region(6, 2 * MIB + 32 * 1024, 64 * 1024, mem + 3 * MIB);
	check("overlapping creations", set_list(vm, 0, e, 2), -EINVAL);

	e[1] = region(6, 3 * MIB, 64 * 1024, mem + 3 * MIB);
	e[1].flags = 1u << 7;
	check("entry with unknown flags", set_list(vm, 0, e, 2), -EINVAL);

	if (list_version == 2) {
		e[1] = region(6, 3 * MIB, 64 * 1024, mem + 3 * MIB);
		check("entry asking for a guest_memfd", set_list2(vm, 0, e + 1, 1, 0), -EINVAL);
	}

	e[1] = region(6, 3 * MIB + 100, 64 * 1024, mem + 3 * MIB);
	check("entry with unaligned address", set_list(vm, 0, e, 2), -EINVAL);

	e[1] = region((1u << 16) | 6, 3 * MIB, 64 * 1024, mem + 3 * MIB);
	check("entries in two address spaces", set_list(vm, 0, e, 2), -EINVAL);

	e[1] = region(7, 0, 0, mem);
	check("delete of a slot that does not exist", set_list(vm, 0, e, 2), -EINVAL);

	e[1] = region(6, 512 * 1024, 64 * 1024, mem + 3 * MIB);
	check("creation over a slot left in place", set_list(vm, 0, e, 2), -EEXIST);

	/* Slot 5 was in every refused list: it must not exist now. */
	check("refused lists changed nothing", set_single(vm, region(9, 2 * MIB, 64 * 1024, mem + 2 * MIB)), 0);
	check("clean up", set_single(vm, region(9, 2 * MIB, 0, mem + 2 * MIB)), 0);

	e[0] = region(0, 0, 0, mem);
	e[1] = region(3, 0, 1 * MIB, mem);
	check("delete and re-create a range under another id", set_list(vm, 0, e, 2), 0);
	e[0] = region(3, 0, 0, mem);
	e[1] = region(0, 0, 1 * MIB, mem);
	check("and back", set_list(vm, 0, e, 2), 0);
}

struct vcpu {
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	volatile int stop;
	volatile int lost;
	__u32 exit_reason;
	__u32 suberror;
	__u32 ndata;
	__u64 data[4];
	__u64 rip;
	/* Zero-length MMIO exits (KVM_CAP_X86_MMIO_FETCH_EXIT) resumed, as QEMU resumes them. */
	unsigned long fetch_exits;
};

static void on_signal(int sig)
{
	(void)sig;
}

static void *vcpu_loop(void *arg)
{
	struct vcpu *v = arg;

	while (!v->stop) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		if (v->run->exit_reason == KVM_EXIT_MMIO && v->run->mmio.len == 0) {
			v->fetch_exits++;
			continue;
		}
		v->exit_reason = v->run->exit_reason;
		if (v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			v->suberror = v->run->internal.suberror;
			v->ndata = v->run->internal.ndata;
			memcpy(v->data, v->run->internal.data, sizeof(v->data));
		}
		{
			struct kvm_regs regs;

			if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
				v->rip = regs.rip;
		}
		v->lost = 1;
		break;
	}
	return NULL;
}

static const char *exit_name(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_INTERNAL_ERROR: return "internal-error";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_FAIL_ENTRY: return "fail-entry";
	default: return "other";
	}
}

/* A real-mode vCPU at CODE_GPA, not yet running. */
static void create_vcpu(int kvm, int vm, struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	long size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	v->fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (v->fd < 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_SREGS/REGS");
}

static void start_vcpu(int kvm, int vm, struct vcpu *v)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	create_vcpu(kvm, vm, v);
	pthread_create(&v->thread, NULL, vcpu_loop, v);
}

static void stop_vcpu(struct vcpu *v)
{
	v->stop = 1;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, SIGUSR1);
	pthread_join(v->thread, NULL);
}

static void sleep_ms(int ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Swaps slot ids 0 <-> 3 over [0, 1 MiB) while the vCPU loops at CODE_GPA. */
static int swap_test(int kvm, int vm, char *mem, int toggles, int with_list)
{
	static const unsigned char loop[] = {
		0x66, 0xff, 0x06, 0x00, 0x20,	/* inc dword [0x2000] */
		0xeb, 0xf9,			/* jmp back to the inc */
	};
	volatile __u32 *counter = (volatile __u32 *)(mem + COUNTER_GPA);
	struct vcpu v = { 0 };
	__u32 before, after, id = 0;
	int i, r = 0;

	memcpy(mem + CODE_GPA, loop, sizeof(loop));
	start_vcpu(kvm, vm, &v);
	sleep_ms(50);
	before = *counter;
	for (i = 0; i < toggles && !v.lost; i++) {
		__u32 next = id ? 0 : 3;
		struct kvm_userspace_memory_region e[2] = {
			region(id, 0, 0, mem), region(next, 0, 1 * MIB, mem),
		};

		if (with_list)
			r = set_list(vm, 0, e, 2);
		else
			r = set_single(vm, e[0]) ?: set_single(vm, e[1]);
		if (r)
			break;
		id = next;
	}
	sleep_ms(50);
	after = *counter;
	stop_vcpu(&v);
	printf("{\"test\":\"%s\",\"toggles\":%d,\"ioctl\":\"%s\",\"lost\":%s,\"exit\":\"%s\","
	       "\"suberror\":%u,\"internalData\":[%llu,%llu,%llu,%llu],\"ndata\":%u,\"rip\":%llu,"
	       "\"counterBefore\":%u,\"counterAfter\":%u,\"fetchExits\":%lu}\n",
	       with_list ? (list_version == 2 ? "list2" : "list") : "single", i, errname(r), v.lost ? "true" : "false",
	       v.lost ? exit_name(v.exit_reason) : "none", v.suberror,
	       (unsigned long long)v.data[0], (unsigned long long)v.data[1], (unsigned long long)v.data[2],
	       (unsigned long long)v.data[3], v.ndata, (unsigned long long)v.rip, before, after, v.fetch_exits);
	return r == 0 && !v.lost && after != before;
}

static int cmd_swap(int toggles, int with_list)
{
	int kvm, vm = open_vm(&kvm);
	int max = ioctl(vm, KVM_CHECK_EXTENSION, list_version == 2 ? KVM_CAP_USER_MEMORY_REGION2_LIST_PROBE : KVM_CAP_USER_MEMORY_REGION_LIST);
	char *mem = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		die("mmap guest memory");
	printf("{\"capability\":%d}\n", max < 0 ? 0 : max);
	if (with_list && max <= 0) {
		printf("{\"error\":\"this kernel has no KVM_SET_USER_MEMORY_REGION%s_LIST\"}\n", list_version == 2 ? "2" : "");
		return 2;
	}
	if (set_single(vm, region(0, 0, 1 * MIB, mem)) || set_single(vm, region(1, 1 * MIB, 1 * MIB, mem + 1 * MIB)))
		die("initial memslots");
	if (with_list)
		rejections(vm, mem, max);
	if (!swap_test(kvm, vm, mem, toggles, with_list))
		failures++;
	printf("{\"ok\":%s,\"failures\":%d}\n", failures ? "false" : "true", failures);
	return failures ? 1 : 0;
}

struct exit_seen {
	__u32 reason;
	__u32 suberror;
	__u32 mmio_len;
	__u32 mmio_write;
	__u64 mmio_gpa;
	__u32 io_port;
	__u64 rip;
};

static struct exit_seen run_once(struct vcpu *v)
{
	struct exit_seen seen = { 0 };
	struct kvm_regs regs;

	while (ioctl(v->fd, KVM_RUN, 0) < 0)
		if (errno != EINTR)
			die("KVM_RUN");
	seen.reason = v->run->exit_reason;
	if (seen.reason == KVM_EXIT_INTERNAL_ERROR)
		seen.suberror = v->run->internal.suberror;
	if (seen.reason == KVM_EXIT_MMIO) {
		seen.mmio_gpa = v->run->mmio.phys_addr;
		seen.mmio_len = v->run->mmio.len;
		seen.mmio_write = v->run->mmio.is_write;
	}
	if (seen.reason == KVM_EXIT_IO)
		seen.io_port = v->run->io.port;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		seen.rip = regs.rip;
	return seen;
}

static void print_exit(const char *key, struct exit_seen e)
{
	printf("\"%s\":{\"exit\":\"%s\",\"suberror\":%u,\"mmioGpa\":%llu,\"mmioLen\":%u,\"mmioWrite\":%u,\"port\":%u,\"rip\":%llu}",
	       key, exit_name(e.reason), e.suberror, (unsigned long long)e.mmio_gpa,
	       e.mmio_len, e.mmio_write, e.io_port, (unsigned long long)e.rip);
}

/*
 * The vCPU's code slot is deleted before it first runs.  Only after a
 * zero-length MMIO exit is it run again (still without the slot, then with
 * the slot back): after an internal error KVM has queued a #UD, and a
 * real-mode guest sent through its IVT need never exit again.
 */
static int cmd_fetch(void)
{
	static const unsigned char code[] = {
		0x66, 0xff, 0x06, 0x00, 0x20,	/* inc dword [0x2000] */
		0xe6, 0x10,			/* out 0x10, al */
		0xeb, 0xfe,			/* jmp $ */
	};
	int kvm, vm = open_vm(&kvm);
	char *mem = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vcpu v = { 0 };
	struct exit_seen first, again, back;

	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(mem + CODE_GPA, code, sizeof(code));
	if (set_single(vm, region(0, 0, 1 * MIB, mem)) || set_single(vm, region(1, 1 * MIB, 1 * MIB, mem + 1 * MIB)))
		die("initial memslots");
	create_vcpu(kvm, vm, &v);
	if (set_single(vm, region(0, 0, 0, mem)))
		die("delete the code slot");
	first = run_once(&v);
	printf("{\"test\":\"fetch\",\"capability\":%d,", ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MMIO_FETCH_EXIT_PROBE) > 0 ? 1 : 0);
	print_exit("first", first);
	if (first.reason == KVM_EXIT_MMIO && first.mmio_len == 0) {
		again = run_once(&v);
		if (set_single(vm, region(0, 0, 1 * MIB, mem)))
			die("re-create the code slot");
		back = run_once(&v);
		printf(",");
		print_exit("again", again);
		printf(",");
		print_exit("slotBack", back);
	}
	printf(",\"counter\":%u}\n", *(volatile __u32 *)(mem + COUNTER_GPA));
	return 0;
}

/*
 * The guest of emul-test, 32-bit protected mode with 4 MiB paging, all of it in
 * slot [0, 1 MiB): GDT 0x500, IDT 0x600, page directory 0x3000, code 0x1000,
 * data 0x4000, stack below 0x7000, counters 0x2000 (loops), 0x2004 (#PF),
 * 0x2008 (other exceptions), 0x200c (the last other vector).  Assembled from:
 *   loop: mov esi, 0x4000 / mov ecx, 4 / mov dx, 0x80 / rep outsb
 *         mov eax, [0x300000] / inc dword [0x2000] / jmp loop
 *   0x1800: inc dword [0x2004] / add esp, 4 / iret      (#PF: count, retry)
 *   0x1a00 + 16 * vector: mov byte [0x200c], vector / jmp 0x1900
 *   0x1900: inc dword [0x2008] / hlt / jmp back to the hlt (stays halted)
 */
#define EMUL_MMIO_GPA 0x300000UL
static const unsigned char emul_loop[] = {
	0xbe, 0x00, 0x40, 0x00, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0x66, 0xba,
	0x80, 0x00, 0xf3, 0x6e, 0xa1, 0x00, 0x00, 0x30, 0x00, 0xff, 0x05, 0x00,
	0x20, 0x00, 0x00, 0xeb, 0xe3,
};
static const unsigned char emul_pf[] = { 0xff, 0x05, 0x04, 0x20, 0x00, 0x00, 0x83, 0xc4, 0x04, 0xcf };
static const unsigned char emul_other[] = { 0xff, 0x05, 0x08, 0x20, 0x00, 0x00, 0xf4, 0xeb, 0xfd };

struct emul_counts {
	volatile int stop;
	unsigned long io_exits, mmio_outside, mmio_in_slot, fetch_exits, internal_errors, halts;
	volatile int shutdown;
	__u32 last_suberror;
	__u64 last_internal_data[4];
	__u64 last_in_slot_gpa;
};

static void emul_guest(char *mem)
{
	static const __u64 gdt[] = { 0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL };
	__u32 *pd = (__u32 *)(mem + 0x3000);
	int i;

	memcpy(mem + 0x500, gdt, sizeof(gdt));
	for (i = 0; i < 32; i++) {
		__u32 stub = 0x1a00 + 16 * i;
		__u32 handler = i == 14 ? 0x1800 : stub;
		__u32 *gate = (__u32 *)(mem + 0x600 + 8 * i);
		__s32 rel = 0x1900 - (__s32)(stub + 12);
		unsigned char code[12] = { 0xc6, 0x05, 0x0c, 0x20, 0x00, 0x00, (unsigned char)i, 0xe9 };

		memcpy(code + 8, &rel, 4);
		memcpy(mem + stub, code, sizeof(code));
		gate[0] = (0x08 << 16) | (handler & 0xffff);
		gate[1] = (handler & 0xffff0000) | 0x8e00;
	}
	pd[0] = 0x00000083;		/* 4 MiB page at 0, present, writable */
	memcpy(mem + CODE_GPA, emul_loop, sizeof(emul_loop));
	memcpy(mem + 0x1800, emul_pf, sizeof(emul_pf));
	memcpy(mem + 0x1900, emul_other, sizeof(emul_other));
	memcpy(mem + 0x4000, "slot", 4);
}

static void emul_vcpu_setup(int fd)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rsp = 0x7000, .rflags = 2 };
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1, .db = 1, .s = 1, .g = 1 };
	struct kvm_segment data = { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1, .db = 1, .s = 1, .g = 1 };

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.gdt.base = 0x500;
	sregs.gdt.limit = 23;
	sregs.idt.base = 0x600;
	sregs.idt.limit = 32 * 8 - 1;
	sregs.cr3 = 0x3000;
	sregs.cr4 = 0x10;		/* PSE */
	sregs.cr0 = 0x80000011;		/* PG, ET, PE */
	sregs.efer = 0;
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(fd, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_SREGS/REGS (paged protected mode)");
}

struct emul_vcpu {
	int fd;
	struct kvm_run *run;
	struct emul_counts *counts;
};

static void *emul_loop_thread(void *arg)
{
	struct emul_vcpu *v = arg;
	struct emul_counts *c = v->counts;

	while (!c->stop) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			c->io_exits++;
			break;
		case KVM_EXIT_MMIO:
			if (v->run->mmio.len == 0)
				c->fetch_exits++;
			else if (v->run->mmio.phys_addr < 1 * MIB) {
				c->mmio_in_slot++;
				c->last_in_slot_gpa = v->run->mmio.phys_addr;
			} else
				c->mmio_outside++;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			/* Counted and re-entered: the instruction is retried, as it would be had the slot been there. */
			c->internal_errors++;
			c->last_suberror = v->run->internal.suberror;
			memcpy(c->last_internal_data, v->run->internal.data, sizeof(c->last_internal_data));
			break;
		case KVM_EXIT_HLT:
			c->halts++;
			break;
		default:
			c->shutdown = (int)v->run->exit_reason;
			return NULL;
		}
	}
	return NULL;
}

static int cmd_emul(int toggles, int with_list)
{
	int kvm, vm = open_vm(&kvm);
	long size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	int max = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY_REGION_LIST);
	char *mem = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile __u32 *counters = (volatile __u32 *)(mem + COUNTER_GPA);
	struct emul_counts c = { 0 };
	struct emul_vcpu v = { .counts = &c };
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t thread;
	__u32 before, id = 0;
	int i, r = 0;

	if (mem == MAP_FAILED)
		die("mmap guest memory");
	if (with_list && max <= 0) {
		printf("{\"test\":\"emul\",\"error\":\"this kernel has no KVM_SET_USER_MEMORY_REGION_LIST\"}\n");
		return 2;
	}
	emul_guest(mem);
	if (set_single(vm, region(0, 0, 1 * MIB, mem)))
		die("initial memslot");
	v.fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (v.fd < 0)
		die("KVM_CREATE_VCPU");
	v.run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v.fd, 0);
	if (v.run == MAP_FAILED)
		die("mmap kvm_run");
	emul_vcpu_setup(v.fd);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&thread, NULL, emul_loop_thread, &v);
	sleep_ms(100);
	before = counters[0];
	for (i = 0; i < toggles && !c.shutdown; i++) {
		__u32 next = id ? 0 : 3;
		struct kvm_userspace_memory_region e[2] = { region(id, 0, 0, mem), region(next, 0, 1 * MIB, mem) };

		r = with_list ? set_list(vm, 0, e, 2) : (set_single(vm, e[0]) ?: set_single(vm, e[1]));
		if (r)
			break;
		id = next;
	}
	sleep_ms(100);
	c.stop = 1;
	v.run->immediate_exit = 1;
	pthread_kill(thread, SIGUSR1);
	pthread_join(thread, NULL);
	printf("{\"test\":\"emul\",\"ioctl\":\"%s\",\"toggles\":%d,\"result\":\"%s\",\"tdp\":%d,"
	       "\"loops\":%u,\"ioExits\":%lu,\"mmioOutside\":%lu,\"internalErrors\":%lu,\"mmioInSlot\":%lu,"
	       "\"pageFaults\":%u,\"otherExceptions\":%u,\"otherVector\":%u,\"halts\":%lu,\"fetchExits\":%lu,\"shutdown\":%d,"
	       "\"lastSuberror\":%u,\"lastInternalData\":[%llu,%llu,%llu,%llu],\"lastInSlotGpa\":%llu}\n",
	       with_list ? "list" : "single", i, errname(r), tdp_enabled(), counters[0] - before, c.io_exits, c.mmio_outside,
	       c.internal_errors, c.mmio_in_slot, counters[1], counters[2], counters[2] ? counters[3] & 0xff : 0, c.halts, c.fetch_exits, c.shutdown, c.last_suberror,
	       (unsigned long long)c.last_internal_data[0], (unsigned long long)c.last_internal_data[1],
	       (unsigned long long)c.last_internal_data[2], (unsigned long long)c.last_internal_data[3],
	       (unsigned long long)c.last_in_slot_gpa);
	return r == 0 && counters[0] != before ? 0 : 1;
}

int main(int argc, char **argv)
{
	int toggles = argc > 2 ? atoi(argv[2]) : 2000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "caps"))
		return cmd_caps();
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return cmd_hold();
	if (argc >= 2 && !strcmp(argv[1], "list-test"))
		return cmd_swap(toggles, 1);
	if (argc >= 2 && !strcmp(argv[1], "list2-test")) {
		list_version = 2;
		return cmd_swap(toggles, 1);
	}
	if (argc >= 2 && !strcmp(argv[1], "single-test"))
		return cmd_swap(toggles, 0);
	if (argc >= 2 && !strcmp(argv[1], "fetch-test"))
		return cmd_fetch();
	if (argc >= 2 && !strcmp(argv[1], "emul-test"))
		return cmd_emul(toggles, !(argc > 3 && !strcmp(argv[3], "single")));
	fprintf(stderr, "usage: kvm-probe caps | hold | list-test [TOGGLES] | list2-test [TOGGLES] | single-test [TOGGLES] | fetch-test | emul-test [TOGGLES] [single]\n");
	return 2;
}
