import { Demultiplexer, ProgressLineParser, toJobProgress } from '@taskcell/docker';
import type { DockerStream, IProgressReport } from '@taskcell/docker';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('the demultiplexer tells stdout from stderr whatever the write boundaries', () => {
  const all = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err\n'), frame(1, 'out 2\n'), frame(1, '')]);
  for (let step = 1; step <= all.length; step++) {
    const got: Record<DockerStream, string> = { stdin: '', stdout: '', stderr: '' };
    const d = new Demultiplexer((s, p) => (got[s] += p.toString()));
    for (let i = 0; i < all.length; i += step) d.write(all.subarray(i, i + step));
    expect(got).toEqual({ stdin: '', stdout: 'out 1\nout 2\n', stderr: 'err\n' });
  }
});

test('progress lines: JSON objects only, partial lines wait, missing keys are null', () => {
  const got: IProgressReport[] = [];
  const p = new ProgressLineParser((r) => got.push(r));
  p.write('{"current": 1, "total": 4, "mess');
  expect(got).toEqual([]);
  p.write('age": "a"}\n"str"\nnull\n{"total": 3}\n{"current": 2');
  expect(got).toEqual([
    { current: 1, total: 4, message: 'a' },
    { current: null, total: 3, message: null },
  ]);
  expect(toJobProgress(got[1])).toEqual({ current: 0, total: 3 });
  expect(toJobProgress(got[0])).toEqual({ current: 1, total: 4, message: 'a' });
  // A character split between two writes.
  const bytes = Buffer.from('{"message": "é"}\n');
  const split: IProgressReport[] = [];
  const q = new ProgressLineParser((r) => split.push(r));
  q.write(bytes.subarray(0, 14));
  q.write(bytes.subarray(14));
  expect(split).toEqual([{ current: null, total: null, message: 'é' }]);
});
