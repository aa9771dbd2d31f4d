import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import * as yazl from 'yazl';
import { ConversionError, ValidationError, createRunner, extractTgz, extractZip, run, tgzDirectory, zipDirectory } from '@taskcell/core';

const GW = resolve(process.env.TASKCELL_SHARED ?? join(__dirname, '..', '..', '..', '..', 'shared'), 'girder-worker');
const DATA = join(GW, 'raw', 'tests', 'data');
const formats = createRunner().formats;

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'taskcell-dir-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file and directory under `dir`: relative path -> file bytes (hex) or `<dir>`. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory()) {
        out[`${rel}/`] = '<dir>';
        walk(p);
      } else out[rel] = readFileSync(p).toString('hex');
    }
  };
  walk(dir);
  return out;
}

/** Convert with the registry (a promise for directory formats). */
function convert(from: string, to: string, path: string): Promise<string> {
  return Promise.resolve(formats.convert('directory', from, to, path)) as Promise<string>;
}

/** A zip whose one member is named `name` (written under a same-length placeholder, since yazl refuses such names). */
async function zipWithMember(file: string, name: string): Promise<void> {
  const placeholder = 'x'.repeat(Buffer.byteLength(name));
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('escaped'), placeholder);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  writeFileSync(file, Buffer.from(bytes.toString('latin1').split(placeholder).join(name), 'latin1'));
}

/** A gzipped tar with one entry, built from raw headers so any name or link target can be stored. */
function tgzWithEntry(file: string, entry: { path: string; type: 'File' | 'SymbolicLink' | 'Link'; linkpath?: string }): void {
  const body = entry.type === 'File' ? Buffer.from('escaped') : Buffer.alloc(0);
  const header = new tar.Header({
    path: entry.path,
    type: entry.type,
    linkpath: entry.linkpath,
    mode: 0o644,
    size: body.length,
    mtime: new Date(0),
  });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  const padded = Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  writeFileSync(file, gzipSync(Buffer.concat([block, padded, Buffer.alloc(1024)])));
}

