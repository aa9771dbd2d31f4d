/**
 * The girder binding against a real Girder 5 (on FerretDB): files, items and folders by id in and
 * out, token or API key, uploads to folders and items, metadata outputs, and its errors.
 */
import { IoError, createRunner, girderMode, inline, run, setRunner } from '@taskcell/core';
import type { IRows, Runner } from '@taskcell/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGirder } from '../services/girder';
import type { IGirder } from '../services/girder';

type Model = { _id: string; name: string; meta?: Record<string, unknown> };

let girder: IGirder;
let runner: Runner;
let folder: Model;
let csvFile: Model;
let csvItem: Model;
let pairItem: Model;
let apiKey: string;

/** Upload bytes as a new file of an item, as Girder's web client does. */
async function upload(itemId: string, name: string, text: string): Promise<Model> {
  const started = await girder.call<Model>('POST', 'file', { parentType: 'item', parentId: itemId, name, size: Buffer.byteLength(text) });
  const r = await fetch(`${girder.apiUrl}/file/chunk?uploadId=${started._id}&offset=0`, {
    method: 'POST',
    headers: { 'Girder-Token': girder.token, 'Content-Type': 'application/octet-stream' },
    body: text,
  });
  if (!r.ok) throw new Error(`upload of ${name}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Model;
}

beforeAll(async () => {
  girder = await startGirder();
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-girder-cache-')) });
  setRunner(runner);
  const collection = await girder.call<Model>('POST', 'collection', { name: 'taskcell', public: false });
  folder = await girder.call<Model>('POST', 'folder', { parentType: 'collection', parentId: collection._id, name: 'data' });
  csvItem = await girder.call<Model>('POST', 'item', { folderId: folder._id, name: 'table.csv' });
  csvFile = await upload(csvItem._id, 'table.csv', 'a,b\n1,2\n3,4\n');
  pairItem = await girder.call<Model>('POST', 'item', { folderId: folder._id, name: 'pair' });
  await upload(pairItem._id, 'one.txt', 'one');
  await upload(pairItem._id, 'two.txt', 'two');
  const sub = await girder.call<Model>('POST', 'folder', { parentType: 'folder', parentId: folder._id, name: 'sub' });
  const deep = await girder.call<Model>('POST', 'item', { folderId: sub._id, name: 'deep.txt' });
  await upload(deep._id, 'deep.txt', 'deep');
  apiKey = (await girder.call<{ key: string }>('POST', 'api_key', { name: 'taskcell tests', active: true })).key;
}, 180_000);
afterAll(async () => {
  await girder?.stop();
});

const where = () => ({ mode: 'girder', api_url: girder.apiUrl, token: girder.token });

test('the binding is registered on every runner', () => {
  expect(runner.io.get('girder')).toBe(girderMode);
});

test('a file by id comes into a memory port in the binding format, converted to the port format', async () => {
  const r = await run(
    {
      mode: 'javascript',
      script: 'out = t',
      inputs: [{ name: 't', type: 'table', format: 'rows' }],
      outputs: [{ name: 'out', type: 'table', format: 'rows' }],
    },
    { t: { ...where(), id: csvFile._id, format: 'csv' } },
    { cache: false },
  );
  expect(r.data.out as IRows).toEqual({
    fields: ['a', 'b'],
    rows: [
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ],
  });
});

const pathTask = (type = 'string', format = 'text') => ({
  mode: 'javascript',
  script: `const p = path;
const walk = (d) => fs.readdirSync(d).sort().flatMap((n) => fs.statSync(p.join(d, n)).isDirectory() ? walk(p.join(d, n)).map((x) => n + '/' + x) : [n + '=' + fs.readFileSync(p.join(d, n), 'utf8')]);
out = fs.statSync(t).isDirectory() ? p.basename(t) + ':' + walk(t).join(',') : p.basename(t) + '=' + fs.readFileSync(t, 'utf8')`,
  inputs: [{ name: 't', type, format, target: 'filepath' }],
  outputs: [{ name: 'out', type: 'string', format: 'text' }],
});

test('a filepath port gets the file in the job folder, under the binding name or the file own', async () => {
  const own = await run(pathTask(), { t: { ...where(), id: csvFile._id, resource_type: 'file' } }, { cache: false });
  expect(own.data.out).toBe('table.csv=a,b\n1,2\n3,4\n');
  const named = await run(pathTask(), { t: { ...where(), id: csvFile._id, name: 'renamed.csv' } }, { cache: false });
  expect(named.data.out).toBe('renamed.csv=a,b\n1,2\n3,4\n');
});

test('an item with one file comes as that file; one with several as a folder of them', async () => {
  const one = await run(pathTask(), { t: { ...where(), id: csvItem._id, resource_type: 'item' } }, { cache: false });
  expect(one.data.out).toBe('table.csv=a,b\n1,2\n3,4\n');
  const pair = await run(pathTask('directory', 'path'), { t: { ...where(), id: pairItem._id, resource_type: 'item' } }, { cache: false });
  expect(pair.data.out).toBe('pair:one.txt=one,two.txt=two');
});

test('a folder comes as a folder tree, subfolders and items with their files', async () => {
  const r = await run(pathTask('directory', 'path'), { t: { ...where(), id: folder._id, resource_type: 'folder' } }, { cache: false });
  expect(r.data.out).toBe('data:pair/one.txt=one,pair/two.txt=two,sub/deep.txt=deep,table.csv=a,b\n1,2\n3,4\n');
});

test('an API key signs in instead of a token', async () => {
  const r = await run(pathTask(), { t: { mode: 'girder', api_url: girder.apiUrl, api_key: apiKey, id: csvFile._id } }, { cache: false });
  expect(r.data.out).toBe('table.csv=a,b\n1,2\n3,4\n');
});

test('host, port and api_root name the server as well as api_url', async () => {
  const url = new URL(girder.apiUrl);
  const t = { mode: 'girder', host: url.hostname, port: Number(url.port), api_root: '/api/v1', token: girder.token, id: csvFile._id };
  const r = await run(pathTask(), { t }, { cache: false });
  expect(r.data.out).toBe('table.csv=a,b\n1,2\n3,4\n');
});

const writeTask = {
  mode: 'javascript',
  script: 'out = t',
  inputs: [{ name: 't', type: 'table', format: 'rows' }],
  outputs: [{ name: 'out', type: 'table', format: 'rows' }],
};
const table = { fields: ['x'], rows: [{ x: 1 }, { x: 2 }] };

test('an output goes to a folder as a new item holding the file, in the binding format', async () => {
  const r = await run(
    writeTask,
    { t: inline(table, 'rows') },
    { out: { ...where(), parent_id: folder._id, name: 'result.csv', format: 'csv' } },
    { cache: false },
  );
  const out = r.outputs.out as Record<string, string>;
  expect(out).toMatchObject({ mode: 'girder', format: 'csv', parent_id: folder._id, name: 'result.csv' });
  expect((await girder.download(out.file_id)).toString()).toBe('x\r\n1\r\n2\r\n');
  const item = await girder.call<Model & { folderId: string }>('GET', `item/${out.item_id}`);
  expect(item).toMatchObject({ name: 'result.csv', folderId: folder._id });
});

test('an output goes to an item as one more file of it, and a filepath output is uploaded from its file', async () => {
  const item = await girder.call<Model>('POST', 'item', { folderId: folder._id, name: 'outputs' });
  const dir = mkdtempSync(join(tmpdir(), 'tc-girder-out-'));
  writeFileSync(join(dir, 'made.txt'), 'made here');
  const r = await run(
    {
      mode: 'javascript',
      script: 'out = t',
      inputs: [{ name: 't', type: 'string', format: 'text' }],
      outputs: [{ name: 'out', type: 'string', format: 'text', target: 'filepath' }],
    },
    { t: join(dir, 'made.txt') },
    { out: { ...where(), parent_type: 'item', parent_id: item._id } },
    { cache: false },
  );
  const out = r.outputs.out as Record<string, string>;
  expect(out.item_id).toBe(item._id);
  const files = await girder.call<Model[]>('GET', `item/${item._id}/files`);
  expect(files.map((f) => f.name)).toEqual(['made.txt']);
  expect((await girder.download(out.file_id)).toString()).toBe('made here');
});

test('an as_metadata output is set as metadata on the parent item or folder', async () => {
  const item = await girder.call<Model>('POST', 'item', { folderId: folder._id, name: 'described' });
  const task = {
    mode: 'javascript',
    script: 'out = { mean: 1.5, n: t }',
    inputs: [{ name: 't', type: 'number', format: 'number' }],
    outputs: [{ name: 'out', type: 'python', format: 'object' }],
  };
  await run(task, { t: 2 }, { out: { ...where(), parent_type: 'item', parent_id: item._id, as_metadata: true } }, { cache: false });
  expect((await girder.call<Model>('GET', `item/${item._id}`)).meta).toEqual({ mean: 1.5, n: 2 });
  await run(task, { t: 3 }, { out: { ...where(), parent_id: folder._id, as_metadata: true } }, { cache: false });
  expect((await girder.call<Model>('GET', `folder/${folder._id}`)).meta).toEqual({ mean: 1.5, n: 3 });
});

test('a refused call is an IoError with the status and Girder message', async () => {
  const err = await run(
    pathTask(),
    { t: { mode: 'girder', api_url: girder.apiUrl, token: 'not-a-token', id: csvFile._id } },
    { cache: false },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IoError);
  expect((err as IoError).message).toMatch(
    /^Girder at http:\/\/127\.0\.0\.1:\d+\/api\/v1 refused GET file\/\w+ for port "t": expected a 2xx answer, got 40[13]: /,
  );
  expect((err as IoError).context).toMatchObject({ port: 't' });
});

test('a binding without an id or a server is an IoError naming what is missing', async () => {
  const noId = await run(pathTask(), { t: { mode: 'girder', api_url: girder.apiUrl } }, { cache: false }).catch((e: unknown) => e);
  expect((noId as IoError).message).toBe('A girder binding for port "t" needs a "id" string, got undefined');
  const noServer = await run(pathTask(), { t: { mode: 'girder', id: csvFile._id } }, { cache: false }).catch((e: unknown) => e);
  expect(noServer).toBeInstanceOf(IoError);
  expect((noServer as IoError).message).toBe('A girder binding for port "t" needs an "api_url" (or a "host"), got neither');
});
