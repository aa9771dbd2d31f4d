import { SpecError } from '../errors';
import type { IPortSpec, ITaskSpec } from '../spec';
import { SLICER_INFO } from './from-xml';
import type { ISlicerExecutable, ISlicerGroup, ISlicerParameter, SlicerValue } from './from-xml';
import { SLICER_KINDS, kindOfType } from './kinds';
import { escapeXml } from './xml-tree';

/**
 * Write any task as Slicer execution-model XML. Ports read from Slicer XML keep their kind, flags,
 * index, constraints, enumeration and group; other ports (TypeScript tasks, promoted cells, Girder
 * Worker JSON) get the kind of their type (see `kindOfType`), a long flag named after the port, and
 * one group for inputs and one for outputs.
 */
export function taskToSlicer(task: ITaskSpec): string {
  const exe = task.source.slicer as ISlicerExecutable | undefined;
  const groups: ISlicerGroup[] = exe?.groups?.length ? [...exe.groups] : [];
  const members = new Map<number, string[]>();
  const fallback = (label: string): number => {
    let i = groups.findIndex((g) => g.label === label);
    if (i < 0) i = groups.push({ label }) - 1;
    return i;
  };
  const add = (port: IPortSpec, channel: 'input' | 'output') => {
    const meta = Private.meta(port, channel, () => fallback(channel === 'input' ? 'Inputs' : 'Outputs'));
    const list = members.get(meta.group) ?? [];
    list.push(Private.parameter(port, meta, task.name));
    members.set(meta.group, list);
  };
  task.inputs.forEach((p) => add(p, 'input'));
  task.outputs.forEach((p) => add(p, 'output'));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<executable>'];
  const info = exe?.info ?? {};
  const title = info.title ?? task.name ?? 'task';
  for (const key of SLICER_INFO) {
    const text = key === 'title' ? title : key === 'description' ? task.description : info[key];
    if (text !== undefined) lines.push(`  <${key}>${escapeXml(text)}</${key}>`);
  }
  groups.forEach((g, i) => {
    const params = members.get(i);
    if (!params) return;
    lines.push(g.advanced === undefined ? '  <parameters>' : `  <parameters advanced="${g.advanced}">`);
    lines.push(`    <label>${escapeXml(g.label)}</label>`);
    if (g.description !== undefined) lines.push(`    <description>${escapeXml(g.description)}</description>`);
    lines.push(...params, '  </parameters>');
  });
  lines.push('</executable>', '');
  return lines.join('\n');
}

namespace Private {
  export function meta(port: IPortSpec, channel: 'input' | 'output', group: () => number): ISlicerParameter {
    const given = port.source.slicer as ISlicerParameter | undefined;
    if (given && typeof given === 'object' && SLICER_KINDS[given.kind]) return { ...given, channel };
    return { kind: kindOfType(port.type, port.target), channel, longflag: port.id, group: group() };
  }

  export function parameter(port: IPortSpec, meta: ISlicerParameter, task: string | undefined): string {
    const attrs: Record<string, string> = { ...meta.attributes };
    if (meta.multiple !== undefined) attrs.multiple = String(meta.multiple);
    const open = Object.entries(attrs)
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    const out = [`    <${meta.kind}${open}>`];
    const el = (name: string, text: string) => out.push(`      <${name}>${escapeXml(text)}</${name}>`);
    el('name', port.id);
    el('label', meta.label ?? port.id);
    if (port.description !== undefined) el('description', port.description);
    const alias = (name: string, value: string, given: string | undefined, deprecated: string | undefined) => {
      const a = [
        given !== undefined ? ` alias="${escapeXml(given)}"` : '',
        deprecated !== undefined ? ` deprecatedalias="${escapeXml(deprecated)}"` : '',
      ];
      out.push(`      <${name}${a.join('')}>${escapeXml(value)}</${name}>`);
    };
    if (meta.flag !== undefined) alias('flag', meta.flag, meta.aliases?.flag, meta.aliases?.flagDeprecated);
    if (meta.longflag !== undefined) alias('longflag', meta.longflag, meta.aliases?.longflag, meta.aliases?.longflagDeprecated);
    if (meta.index !== undefined) el('index', String(meta.index));
    el('channel', meta.channel);
    if (port.default !== undefined) el('default', text(port.default.data, port, task));
    if (meta.constraints) {
      out.push('      <constraints>');
      for (const [k, v] of Object.entries(meta.constraints)) out.push(`        <${k}>${String(v)}</${k}>`);
      out.push('      </constraints>');
    }
    for (const e of meta.enumeration ?? []) el('element', String(e));
    for (const r of meta.references ?? []) {
      const a = Object.entries(r.attributes)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join('');
      out.push(`      <reference${a}>${escapeXml(r.text)}</reference>`);
    }
    out.push(`    </${meta.kind}>`);
    return out.join('\n');
  }

  /** A default as Slicer writes it: lists comma-joined, `python` values as JSON. */
  export function text(value: unknown, port: IPortSpec, task: string | undefined): string {
    if (Array.isArray(value)) return (value as SlicerValue[]).flat(2).map(String).join(',');
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (port.type === 'python') return JSON.stringify(value);
    throw new SpecError(
      `Port "${port.id}" has a default of type ${port.type} that Slicer XML cannot hold; expected a number, a boolean, a string or a list of them`,
      {
        task,
        port: port.id,
        type: port.type,
      },
    );
  }
}
