/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/reports/text-report.test.ts > TAP > snapshot > must match snapshot 1`] = `
slotlab: pam-qmp
================

suite / build                 lost            verdict  expected
----------------------------  ----  -----------------  --------
pam-qmp / debian-7.2           3/3               race   race ok
pam-qmp / debian-bpo-10.0      0/3  safe (p < 2.5e-4)   safe ok
pam-qmp / patched-<b>"x"</b>   1/2               race   safe NO

expected: ok = the verdict agrees with the suite, NO = it contradicts it, ? = not decided yet

pam-qmp on debian-7.2 (stock)
  QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
  iterations 3, lost 3, survived 0, stalled 0, errors 0
  loss per iteration   1.00 [0.29, 1.00] (95% CP)
  loss per mutation    0.20 [0.043, 0.48] over 15 mutations
  mutations to failure median 5, p90 7
  time to failure      median 30 ms, p90 40 ms
  mutation latency     p50 1.2 ms, p99 8.6 ms (21 mutations)
  verdict              race
  expected             race (ok)

pam-qmp on debian-bpo-10.0 (paused-vcpu)
  QEMU emulator version 10.0.2
  iterations 3, lost 0, survived 3, stalled 0, errors 0
  loss per iteration   0 [0, 0.71] (95% CP)
  loss per mutation    0 [0, 2.5e-4] over 15000 mutations
  mutations to failure median not reached, p90 not reached
  time to failure      median not reached, p90 not reached
  mutation latency     p50 1.4 ms, p99 12 ms (15000 mutations)
  vCPU progress        250,000 loops/s
  verdict              safe (p < 2.5e-4 per mutation at 95%)
  expected             safe (ok)

pam-qmp on patched-<b>"x"</b> (paused-vcpu)
  QEMU emulator version 10.0.2
  iterations 2, lost 1, survived 1, stalled 0, errors 0
  loss per iteration   0.50 [0.013, 0.99] (95% CP)
  loss per mutation    2.0e-4 [4.9e-6, 1.1e-3] over 5120 mutations
  mutations to failure median 120, p90 not reached
  time to failure      median 300 ms, p90 not reached
  mutation latency     p50 1.4 ms, p99 12 ms (5007 mutations)
  vCPU progress        250,000 loops/s
  verdict              race
  expected             safe (CONTRADICTED)

run 20261125-000000-pam-qmp-0000: 2026-11-25T00:00:00.000Z .. ? (unknown (no manifest)) on Test CPU (2 CPUs, 24 GiB), Linux 6.1.0

`
