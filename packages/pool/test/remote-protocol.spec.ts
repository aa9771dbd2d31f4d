import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionError } from '@taskcell/core';
import { DirectoryArtifactStore, PayloadError, checkPayload, packBlob, parseRedisUrl, unpackBlob } from '@taskcell/pool';

describe('the remote protocol', () => {
  test('a Redis URL gives host, port, db, queue and store', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, db: 0, queue: 'taskcell' });
    expect(parseRedisUrl('redis://u:p%40ss@h/2?queue=q&store=/shared')).toEqual({
      host: 'h',
      port: 6379,
      db: 2,
      queue: 'q',
      store: '/shared',
      username: 'u',
      password: 'p@ss',
    });
  });

  test('a bad URL is an OptionError saying what was expected', () => {
    expect(() => parseRedisUrl('threads')).toThrow(OptionError);
    expect(() => parseRedisUrl('threads')).toThrow('Expected a Redis URL like redis://host:6379, got "threads"');
    expect(() => parseRedisUrl('http://h:1')).toThrow('Expected a redis:// or rediss:// URL, got "http://h:1"');
  });

  test("a payload that is not taskcell's is a PayloadError saying what is wrong", () => {
    expect(() => checkPayload('x')).toThrow(PayloadError);
    expect(() => checkPayload({ v: 2 })).toThrow('Expected a taskcell job payload of version 1, got version 2');
    expect(() => checkPayload({ v: 1, task: 3 })).toThrow(
      'Expected the payload\'s "task" (the task\'s JSON text) or "taskKey" to be a string, got number',
    );
    expect(() => checkPayload({ v: 1, task: '{}', inputs: {}, options: {} })).toThrow('"options.jobId"');
  });

  test('blobs go inline below the limit and through the store above it', async () => {
    const store = new DirectoryArtifactStore({ path: mkdtempSync(join(tmpdir(), 'tc-blob-')) });
    const small = await packBlob({ b: Buffer.from('x') }, store, 1024);
    expect('b64' in small).toBe(true);
    expect(Buffer.isBuffer(((await unpackBlob(small, 'small')) as { b: Buffer }).b)).toBe(true);
    const big = await packBlob({ b: Buffer.alloc(5000) }, store, 1024);
    expect('ref' in big).toBe(true);
    expect(((await unpackBlob(big, 'big')) as { b: Buffer }).b.length).toBe(5000);
    // Without a store everything is inline.
    expect('b64' in (await packBlob(Buffer.alloc(5000), undefined, 1024))).toBe(true);
  });

  test('a blob that does not decode is a PayloadError', async () => {
    await expect(unpackBlob({ b64: 'not v8' }, 'the job inputs')).rejects.toThrow(PayloadError);
    await expect(unpackBlob({ nope: 1 } as never, 'the job inputs')).rejects.toThrow(
      /Expected the job inputs as \{json\}, \{b64\} or \{ref\}, got \{"nope":1\}/,
    );
  });
});
