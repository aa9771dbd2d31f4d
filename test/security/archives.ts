/**
 * Hostile archives written byte by byte, so a test can hold members no honest archiver makes
 * (links out of the tree, hard links to `..`, chains of relative links).
 */
import { gzipSync } from 'node:zlib';

/** One tar member: a file with text, a directory, or a symbolic or hard link to `link`. */
export interface IRawMember {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  text?: string;
  link?: string;
}

/** A gzip-compressed ustar archive of `members`, in order. */
export function rawTgz(members: IRawMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const body = Buffer.from(m.type === 'file' ? (m.text ?? '') : '');
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100, 'utf8');
    h.write(m.type === 'dir' ? '0000755\0' : '0000644\0', 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
      'ascii',
    );
    h.write({ file: '0', hardlink: '1', symlink: '2', dir: '5' }[m.type], 156, 'ascii');
    if (m.link !== undefined) h.write(m.link, 157, 100, 'utf8');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** `s -> a`, `l1 -> s/..`, `l2 -> l1/..` ... `l{n} -> l{n-1}/..`: each looks harmless alone; `l{n}` climbs n-1 levels above the root. */
export function chainedLinks(n: number): IRawMember[] {
  const out: IRawMember[] = [
    { name: 'a/', type: 'dir' },
    { name: 's', type: 'symlink', link: 'a' },
    { name: 'l1', type: 'symlink', link: 's/..' },
  ];
  for (let i = 2; i <= n; i++) out.push({ name: `l${i}`, type: 'symlink', link: `l${i - 1}/..` });
  return out;
}
