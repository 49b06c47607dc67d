// tier: unit
import t from 'tap';
import { commitCostOf } from '../../orchestrator/results/commit-trace.js';

// Written by hand in the formats QEMU's log trace backend prints with -msg timestamp=on
// (`pid@seconds.microseconds:event args`): 7.2 puts the address space in the slot number's high
// 16 bits, 10.0 prints it as AddrSpace#.
const SOURCE_7_2 = `
100@1000.000000:memory_region_transaction_commit_begin 
100@1000.000010:kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0xa0000 ua=0x7f0000000000 ret=0
100@1000.000020:kvm_set_user_memory Slot#1 flags=0x0 gpa=0x100000 size=0x7f00000 ua=0x7f0000100000 ret=0
100@1000.000030:memory_region_transaction_commit_end 
100@1000.001000:memory_region_transaction_commit_begin 
100@1000.001500:memory_region_transaction_commit_end 
100@1000.002000:memory_region_transaction_commit_begin 
100@1000.002005:kvm_slot_swap_hold 
100@1000.002010:kvm_set_user_memory Slot#1 flags=0x0 gpa=0x100000 size=0x0 ua=0x7f0000100000 ret=0
100@1000.002100:kvm_set_user_memory Slot#1 flags=0x0 gpa=0xf0000 size=0x7f10000 ua=0x7f00000f0000 ret=0
100@1000.002150:kvm_slot_swap_release 
100@1000.002200:memory_region_transaction_commit_end 
100@1000.003000:memory_region_transaction_commit_begin 
100@1000.003040:kvm_set_user_memory Slot#65536 flags=0x0 gpa=0x0 size=0xa0000 ua=0x7f0000000000 ret=0
100@1000.003050:memory_region_transaction_commit_end 
100@1000.004000:memory_region_transaction_commit_begin 
100@1000.004010:kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0x0 ua=0x7f0000000000 ret=0
100@1000.004020:kvm_set_user_memory Slot#65537 flags=0x0 gpa=0x0 size=0xc0000 ua=0x7f0000000000 ret=0
100@1000.004400:memory_region_transaction_commit_end 
`;

t.test('a source build: transactions, the commits among them, overlap per address space, hold times', async (t) => {
  const cost = commitCostOf(SOURCE_7_2);
  t.same(cost, {
    source: 'transactions',
    slotIoctls: 7,
    deletes: 2,
    transactions: 5,
    commits: 4,
    // Only the third: the fifth deletes in address space 0 and adds in address space 1 (SMRAM's).
    overlapping: 1,
    commitUs: { count: 4, meanUs: 170, p50Us: 50, p99Us: 400, maxUs: 400, totalUs: 680 },
    heldUs: { count: 1, meanUs: 145, p50Us: 145, p99Us: 145, maxUs: 145, totalUs: 145 },
    missing: [],
  });
});

t.test('a binary without the transaction events: the slot ioctls, overlap from delete/add pairs, and what is missing', async (t) => {
  const binary = [
    '7@5.000000:kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0xc0000 size=0x20000 ua=0x1 ret=0',
    '7@5.000100:kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0x100000 size=0x1000000 ua=0x2 ret=0',
    // deleted, then re-added over the same range: one overlapping pair
    '7@5.000200:kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0x100000 size=0x0 ua=0x2 ret=0',
    '7@5.000300:kvm_set_user_memory AddrSpace#0 Slot#1 flags=0x0 gpa=0xf0000 size=0x1010000 ua=0x3 ret=0',
    // deleted, then something elsewhere added: no pair
    '7@5.000400:kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0xc0000 size=0x0 ua=0x1 ret=0',
    '7@5.000500:kvm_set_user_memory AddrSpace#0 Slot#2 flags=0x0 gpa=0x40000000 size=0x100000 ua=0x4 ret=0',
  ].join('\n');
  t.same(commitCostOf(binary), {
    source: 'slot-ioctls',
    slotIoctls: 6,
    deletes: 2,
    transactions: null,
    commits: null,
    overlapping: 1,
    commitUs: null,
    heldUs: null,
    missing: ['transactions', 'commits', 'commit time', 'vCPU hold time'],
  });
});

t.test('no trace, or one without timestamps: nothing to report', async (t) => {
  t.equal(commitCostOf(''), undefined);
  t.equal(commitCostOf('kvm_set_user_memory Slot#0 flags=0x0 gpa=0x0 size=0xa0000 ua=0x1 ret=0\n'), undefined, 'no -msg timestamp=on: no times, not parsed');
});
