/**
 * A newc ("070701") cpio writer: what the kernel unpacks as an initramfs. Written here
 * rather than with cpio(1) so that /dev/console can be a device node without root, and
 * so that the archive is byte-for-byte reproducible (fixed mtimes, inode numbers, owners).
 */
export type CpioEntry =
  | { readonly type: 'dir'; readonly name: string; readonly mode?: number }
  | { readonly type: 'file'; readonly name: string; readonly data: Buffer; readonly mode?: number }
  | { readonly type: 'char'; readonly name: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function record(ino: number, mode: number, name: string, data: Buffer, rdev: { major: number; minor: number } = { major: 0, minor: 0 }): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const header =
    '070701' +
    [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev.major, rdev.minor, nameBytes.length, 0].map(hex8).join('');
  const head = Buffer.concat([Buffer.from(header, 'ascii'), nameBytes]);
  return Buffer.concat([head, pad4(head.length), data, pad4(data.length)]);
}

export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts = entries.map((e, i) => {
    const ino = i + 1;
    switch (e.type) {
      case 'dir':
        return record(ino, S_IFDIR | (e.mode ?? 0o755), e.name, Buffer.alloc(0));
      case 'file':
        return record(ino, S_IFREG | (e.mode ?? 0o644), e.name, e.data);
      case 'char':
        return record(ino, S_IFCHR | (e.mode ?? 0o600), e.name, Buffer.alloc(0), e);
    }
  });
  parts.push(record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
