// Resource bombs: images whose header declares a huge pixel count are refused before any pixel
// memory is taken; trees and JSON nested a million deep pass through run with the cache on.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { createRunner, encodeJpeg, encodePng, setMaxImagePixels } from '@taskcell/core';
import { ROOT } from '../pool/redis';
import { scriptTask } from './script-task';

const runner = createRunner();

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real decompression bomb: 1-bit grey, 20000×20000, all zeros, about 50 KB of PNG. */
function pngBomb(): Buffer {
  const side = 20000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grey
  const rows = Buffer.alloc(side * (1 + side / 8));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small real JPEG whose start-of-frame is rewritten to declare 9990×9990 (under jpeg-js's own 100 MP cap). */
function jpegBomb(): Buffer {
  const b = Buffer.from(encodeJpeg({ width: 16, height: 16, channels: 4, data: new Uint8Array(16 * 16 * 4).fill(200) }));
  const sof = b.indexOf(Buffer.from([0xff, 0xc0]));
  b.writeUInt16BE(9990, sof + 5);
  b.writeUInt16BE(9990, sof + 7);
  return b;
}

async function refused(format: string, bytes: Buffer): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  let error: unknown;
  try {
    await runner.formats.convert('image', format, 'pil', bytes, {});
  } catch (err) {
    error = err;
  }
  return { error, ms: Date.now() - t0 };
}

describe('image bombs', () => {
  afterEach(() => setMaxImagePixels(undefined));

  test('a 20000×20000 PNG bomb is refused with a typed error in under a second', async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const { error, ms } = await refused('png', bomb);
    expect(error).toMatchObject({ code: 'taskcell:conversion' });
    expect(String((error as Error).message)).toMatch(/20000×20000 = 400000000 pixels exceeds the limit of 89478485 pixels/);
    expect(ms).toBeLessThan(1000);
  });

  test('a JPEG declaring 9990×9990 is refused by the pixel limit in under a second', async () => {
    const { error, ms } = await refused('jpeg', jpegBomb());
    expect(error).toMatchObject({ code: 'taskcell:conversion' });
    expect(String((error as Error).message)).toMatch(/9990×9990 = 99800100 pixels exceeds the limit of 89478485 pixels/);
    expect(ms).toBeLessThan(1000);
  });

  test('the limit is configurable, and images under it decode', async () => {
    const png = encodePng({ width: 20, height: 20, channels: 4, data: new Uint8Array(20 * 20 * 4).fill(255) });
    expect(await runner.formats.convert('image', 'png', 'pil', png, {})).toMatchObject({ width: 20, height: 20 });
    setMaxImagePixels(399);
    const { error } = await refused('png', png);
    expect(String((error as Error).message)).toMatch(/20×20 = 400 pixels exceeds the limit of 399 pixels/);
  });
});

describe('deep trees', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-deep-'));
  const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
  const spec = join(dir, 'same-tree.json');
  writeFileSync(spec, JSON.stringify(scriptTask('same-tree', 'u = t', { t: 'tree/nested' }, { u: 'tree/nested' })));
  const taskcell = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });

  /** How deep a nested tree is: the length of its first-child chain. */
  const depth = (tree: { children?: unknown[] }): number => {
    let n = 0;
    for (let t = tree; t.children?.length; t = t.children[0] as typeof tree) n++;
    return n;
  };

  test('a 1,000,000-deep newick tree runs through `taskcell run` with the result cache on', () => {
    const file = join(dir, 'deep.nwk');
    writeFileSync(file, `${'('.repeat(1_000_000)}a${')'.repeat(1_000_000)};`);
    const r = taskcell(['run', spec, '--input', `t=@${file}`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(depth((JSON.parse(r.stdout) as { u: { data: { children?: unknown[] } } }).u.data)).toBe(1_000_000);
  }, 180_000);

  test('a 100,000-deep nested.json tree runs through `taskcell run` with the result cache on, and `convert --to nested` reads it', () => {
    const d = 100_000;
    const file = join(dir, 'deep.nested-json');
    writeFileSync(
      file,
      `${'{"node_data": {"node name": "n"}, "children": ['.repeat(d)}{"node_data": {"node name": "leaf"}}${']}'.repeat(d)}`,
    );
    const r = taskcell(['run', spec, '--input', `t=@${file}`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(depth((JSON.parse(r.stdout) as { u: { data: { children?: unknown[] } } }).u.data)).toBe(d);
    const c = taskcell(['convert', '--type', 'tree', '--from', 'nested.json', '--to', 'nested', file]);
    expect(c.stderr).toBe('');
    expect(depth(JSON.parse(c.stdout) as { children?: unknown[] })).toBe(d);
  }, 180_000);

  test('`convert --to nested` of a 1,000,000-deep newick tree', () => {
    const file = join(dir, 'deep.nwk');
    const c = taskcell(['convert', '--type', 'tree', '--from', 'newick', '--to', 'nested', file]);
    expect(c.stderr).toBe('');
    expect(depth(JSON.parse(c.stdout) as { children?: unknown[] })).toBe(1_000_000);
  }, 180_000);
});

describe('data too large for an in-memory format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-large-'));
  const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
  const convert = (file: string) =>
    spawnSync(process.execPath, [CLI, 'convert', '--type', 'table', '--from', 'csv', '--to', 'rows', file], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      timeout: 120_000,
    });
  const typed = (stderr: string) => {
    expect(stderr).toMatch(/\[taskcell:conversion\] Type "table" from "csv" to "rows": the data is too large to hold in memory/);
    expect(stderr).toMatch(
      /convert it to a streaming format instead \(table from csv streams to tsv, jsonlines, rows\.json, objectlist\.json\)/,
    );
  };

  test('`convert --to rows` of a CSV longer than a string can be is a typed error naming the streaming formats', () => {
    const file = join(dir, 'huge.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, 'a,b\n1,2\n');
    ftruncateSync(fd, 600 * 2 ** 20); // sparse: 600 MiB on paper, nothing on disk
    closeSync(fd);
    const r = convert(file);
    expect(r.status).toBe(1);
    typed(r.stderr);
  });

  test('`convert --to rows` whose JSON would outgrow a string is a typed error naming the streaming formats', () => {
    const file = join(dir, 'wide.csv');
    const names = Array.from({ length: 8 }, (_, k) => `a_rather_long_field_name_that_repeats_in_every_row_of_json_${k}`);
    writeFileSync(file, `${names.join(',')}\n${'1,2,3,4,5,6,7,8\n'.repeat(1_100_000)}`);
    const r = convert(file);
    expect(r.status).toBe(1);
    typed(r.stderr);
  }, 120_000);
});
