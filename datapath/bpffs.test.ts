import { describe, expect, it } from 'vitest';
import { bpfMountsUnder } from './bpffs.js';

const mounts = [
  'sysfs /sys sysfs rw,nosuid 0 0',
  'bpf /tmp/sb/c1/bpffs bpf rw,relatime 0 0',
  'bpf /tmp/sb/c2/bpffs bpf rw,relatime 0 0',
  'bpf /tmp/sbx/c1/bpffs bpf rw,relatime 0 0',
  'tmpfs /tmp/sb/c3 tmpfs rw 0 0',
  'bpf /tmp/with\\040space/bpffs bpf rw 0 0',
].join('\n');

describe('bpfMountsUnder', () => {
  it('lists bpf mounts below the directory only, not a sibling sharing its prefix', () => {
    expect(bpfMountsUnder(mounts, '/tmp/sb')).toEqual(['/tmp/sb/c1/bpffs', '/tmp/sb/c2/bpffs']);
  });
  it('decodes octal escapes in mount points', () => {
    expect(bpfMountsUnder(mounts, '/tmp/with space')).toEqual(['/tmp/with space/bpffs']);
  });
  it('ignores other filesystem types', () => {
    expect(bpfMountsUnder(mounts, '/tmp/sb/c3')).toEqual([]);
  });
});