describe('directory formats: Girder Worker placement', () => {
  test('zip -> path extracts testZip.zip beside it into testZip/', async () => {
    copyFileSync(join(DATA, 'testZip.zip'), join(scratch, 'testZip.zip'));
    const out = await convert('zip', 'path', join(scratch, 'testZip.zip'));
    expect(out).toBe(join(scratch, 'testZip'));
    expect(Object.keys(tree(out)).sort()).toEqual(['provision.retry', 'site.retry']);
  });

  test('tgz -> path extracts testTar.tar.gz into testTar.tar/ (SCHEMA.md trap 5)', async () => {
    copyFileSync(join(DATA, 'testTar.tar.gz'), join(scratch, 'testTar.tar.gz'));
    const out = await convert('tgz', 'path', join(scratch, 'testTar.tar.gz'));
    expect(out).toBe(join(scratch, 'testTar.tar'));
    expect(Object.keys(tree(out)).sort()).toEqual(['provision.retry', 'site.retry']);
  });

  test('path -> zip and path -> tgz write <dir>.zip / <dir>.tgz beside the directory, members under its name', async () => {
    const dir = join(scratch, 'shapefile');
    mkdirSync(dir);
    for (const f of readdirSync(join(DATA, 'shapefile'))) copyFileSync(join(DATA, 'shapefile', f), join(dir, f));
    expect(await convert('path', 'zip', `${dir}/`)).toBe(`${dir}.zip`);
    expect(await convert('path', 'tgz', dir)).toBe(`${dir}.tgz`);
    const tarNames: string[] = [];
    await tar.t({ file: `${dir}.tgz`, onReadEntry: (e) => tarNames.push(e.path) });
    expect(tarNames.sort()).toEqual(['shapefile/', ...readdirSync(dir).map((f) => `shapefile/${f}`)].sort());
    expect(readdirSync(scratch).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  test('an archive without an extension has nowhere to be extracted to', async () => {
    copyFileSync(join(DATA, 'testZip.zip'), join(scratch, 'archive'));
    await expect(convert('zip', 'path', join(scratch, 'archive'))).rejects.toThrow(ConversionError);
  });
});

describe('directory formats: round trips keep the file tree and its bytes', () => {
  for (const [name, format] of [
    ['testZip.zip', 'zip'],
    ['testTar.tar.gz', 'tgz'],
  ] as const) {
    for (const via of ['zip', 'tgz'] as const) {
      test(`${name} -> path -> ${via} -> path`, async () => {
        mkdirSync(join(scratch, 'a'));
        copyFileSync(join(DATA, name), join(scratch, 'a', name));
        const first = await convert(format, 'path', join(scratch, 'a', name));
        const archive = await convert('path', via, first);
        // Extract elsewhere: Girder Worker would extract <dir>.zip back into <dir>, over the source.
        mkdirSync(join(scratch, 'b'));
        const moved = join(scratch, 'b', `copy.${via}`);
        copyFileSync(archive, moved);
        const second = await convert(via, 'path', moved);
        expect(second).toBe(join(scratch, 'b', 'copy'));
        // Members carry the source directory's name as their prefix.
        const base = first.split('/').pop()!;
        expect(tree(join(second, base))).toEqual(tree(first));
      });
    }
  }

  test('nested directories, an empty directory, binary files and a link to a file survive zip and tgz', async () => {
    const src = join(scratch, 'src');
    mkdirSync(join(src, 'deep', 'er'), { recursive: true });
    mkdirSync(join(src, 'empty'));
    writeFileSync(join(src, 'deep', 'er', 'bytes.bin'), Buffer.from([0, 255, 1, 254, 0x89, 0x50]));
    writeFileSync(join(src, 'top.txt'), 'top\n');
    writeFileSync(join(src, 'big.dat'), Buffer.alloc(3 * 1024 * 1024, 7));
    symlinkSync('top.txt', join(src, 'link.txt'));
    const want = tree(src);
    expect(want['link.txt']).toBe(want['top.txt']);

    const zip = await zipDirectory(src, join(scratch, 'out.zip'));
    expect(tree(join(await extractZip(zip), 'src'))).toEqual(want);

    const tgz = await tgzDirectory(src, join(scratch, 'out.tgz'));
    expect(tree(join(await extractTgz(tgz), 'src'))).toEqual(want);
  });

  test('a task port typed directory/path receives the extracted directory of a zip binding', async () => {
    copyFileSync(join(DATA, 'testZip.zip'), join(scratch, 'testZip.zip'));
    const result = await run(
      {
        mode: 'javascript',
        inputs: [{ id: 'd', type: 'directory', format: 'path' }],
        outputs: [{ id: 'files', type: 'string_list', format: 'string_list' }],
        script: 'files = fs.readdirSync(d).sort()',
      },
      { d: { format: 'zip', data: join(scratch, 'testZip.zip') } },
      { cache: false },
    );
    expect(result.data.files).toEqual(['provision.retry', 'site.retry']);
  });
});

describe('directory formats: validation', () => {
  test('path wants an existing directory', () => {
    expect(formats.isValid('directory', 'path', scratch)).toBe(true);
    expect(formats.check('directory', 'path', join(scratch, 'nope'))).toEqual({ message: expect.stringMatching(/which does not exist$/) });
    writeFileSync(join(scratch, 'f'), 'x');
    expect(formats.check('directory', 'path', join(scratch, 'f'))).toEqual({ message: expect.stringMatching(/which is not a directory$/) });
    expect(formats.isValid('directory', 'path', 42)).toBe(false);
  });

  test('zip and tgz want existing archive files, checked by their first bytes', () => {
    expect(formats.isValid('directory', 'zip', join(DATA, 'testZip.zip'))).toBe(true);
    expect(formats.isValid('directory', 'tgz', join(DATA, 'testTar.tar.gz'))).toBe(true);
    expect(formats.isValid('directory', 'tgz', scratch)).toBe(false);
    expect(formats.check('directory', 'zip', join(DATA, 'testTar.tar.gz'))).toEqual({
      message: expect.stringMatching(/to be a zip archive starting with a zip header \(50 4B 03 04\), got 1F 8B 08 00$/),
    });
    expect(formats.isValid('directory', 'tgz', join(DATA, 'testZip.zip'))).toBe(false);
    expect(() => formats.validate('directory', 'zip', join(scratch, 'missing.zip'), { port: 'myDir' }, 'Input "myDir"')).toThrow(
      /Input "myDir" .* is not of the expected type \("directory"\) and format \("zip"\): expected the path of a zip archive, got ".*missing.zip", which does not exist/,
    );
  });
});

describe('directory formats: members that would escape the target are refused', () => {
  test.each(['../evil.txt', 'a/../../evil.txt', '<absolute path>/evil.txt'])('zip member %s', async (written) => {
    const name = written.replace('<absolute path>', scratch);
    const dir = join(scratch, 'in');
    mkdirSync(dir);
    await zipWithMember(join(dir, 'bad.zip'), name);
    const err = await extractZip(join(dir, 'bad.zip')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(`Archive member ${JSON.stringify(name)} of directory/zip archive`);
    expect((err as ValidationError).context).toMatchObject({ type: 'directory', format: 'zip', member: name });
    expect(existsSync(join(scratch, 'evil.txt'))).toBe(false);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  test('a zip member inside the target after "..", is allowed', async () => {
    await zipWithMember(join(scratch, 'ok.zip'), 'a/../b.txt');
    expect(tree(await extractZip(join(scratch, 'ok.zip')))).toEqual({ 'b.txt': Buffer.from('escaped').toString('hex') });
  });

  test.each([
    { title: 'file ../evil.txt', path: '../evil.txt', type: 'File' as const },
    { title: 'file x/../../evil.txt', path: 'x/../../evil.txt', type: 'File' as const },
    { title: 'symbolic link to ../../etc', path: 'link', type: 'SymbolicLink' as const, linkpath: '../../etc' },
    { title: 'symbolic link to /etc/passwd', path: 'link', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' },
    { title: 'hard link to ../evil.txt', path: 'hard', type: 'Link' as const, linkpath: '../evil.txt' },
  ])('tgz entry: $title', async (entry) => {
    const dir = join(scratch, 'in');
    mkdirSync(dir);
    tgzWithEntry(join(dir, 'bad.tgz'), entry);
    const err = await convert('tgz', 'path', join(dir, 'bad.tgz')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).context).toMatchObject({ type: 'directory', format: 'tgz', member: entry.path });
    expect(existsSync(join(scratch, 'evil.txt'))).toBe(false);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  test('a zip is not extracted through a link already in the target', async () => {
    const outside = join(scratch, 'outside');
    mkdirSync(outside);
    mkdirSync(join(scratch, 'in', 'bad'), { recursive: true });
    symlinkSync(outside, join(scratch, 'in', 'bad', 'sub'));
    await zipWithMember(join(scratch, 'in', 'bad.zip'), 'sub/x.txt');
    await expect(extractZip(join(scratch, 'in', 'bad.zip'))).rejects.toThrow(ValidationError);
    expect(readdirSync(outside)).toEqual([]);
    expect(statSync(join(scratch, 'in', 'bad')).isDirectory()).toBe(true);
  });
});
