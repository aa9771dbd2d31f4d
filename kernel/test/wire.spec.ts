import { Wire } from '../src/jupyter/wire';
import { SignatureError, WireError } from '../src/jupyter/errors';
import { createMessage } from '../src/jupyter/messages';
import { History } from '../src/jupyter/history';
import { resolveImport } from '../src/jupyter/esm-resolve';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('Wire', () => {
  const wire = new Wire('secret');
  const msg = createMessage('execute_request', { code: '1' }, 'session');

  it('round-trips a signed message with its routing identities', () => {
    const frames = wire.encode(msg, [Buffer.from('id1')]);
    const { ids, msg: back } = wire.decode(frames);
    expect(ids.map(String)).toEqual(['id1']);
    expect(back.header).toEqual(msg.header);
    expect(back.content).toEqual({ code: '1' });
  });

  it('rejects a wrong, missing or tampered signature', () => {
    const other = new Wire('other').encode(msg);
    expect(() => wire.decode(other)).toThrow(SignatureError);
    const unsigned = wire.encode(msg);
    unsigned[1] = Buffer.alloc(0);
    expect(() => wire.decode(unsigned)).toThrow('Message has no signature');
    const tampered = wire.encode(msg);
    tampered[5] = Buffer.from('{"code":"2"}');
    expect(() => wire.decode(tampered)).toThrow(SignatureError);
  });

  it('says what is wrong with malformed frames', () => {
    expect(() => wire.decode([Buffer.from('x')])).toThrow(WireError);
    expect(() => wire.decode([Buffer.from('<IDS|MSG>'), Buffer.from('')])).toThrow(
      'Expected a signature and four message frames after the delimiter, got 1',
    );
    const noKey = new Wire('');
    const frames = noKey.encode(msg);
    expect(frames[1].length).toBe(0);
    frames[2] = Buffer.from('[1]');
    expect(() => noKey.decode(frames)).toThrow('Expected an object in the header frame, got an array');
    expect(() => new Wire('k', 'rot13')).toThrow('Expected signature_scheme hmac-sha256');
  });
});

describe('History', () => {
  const h = new History();
  h.add(1, 'a = 1');
  h.add(2, '6*7', '42');
  h.add(3, '6*7', '42');
  h.add(4, 'b = 2');

  it('answers tail, range and search (glob, unique, n)', () => {
    expect(h.query({ hist_access_type: 'tail', n: 2 })).toEqual([
      [1, 3, '6*7'],
      [1, 4, 'b = 2'],
    ]);
    expect(h.query({ hist_access_type: 'range', session: 1, start: 2, stop: 3, output: true })).toEqual([[1, 2, ['6*7', '42']]]);
    expect(h.query({ hist_access_type: 'search', pattern: '6?7' })).toHaveLength(2);
    expect(h.query({ hist_access_type: 'search', pattern: '6?7', unique: true })).toEqual([[1, 3, '6*7']]);
    expect(h.query({ hist_access_type: 'search', pattern: '* = *', n: 1 })).toEqual([[1, 4, 'b = 2']]);
  });
});

describe('resolveImport', () => {
  it('resolves import-only exports, subpath patterns and the module field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esm-resolve-'));
    try {
      const pkg = (name: string, json: object): void => {
        mkdirSync(join(dir, 'node_modules', name), { recursive: true });
        writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify(json));
      };
      pkg('a', { exports: { '.': { import: './a.mjs' }, './sub/*': { import: './lib/*.mjs' } } });
      pkg('b', { module: 'b.mjs', main: 'b.cjs' });
      const nested = join(dir, 'x', 'y');
      mkdirSync(nested, { recursive: true });
      expect(resolveImport('a', nested)).toBe(join(dir, 'node_modules', 'a', 'a.mjs'));
      expect(resolveImport('a/sub/thing', nested)).toBe(join(dir, 'node_modules', 'a', 'lib', 'thing.mjs'));
      expect(resolveImport('b', dir)).toBe(join(dir, 'node_modules', 'b', 'b.mjs'));
      expect(resolveImport('./rel', dir)).toBeUndefined();
      expect(resolveImport('missing', dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
