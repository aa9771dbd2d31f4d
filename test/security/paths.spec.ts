/**
 * Attacks 1, 3 and 4 of the safety issue: outside names decide nothing about where files go. A
 * loopback server sends hostile names (Content-Disposition `filename=` and `filename*=`, a decoded
 * URL segment), spec ports and archives carry `..` and links; every one is refused with a typed
 * error naming the root and the name, and nothing is written (or overwritten) outside the job.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as yazl from 'yazl';
import { ContainmentError, ValidationError, contain, containTree, createRunner, extractTgz, extractZip, task } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { chainedLinks, rawTgz } from './archives';

const scratch = mkdtempSync(join(tmpdir(), 'tc-sec-paths-'));
// Jobs make their folders in the system temp dir, so `../name` from a job's folder lands there: the
// names are this run's own, and the files they would hit are made (and removed) by the test.
const jobsRoot = tmpdir();
const token = randomBytes(6).toString('hex');
const VICTIM = `tc-victim-${token}.txt`;
let server: Server;
let base = '';
let runner: Runner;

/** What the server sends for each path. */
const ROUTES: Record<string, { disposition?: string; body: string }> = {
  '/plain': { disposition: `attachment; filename="../${VICTIM}"`, body: 'from the server (plain)' },
  '/star': { disposition: `attachment; filename*=UTF-8''..%2F${VICTIM}`, body: 'from the server (star)' },
  [`/..%2F${VICTIM}`]: { body: 'from the server (segment)' },
  '/dot': { disposition: 'attachment; filename="."', body: 'from the server (dot)' },
  '/good': { disposition: 'attachment; filename="data.txt"', body: 'honest' },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const r = ROUTES[req.url ?? ''];
    if (!r) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (r.disposition) res.setHeader('content-disposition', r.disposition);
    res.end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runner = createRunner({ cacheDir: join(scratch, 'cache') });
});

afterAll(async () => {
  rmSync(join(jobsRoot, VICTIM), { force: true });
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(scratch, { recursive: true, force: true });
});

const readsFile = task({ inputs: { f: { type: 'string', format: 'text', target: 'filepath' } }, outputs: { text: 'string' } }, ({ f }) =>
  readFileSync(f, 'utf8'),
);

describe('attack 1: a server does not decide where a download goes', () => {
  // A file that was there before, which an escaping download would overwrite in place.
  const victims = [join(jobsRoot, VICTIM)];
  beforeEach(() => {
    for (const v of victims) writeFileSync(v, 'precious');
  });

  test.each(['/plain', '/star', `/..%2F${VICTIM}`, '/dot'])(
    '%s is refused with a ContainmentError naming the root and the name',
    async (route) => {
      for (const cache of [true, false]) {
        const err = await runner
          .execute(readsFile.spec, { f: { url: `${base}${route}`, cache } }, { cache: false })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ContainmentError);
        const e = err as ContainmentError;
        expect(e.context).toMatchObject({ port: 'f', root: expect.stringContaining(join(jobsRoot, 'taskcell-')) });
        expect(e.context.name).toBe(route === '/dot' ? '.' : `../${VICTIM}`);
        expect(e.message).toContain('server-sent file name');
      }
      for (const v of victims) expect(readFileSync(v, 'utf8')).toBe('precious');
    },
  );

  test('an honest name still names the file', async () => {
    const r = await runner.execute(readsFile.spec, { f: { url: `${base}/good` } }, { cache: false });
    expect(r.data.text).toBe('honest');
  });
});

describe("attack 4: a spec port's filename stays in the job's folder", () => {
  test('filename "../x" on an inline input is refused before anything is written', async () => {
    const t = task(
      {
        inputs: { f: { type: 'string', format: 'text', target: 'filepath', filename: `../${token}-escaped.txt` } },
        outputs: { text: 'string' },
      },
      ({ f }) => readFileSync(f, 'utf8'),
    );
    const err = await runner.execute(t.spec, { f: 'payload' }, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainmentError);
    expect((err as ContainmentError).context).toMatchObject({ port: 'f', name: `../${token}-escaped.txt` });
    expect(existsSync(join(jobsRoot, `${token}-escaped.txt`))).toBe(false);
  });

  test('filename "../x" on an http input is refused too', async () => {
    const t = task(
      {
        inputs: { f: { type: 'string', format: 'text', target: 'filepath', filename: `../${token}-escaped-http.txt` } },
        outputs: { text: 'string' },
      },
      ({ f }) => readFileSync(f, 'utf8'),
    );
    const err = await runner.execute(t.spec, { f: { url: `${base}/good` } }, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainmentError);
    expect(existsSync(join(jobsRoot, `${token}-escaped-http.txt`))).toBe(false);
  });
});

