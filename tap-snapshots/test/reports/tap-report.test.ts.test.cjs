/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/reports/tap-report.test.ts > TAP > snapshot > must match snapshot 1`] = `
TAP version 14
1..3
ok 1 - pam-qmp on debian-7.2: race (expected race)
ok 2 - pam-qmp on debian-bpo-10.0: safe (p < 2.5e-4 per mutation at 95%) (expected safe)
not ok 3 - pam-qmp on patched-<b>"x"</b>: race (expected safe)
  ---
  verdict: "race"
  expected: "safe"
  lost: 1
  iterations: 2
  mutations: 5120
  ...

`
