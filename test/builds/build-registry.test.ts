import t from 'tap';
import { UnknownBuildError, findBuild, knownBuilds, resolveBuild } from '../../orchestrator/builds/build-registry.js';

t.test('the two reference builds are known', async (t) => {
  t.same(knownBuilds().map((build) => build.name), ['debian-7.2', 'debian-bpo-10.0']);
  t.equal(findBuild('debian-7.2').name, 'debian-7.2');
  t.equal((await resolveBuild('debian-bpo-10.0')).name, 'debian-bpo-10.0');
});

t.test('an unknown build lists the known ones', async (t) => {
  t.throws(() => findBuild('7.2-magic'), UnknownBuildError);
  t.throws(() => findBuild('7.2-magic'), { code: 'UNKNOWN_BUILD', message: /known builds: debian-7\.2, debian-bpo-10\.0/ });
});
