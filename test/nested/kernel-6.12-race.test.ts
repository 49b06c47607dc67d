// tier: nested
/*
 * pam-guest and pam-shadow-exec on 10.0-atomic-ioctl inside the Linux 6.12
 * kernels under test (L1 under TCG): with the list ioctl (6.12-atomic-ioctl)
 * and with upstream's accelerator blocker as its fallback (6.12-stock).
 */
import t from 'tap';
import { assertFallbackSurvives, assertListSurvives, runInKernel } from '../fixtures/kernel-under-test.js';

for (const { suite, mutations } of [
  { suite: 'pam-guest', mutations: 1000 },
  { suite: 'pam-shadow-exec', mutations: 300 },
]) {
  t.test(`${suite} under 6.12-atomic-ioctl: 10.0-atomic-ioctl sends lists and survives, or loses at most one guest of two to finding list-6.12-no-retries-off-tdp`, async (t) => {
    assertListSurvives(t, await runInKernel(t, '6.12-atomic-ioctl', suite, ['10.0-atomic-ioctl'], 2, mutations), '6.12-atomic-ioctl', 2, 'list-6.12-no-retries-off-tdp');
  });

  const finding = suite === 'pam-guest' ? 'blocker-pam-guest-6.12-stock' : undefined;
  t.test(`${suite} under 6.12-stock: 10.0-atomic-ioctl warns once, falls back to upstream's blocker and survives${finding ? `, or loses at most one guest of two by emulation failure to finding ${finding}` : ''}`, async (t) => {
    assertFallbackSurvives(t, await runInKernel(t, '6.12-stock', suite, ['10.0-atomic-ioctl'], 2, mutations), '6.12-stock', 2, finding);
  });
}
