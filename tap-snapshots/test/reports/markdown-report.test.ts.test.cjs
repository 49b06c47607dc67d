/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/reports/markdown-report.test.ts > TAP > snapshot > must match snapshot 1`] = `
# slotlab: pam-qmp

| suite | build | family | lost | loss/iteration (95% CI) | loss/mutation (95% CI) | mutations to failure (median, p90) | time to failure (median) | latency p50 / p99 (QMP) or guest-measured | verdict | expected |
|---|---|---|---:|---|---|---|---|---|---|---|
| pam-qmp | debian-7.2 | stock | 3/3 | 1.00 [0.29, 1.00] | 0.20 [0.043, 0.48] of 15 | 5, 7 | 30 ms | 1.2 ms / 8.6 ms | race | race (ok) |
| pam-qmp | debian-bpo-10.0 | paused-vcpu | 0/3 | 0 [0, 0.71] | 0 [0, 2.5e-4] of 15000 | not reached, not reached | not reached | 1.4 ms / 12 ms | safe (p < 2.5e-4 per mutation at 95%) | safe (ok) |
| pam-qmp | patched-&lt;b>"x"&lt;/b> | paused-vcpu | 1/2 | 0.50 [0.013, 0.99] | 2.0e-4 [4.9e-6, 1.1e-3] of 5120 | 120, not reached | 300 ms | 1.4 ms / 12 ms | race | safe (CONTRADICTED) |

## Builds

- **debian-7.2** (stock): QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3); qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3; \`/usr/bin/qemu-system-x86_64\`; sha256 \`bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\`
- **debian-bpo-10.0** (paused-vcpu): QEMU emulator version 10.0.2; qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3; \`/usr/bin/qemu-system-x86_64\`; sha256 \`cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\`
- **patched-&lt;b>"x"&lt;/b>** (paused-vcpu): QEMU emulator version 10.0.2; qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3; \`/usr/bin/qemu-system-x86_64\`; sha256 \`dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\`

## Runs

- \`20261125-000000-pam-qmp-0000\` (pam-qmp): 2026-11-25T00:00:00.000Z to ?, unknown (no manifest); host Test CPU (2 CPUs, 24 GiB), Linux 6.1.0

Loss probabilities are Clopper-Pearson 95% intervals. A loss is conclusive (race); "safe" needs the upper end of the per-mutation interval below the suite's threshold (\`safeBelow\`). Quantiles are Kaplan-Meier estimates with surviving guests censored ("not reached": too few losses). Generated 2026-11-25T00:00:00.000Z.

`
