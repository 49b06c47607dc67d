/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/reports/junit-report.test.ts > TAP > snapshot > must match snapshot 1`] = `
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="slotlab" tests="3" failures="1">
  <testsuite name="pam-qmp" tests="3" failures="1" timestamp="2026-11-25T00:00:00.000Z">
    <testcase classname="slotlab.pam-qmp" name="debian-7.2">
      <system-out>race; lost 3 of 3 iterations, 15 mutations; QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)</system-out>
    </testcase>
    <testcase classname="slotlab.pam-qmp" name="debian-bpo-10.0">
      <system-out>safe (p &lt; 2.5e-4 per mutation at 95%); lost 0 of 3 iterations, 15000 mutations; QEMU emulator version 10.0.2</system-out>
    </testcase>
    <testcase classname="slotlab.pam-qmp" name="patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;">
      <failure message="pam-qmp on patched-&lt;b&gt;&quot;x&quot;&lt;/b&gt;: verdict race, expected safe" type="verdict"/>
      <system-out>race; lost 1 of 2 iterations, 5120 mutations; QEMU emulator version 10.0.2</system-out>
    </testcase>
  </testsuite>
</testsuites>

`
