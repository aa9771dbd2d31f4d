import type { IRunRecord, RecordedOutput } from './run-store';

/** Two runs side by side: what differs in their spec, code, inputs and outputs, and their timings. */
export interface IRunComparison {
  a: IRunRecord;
  b: IRunRecord;
  /** Both ran the same spec (null when a hash is missing). */
  sameSpec: boolean | null;
  sameCode: boolean | null;
  /** Every input port of either run, by id order. */
  inputs: Array<{ port: string; a?: unknown; b?: unknown; same: boolean }>;
  /** Every output port of either run. */
  outputs: Array<{ port: string; a?: RecordedOutput; b?: RecordedOutput; same: boolean }>;
  /** Milliseconds each took, and b's time over a's. */
  timing: { a?: number; b?: number; ratio?: number };
}

/** Compare two run records. Inputs compare by content hash, outputs by value (or by artifact size and format when kept as files). */
export function compareRuns(a: IRunRecord, b: IRunRecord): IRunComparison {
  const ports = (x?: Record<string, unknown>, y?: Record<string, unknown>) =>
    [...new Set([...Object.keys(x ?? {}), ...Object.keys(y ?? {})])].sort();
  const inputs = ports(a.inputHashes, b.inputHashes).map((port) => {
    const row: IRunComparison['inputs'][number] = {
      port,
      same: a.inputHashes?.[port] !== undefined && a.inputHashes[port] === b.inputHashes?.[port],
    };
    if (a.inputs?.[port] !== undefined) row.a = a.inputs[port];
    if (b.inputs?.[port] !== undefined) row.b = b.inputs[port];
    return row;
  });
  const outputs = ports(a.outputs, b.outputs).map((port) => {
    const row: IRunComparison['outputs'][number] = { port, same: false };
    if (a.outputs?.[port] !== undefined) row.a = a.outputs[port];
    if (b.outputs?.[port] !== undefined) row.b = b.outputs[port];
    row.same = row.a !== undefined && JSON.stringify(Private.comparable(row.a)) === JSON.stringify(Private.comparable(row.b));
    return row;
  });
  const timing: IRunComparison['timing'] = {};
  if (a.elapsed !== undefined) timing.a = a.elapsed;
  if (b.elapsed !== undefined) timing.b = b.elapsed;
  if (timing.a !== undefined && timing.b !== undefined && timing.a > 0) timing.ratio = timing.b / timing.a;
  return {
    a,
    b,
    sameSpec: a.specHash === undefined || b.specHash === undefined ? null : a.specHash === b.specHash,
    sameCode: a.codeHash === undefined || b.codeHash === undefined ? null : a.codeHash === b.codeHash,
    inputs,
    outputs,
    timing,
  };
}

namespace Private {
  /** An output kept as a file compares by its format and size, not by where the file is. */
  export function comparable(o: RecordedOutput | undefined): unknown {
    if (o !== undefined && 'artifact' in o) return { format: o.format, size: o.size };
    return o;
  }
}
