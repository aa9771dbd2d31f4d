import type { GraphNodeId } from './graph/graph';

/** True for a plain object value (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a value that can be a graph node id: a string or a finite number. */
export function isNodeId(v: unknown): v is GraphNodeId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** What a value is, for an error message: `null`, `a list`, `an object`, or its type and (short) JSON. */
export function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}
