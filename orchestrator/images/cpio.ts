/** One member of a newc ("070701") cpio archive, the format the kernel unpacks as initramfs. */
export interface CpioEntry {
  /** Path inside the archive, without a leading slash. */
  name: string;
  /** Full st_mode: file type bits and permissions, e.g. 0o100755 for an executable. */
  mode: number;
  data?: Buffer;
  /** Device number for character and block devices. */
  rdev?: { major: number; minor: number };
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function member(entry: CpioEntry, ino: number): Buffer[] {
  const data = entry.data ?? Buffer.alloc(0);
  const name = Buffer.from(`${entry.name}\0`);
  const fields = [
    ino, entry.mode, 0, 0, (entry.mode & S_IFDIR) === S_IFDIR ? 2 : 1, 0, data.length,
    0, 0, entry.rdev?.major ?? 0, entry.rdev?.minor ?? 0, name.length, 0,
  ];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`);
  return [header, name, pad4(header.length + name.length), data, pad4(data.length)];
}

/** The archive: members in order (parents before children), then the trailer. */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts = entries.flatMap((entry, index) => member(entry, index + 1));
  parts.push(...member({ name: 'TRAILER!!!', mode: 0 }, 0));
  return Buffer.concat(parts);
}

/** Reads a newc archive back (names, modes, contents): for tests and inspection. */
export function readNewc(archive: Buffer): CpioEntry[] {
  const entries: CpioEntry[] = [];
  let offset = 0;
  for (;;) {
    const header = archive.subarray(offset, offset + 110).toString('latin1');
    if (!header.startsWith('070701')) throw new Error(`no newc header at offset ${offset}`);
    const field = (index: number) => parseInt(header.slice(6 + index * 8, 14 + index * 8), 16);
    const nameSize = field(11);
    const size = field(6);
    const nameStart = offset + 110;
    const name = archive.subarray(nameStart, nameStart + nameSize - 1).toString();
    const dataStart = nameStart + nameSize + ((4 - ((110 + nameSize) % 4)) % 4);
    if (name === 'TRAILER!!!') return entries;
    entries.push({ name, mode: field(1), data: archive.subarray(dataStart, dataStart + size), rdev: { major: field(9), minor: field(10) } });
    offset = dataStart + size + ((4 - (size % 4)) % 4);
  }
}