describe('the containment helper', () => {
  test('follows links the way the kernel does, parts that do not exist yet included', () => {
    const root = mkdtempSync(join(scratch, 'root-'));
    mkdirSync(join(root, 'a'));
    symlinkSync('a', join(root, 's'));
    symlinkSync('s/..', join(root, 'l1'));
    symlinkSync('l1/..', join(root, 'l2'));
    symlinkSync('/etc', join(root, 'etc'));
    symlinkSync('a/inside.txt', join(root, 'ok-link'));
    symlinkSync(join(scratch, 'not-there-yet'), join(root, 'dangling'));
    expect(contain(root, 's/new.txt')).toBe(join(root, 's', 'new.txt'));
    expect(contain(root, 'l1/x')).toBe(join(root, 'l1', 'x'));
    expect(contain(root, 'ok-link')).toBe(join(root, 'ok-link'));
    // A link to a file not made yet would be written through, out of the root.
    for (const name of ['l2/x', 'etc/passwd', 'l1', 'dangling', 'l1/../x', '../x', '/etc/passwd', '', 'a/../../x']) {
      expect(() => contain(root, name)).toThrow(ContainmentError);
    }
  });

  test('a tree is refused for a link out of it, and for being a link itself', () => {
    const root = mkdtempSync(join(scratch, 'tree-'));
    mkdirSync(join(root, 'out', 'deep'), { recursive: true });
    writeFileSync(join(root, 'out', 'deep', 'f'), 'x');
    symlinkSync('../deep/f', join(root, 'out', 'deep', 'inner'));
    expect(containTree(root, join(root, 'out'))).toBe(4);
    symlinkSync('/etc/hostname', join(root, 'out', 'deep', 'host'));
    expect(() => containTree(root, join(root, 'out'))).toThrow(ContainmentError);
    symlinkSync('/etc/hostname', join(root, 'alias'));
    expect(() => containTree(root, join(root, 'alias'))).toThrow(/is a symbolic link/);
  });
});

describe('attack 3: archives are extracted with links resolved against the extraction root as a whole', () => {
  const write = (name: string, bytes: Buffer): string => {
    const dir = mkdtempSync(join(scratch, 'arc-'));
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const linksIn = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir).filter((n) => lstatSync(join(dir, n)).isSymbolicLink()) : [];

  test('chained relative symlinks (s -> a, l1 -> s/.., ... l8 -> l7/..) never yield a link to /', async () => {
    const archive = write('chain.tgz', rawTgz(chainedLinks(8)));
    const err = await extractTgz(archive).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).context).toMatchObject({ member: 'l2', format: 'tgz' });
    expect((err as ValidationError).message).toMatch(/resolves to .*outside/);
    // Refused before anything was written.
    expect(linksIn(archive.replace(/\.tgz$/, ''))).toEqual([]);
  });

  test('a member written through a link made by an earlier member is refused', async () => {
    const archive = write('through.tgz', rawTgz([...chainedLinks(1), { name: 'l1/../escaped.txt', type: 'file', text: 'x' }]));
    await expect(extractTgz(archive)).rejects.toThrow(ValidationError);
    expect(existsSync(join(archive, '..', 'escaped.txt'))).toBe(false);
  });

  test('hard links out of the tree, direct or through a chain of links, and ".." members are refused', async () => {
    const cases: Array<Parameters<typeof rawTgz>[0]> = [
      [{ name: 'h', type: 'hardlink', link: '../../etc/passwd' }],
      [...chainedLinks(1), { name: 'l2', type: 'symlink', link: 'l1/..' }],
      [
        { name: 'a/', type: 'dir' },
        { name: 's', type: 'symlink', link: 'a/..' },
        { name: 'up', type: 'symlink', link: 's/..' },
        { name: 'h', type: 'hardlink', link: 'up/outside.txt' },
      ],
      [{ name: '../escaped.txt', type: 'file', text: 'x' }],
      [{ name: '/abs.txt', type: 'file', text: 'x' }],
    ];
    for (const [i, members] of cases.entries()) {
      const archive = write(`case${i}.tgz`, rawTgz(members));
      await expect(extractTgz(archive)).rejects.toThrow(ValidationError);
    }
  });

  test('an honest archive with links inside keeps them', async () => {
    const archive = write(
      'honest.tgz',
      rawTgz([
        { name: 'd/', type: 'dir' },
        { name: 'd/f.txt', type: 'file', text: 'hello' },
        { name: 'link', type: 'symlink', link: 'd/f.txt' },
        { name: 'hard', type: 'hardlink', link: 'd/f.txt' },
      ]),
    );
    const out = await extractTgz(archive);
    expect(readFileSync(join(out, 'link'), 'utf8')).toBe('hello');
    expect(readFileSync(join(out, 'hard'), 'utf8')).toBe('hello');
  });

  test('a zip member written through a link already in the target is refused', async () => {
    const dir = mkdtempSync(join(scratch, 'zip-'));
    const target = join(dir, 'x');
    mkdirSync(target);
    mkdirSync(join(dir, 'a'));
    symlinkSync('a', join(target, 's'));
    symlinkSync('s/..', join(target, 'l1'));
    symlinkSync('l1/..', join(target, 'l2'));
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('x'), 'l2/escaped.txt');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    writeFileSync(join(dir, 'x.zip'), Buffer.concat(chunks));
    await expect(extractZip(join(dir, 'x.zip'))).rejects.toThrow(ValidationError);
    expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
  });
});
