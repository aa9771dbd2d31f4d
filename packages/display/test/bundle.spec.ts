import {
  COMM_SCHEMA_VERSION,
  MIME,
  applyJobEvent,
  base64,
  createJobView,
  formatPlain,
  htmlBundle,
  imageBundle,
  isCommError,
  jobViewBundle,
  parseFrontendMessage,
  tableBundle,
  toBundle,
  treeBundle,
} from '@taskcell/display';

describe('toBundle', () => {
  it('uses an object’s own Symbol.for("Jupyter.display") bundle and adds text/plain', () => {
    const value = { [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>x</b>' }) };
    expect(toBundle(value, { inspect: () => 'X' })).toEqual({ 'text/html': '<b>x</b>', 'text/plain': 'X' });
  });

  it('renders Girder Worker rows as a table with HTML and text fallbacks', () => {
    const b = toBundle({ fields: ['a', 'b'], rows: [{ a: 1, b: '<x>' }] });
    expect(Object.keys(b)).toEqual([MIME.table, MIME.html, MIME.plain]);
    expect(b[MIME.html]).toContain('&lt;x&gt;');
    expect(b[MIME.plain]).toBe('a | b\n--|----\n1 | <x>');
  });

  it('falls back to a plain text form', () => {
    expect(toBundle([1, 'two', { three: 3 }])).toEqual({ 'text/plain': "[ 1, 'two', { three: 3 } ]" });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(formatPlain(circular)).toBe('{ self: [Circular] }');
  });
});

describe('bundles', () => {
  it('tables from a list of row objects take the union of the keys', () => {
    const b = tableBundle([{ a: 1 }, { b: 2 }]);
    expect(b[MIME.table]).toEqual({ fields: ['a', 'b'], rows: [{ a: 1 }, { b: 2 }] });
  });

  it('trees indent their text form', () => {
    expect(treeBundle({ node_data: { name: 'r' }, children: [{ node_data: { name: 'c' } }] })[MIME.plain]).toBe('r\n  c');
  });

  it('HTML gets a text fallback without tags', () => {
    expect(htmlBundle('<p>a &amp; b</p>')[MIME.plain]).toBe('a & b');
  });

  it('images are base64 of their bytes, sniffed by magic number', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    expect(imageBundle(png)).toEqual({
      [MIME.image]: { mime: 'image/png' },
      'image/png': Buffer.from(png).toString('base64'),
      'text/plain': '[image image/png]',
    });
    for (const n of [0, 1, 2, 3, 4, 5]) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => 250 - i));
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});

describe('job view', () => {
  it('folds events into a progress display that ends in its final state', () => {
    const view = createJobView('j1', 'count');
    applyJobEvent(view, { v: 1, kind: 'state', jobId: 'j1', time: 1, state: 'RUNNING' });
    applyJobEvent(view, { v: 1, kind: 'progress', jobId: 'j1', time: 2, progress: { current: 1, total: 4, message: 'reading' } });
    expect(jobViewBundle(view)[MIME.html]).toContain('<progress max="100" value="25"></progress> 25% reading');
    applyJobEvent(view, { v: 1, kind: 'state', jobId: 'j1', time: 3, state: 'SUCCESS', elapsed: 12 });
    expect(jobViewBundle(view)[MIME.plain]).toBe('count [SUCCESS] 1/4 reading (12 ms)');
  });
});

describe('comm schema', () => {
  it('accepts the three commands and says what was wrong with anything else', () => {
    expect(parseFrontendMessage({ v: COMM_SCHEMA_VERSION, type: 'cancel', jobId: 'x', requestId: 'r' })).toEqual({
      v: 1,
      type: 'cancel',
      jobId: 'x',
      requestId: 'r',
    });
    expect(parseFrontendMessage({ v: 1, type: 'list' })).toEqual({ v: 1, type: 'list' });
    const bad = parseFrontendMessage({ v: 1, type: 'cancel', jobId: 3, requestId: 'r' });
    expect(isCommError(bad) && bad.message).toBe('Expected `jobId` to be a string in a cancel command, got number');
    const old = parseFrontendMessage({ v: 0, type: 'list' });
    expect(isCommError(old) && old.message).toBe('Expected schema version `v` 1, got 0');
  });
});
