/**
 * Self-describing images against a real Docker engine: a busybox image built FROM scratch whose
 * entrypoint answers `--list_cli` and `<cli> --xml` as slicer_cli_web images do is imported (by the
 * API and by `taskcell import`), and its task runs with the command line slicer_cli_web builds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, parseTask } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { createSlicerMode, importSlicerImage } from '@taskcell/docker';
import { buildBusyboxImage, endDockerSuite, startEngine } from './engine';
import type { ITestEngine } from './engine';

const IMAGE = 'taskcell-test/slicer-cli:latest';
const BIN = join(__dirname, '..', '..', 'kernel', 'bin', 'taskcell.js');

const THRESHOLD_XML = `<?xml version="1.0" encoding="UTF-8"?>
<executable>
  <category>Testing</category>
  <title>Threshold</title>
  <description>Counts the lines of a file and echoes its command line</description>
  <parameters>
    <label>IO</label>
    <file><name>inputFile</name><label>Input</label><index>0</index><channel>input</channel></file>
    <file fileExtensions=".txt"><name>outputFile</name><label>Output</label><index>1</index><channel>output</channel></file>
  </parameters>
  <parameters advanced="true">
    <label>Options</label>
    <double><name>level</name><longflag>level</longflag><default>2.5</default>
      <constraints><minimum>0</minimum><maximum>10</maximum><step>0.5</step></constraints></double>
    <integer><name>count</name><flag>n</flag><default>3</default></integer>
    <double-vector><name>weights</name><longflag>--weights</longflag><default>1,0.5</default></double-vector>
    <boolean><name>verbose</name><longflag>verbose</longflag><default>false</default></boolean>
    <boolean><name>strict</name><longflag>strict</longflag><default>true</default></boolean>
    <string-enumeration><name>method</name><longflag>method</longflag><default>fast</default>
      <element>fast</element><element>exact</element></string-enumeration>
  </parameters>
  <parameters>
    <label>Results</label>
    <integer><name>lines</name><channel>output</channel></integer>
    <double-vector><name>range</name><channel>output</channel></double-vector>
  </parameters>
</executable>
`;

// The CLI writes its arguments one per line into its output file (the last argument) and the input
// file's line count into the return parameter file.
const THRESHOLD_SH = `#!/bin/sh
eval in=\\\${$(($# - 1))}
eval out=\\\${$#}
ret=""
prev=""
for a in "$@"; do
  [ "$prev" = "--returnparameterfile" ] && ret="$a"
  prev="$a"
done
printf '%s\\n' "$@" > "$out"
n=$(wc -l < "$in")
printf 'lines = %s\\nrange = 0,%s.5\\n' $n $n > "$ret"
`;

// A second CLI that describes itself only in slicer_cli_web's JSON.
const GREET_JSON = JSON.stringify({
  title: 'Greet',
  description: 'Says hello',
  parameter_groups: [
    {
      label: 'Main',
      parameters: [
        { type: 'string', name: 'who', longflag: 'who', default: 'world' },
        { type: 'integer-vector', name: 'sizes', flag: { value: 's', alias: 'sz' }, default: [1, 2] },
      ],
    },
  ],
});

const ENTRY = `#!/bin/sh
if [ "$1" = "--list_cli" ]; then echo '{"Threshold": {"type": "shell"}, "Greet": {"type": "shell"}}'; exit 0; fi
cli="$1"
shift
if [ "$1" = "--xml" ] && [ -f "/cli/$cli.xml" ]; then cat "/cli/$cli.xml"; exit 0; fi
if [ "$1" = "--json" ] && [ -f "/cli/$cli.json" ]; then cat "/cli/$cli.json"; exit 0; fi
if [ "$1" = "--xml" ] || [ "$1" = "--json" ]; then echo "no $1 for $cli" >&2; exit 1; fi
exec "/cli/$cli" "$@"
`;

let engine: ITestEngine;
let runner: Runner;

beforeAll(async () => {
  engine = await startEngine();
  await buildBusyboxImage(
    engine.docker,
    [IMAGE],
    { '/bin/slicer-entry': ENTRY, '/cli/Threshold': THRESHOLD_SH, '/cli/Threshold.xml': THRESHOLD_XML, '/cli/Greet.json': GREET_JSON },
    ['ENTRYPOINT ["/bin/slicer-entry"]'],
  );
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-slicer-')) });
  runner.modes.register(createSlicerMode({ docker: engine.docker }));
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, undefined);
}, 60_000);

test('an image that answers --list_cli and --xml is imported as tasks that run in it', async () => {
  const { tasks } = await importSlicerImage(IMAGE, { docker: engine.docker });
  expect(Object.keys(tasks)).toEqual(['Threshold', 'Greet']);
  // Greet answers --json only: its description is read from slicer_cli_web's JSON.
  expect(tasks.Greet).toMatchObject({ mode: 'slicer_cli', name: 'Greet', slicer_cli: 'Greet' });
  expect(tasks.Greet.inputs).toEqual([
    {
      name: 'who',
      type: 'string',
      format: 'text',
      default: 'world',
      slicer: { kind: 'string', channel: 'input', group: 0, longflag: 'who' },
    },
    {
      name: 'sizes',
      type: 'integer_list',
      format: 'integer_list',
      default: [1, 2],
      // slicer_cli_web's flag object: its alias is kept, to be written back as the XML's alias.
      slicer: { kind: 'integer-vector', channel: 'input', group: 0, flag: 's', aliases: { flag: 'sz' } },
    },
  ]);
  const spec = tasks.Threshold;
  expect(spec).toMatchObject({ mode: 'slicer_cli', name: 'Threshold', docker_image: IMAGE, slicer_cli: 'Threshold' });
  const ids = (ports: unknown) => (ports as Array<{ name: string }>).map((p) => p.name);
  expect(ids(spec.inputs)).toEqual(['inputFile', 'level', 'count', 'weights', 'verbose', 'strict', 'method']);
  expect(ids(spec.outputs)).toEqual(['outputFile', 'lines', 'range']);
});

test('running an imported task builds the command line as slicer_cli_web does and returns outputs by type', async () => {
  const { tasks } = await importSlicerImage(IMAGE, { docker: engine.docker });
  const task = parseTask(tasks.Threshold);
  const r = await runner.execute(task, {
    inputFile: { format: 'text', data: 'a\nb\nc\nd\n' },
    level: { format: 'number', data: 7.5 },
    weights: { format: 'number_list', data: [0.25, 4, -1] },
    verbose: { format: 'boolean', data: true },
    strict: { format: 'boolean', data: false },
  });
  // Flagged inputs in port order (defaults filled, booleans bare when true and absent when false,
  // vectors comma-joined), then the return parameter file, then the index arguments in order.
  expect(String(r.data.outputFile).trim().split('\n')).toEqual([
    '--level',
    '7.5',
    '-n',
    '3',
    '--weights',
    '0.25,4,-1',
    '--verbose',
    '--method',
    'fast',
    '--returnparameterfile',
    '/mnt/girder_worker/data/.slicer-returns',
    '/mnt/girder_worker/data/inputFile',
    '/mnt/girder_worker/data/outputFile.txt',
  ]);
  expect(r.data.lines).toBe(4);
  expect(r.data.range).toEqual([0, 4.5]);
  expect(r.outputs.lines.format).toBe('integer');
});

test('taskcell import IMAGE --out DIR lists the tasks and writes their specs', () => {
  const out = mkdtempSync(join(tmpdir(), 'tc-slicer-import-'));
  const r = spawnSync(process.execPath, [BIN, 'import', IMAGE, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: engine.host },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(
    `Threshold\t${join(out, 'Threshold.json')}\tinputs: inputFile, level, count, weights, verbose, strict, method\toutputs: outputFile, lines, range\n` +
      `Greet\t${join(out, 'Greet.json')}\tinputs: who, sizes\toutputs: \n`,
  );
  const spec = JSON.parse(readFileSync(join(out, 'Threshold.json'), 'utf8'));
  expect(spec).toMatchObject({ mode: 'slicer_cli', docker_image: IMAGE, slicer_cli: 'Threshold' });
  expect(spec.inputs[1]).toMatchObject({
    name: 'level',
    type: 'number',
    default: 2.5,
    slicer: { constraints: { minimum: 0, maximum: 10, step: 0.5 } },
  });
});
