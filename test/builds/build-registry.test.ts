// tier: build
import t from 'tap';
import { UnknownBuildError, findBuild, knownBuilds, resolveBuild } from '../../orchestrator/builds/build-registry.js';

t.test('the reference builds and the source builds are known', async (t) => {
  t.same(knownBuilds().map((build) => build.name).slice(0, 8), ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu', '7.2-atomic-ioctl', '7.2-mmio-aware', '10.0-stock', '10.0-atomic-ioctl']);
  t.equal(findBuild('debian-7.2').name, 'debian-7.2');
  t.equal((await resolveBuild('debian-bpo-10.0')).name, 'debian-bpo-10.0');
});

t.test('an unknown build lists the known ones', async (t) => {
  t.throws(() => findBuild('7.2-magic'), UnknownBuildError);
  t.throws(() => findBuild('7.2-magic'), { code: 'UNKNOWN_BUILD', message: /known builds: debian-7\.2, debian-bpo-10\.0/ });
});
