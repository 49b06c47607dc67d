// tier: unit
import t from 'tap';
import { KERNEL_CONFIG_OPTIONS, configScriptArgs, missingOptions } from '../../orchestrator/kernels/kernel-config.js';

t.test('the configuration asks for KVM (both vendors), 9p over virtio and a serial console, and no modules', async (t) => {
  for (const option of ['KVM', 'KVM_AMD', 'KVM_INTEL', '9P_FS', 'NET_9P_VIRTIO', 'VIRTIO_PCI', 'SERIAL_8250_CONSOLE', 'BLK_DEV_INITRD', 'DEVTMPFS']) {
    t.ok(KERNEL_CONFIG_OPTIONS.includes(option), option);
  }
  const args = configScriptArgs('/tmp/x/.config');
  t.same(args.slice(0, 2), ['--file', '/tmp/x/.config']);
  t.ok(args.join(' ').includes('--enable KVM_AMD'));
  t.ok(args.join(' ').endsWith('--disable MODULES'));
});

t.test('options olddefconfig dropped are named', async (t) => {
  const all = KERNEL_CONFIG_OPTIONS.map((option) => `CONFIG_${option}=y`).join('\n');
  t.same(missingOptions(all), []);
  t.same(missingOptions(all.replace('CONFIG_KVM_AMD=y', '# CONFIG_KVM_AMD is not set')), ['KVM_AMD']);
  t.same(missingOptions(all.replace('CONFIG_9P_FS=y\n', '')), ['9P_FS']);
});
