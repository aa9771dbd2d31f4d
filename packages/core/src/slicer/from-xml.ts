import { SpecError } from '../errors';
import type { TaskJSON } from '../spec';
import { SLICER_KINDS, girderType, type ISlicerKind } from './kinds';
import { readXmlTree, type IXmlElement } from './xml-tree';

/** The elements of `<executable>` that describe it, in the order Slicer's schema lists them. */
export const SLICER_INFO = [
  'category',
  'index',
  'title',
  'description',
  'version',
  'documentation-url',
  'license',
  'contributor',
  'acknowledgements',
] as const;

/** A parameter's value as a spec holds it: a number, boolean or string, or a list of them. */
export type SlicerValue = number | boolean | string | SlicerValue[];

/** A numeric parameter's `<constraints>`. */
export interface ISlicerConstraints {
  minimum?: number;
  maximum?: number;
  step?: number;
}

/** What a port keeps of its Slicer parameter (the port's `slicer` field), so it goes back to XML. */
export interface ISlicerParameter {
  /** The element name: `integer`, `double-vector`, `image`, ... */
  kind: string;
  channel: 'input' | 'output';
  label?: string;
  /** Position among the index arguments. */
  index?: number;
  /** As written, e.g. `-i` or `i`. */
  flag?: string;
  /** As written, e.g. `--integer` or `integer`. */
  longflag?: string;
  /**
   * The `alias` and `deprecatedalias` attributes of `<flag>` and `<longflag>` (other names the
   * command line takes for the parameter), as written: comma-separated names.
   */
  aliases?: ISlicerAliases;
  multiple?: boolean;
  constraints?: ISlicerConstraints;
  /** The choices of an enumeration, typed as its default. */
  enumeration?: SlicerValue[];
  /** Position of its `<parameters>` group in the task's `slicer.groups`. */
  group: number;
  /** The element's attributes other than `multiple` (fileExtensions, reference, type, ...). */
  attributes?: Record<string, string>;
  /** slicer_cli_web's `<reference>` children, as attributes and text. */
  references?: Array<{ attributes: Record<string, string>; text: string }>;
}

/** Other names of a parameter's flags, as their elements' attributes hold them. */
export interface ISlicerAliases {
  flag?: string;
  flagDeprecated?: string;
  longflag?: string;
  longflagDeprecated?: string;
}

/** A `<parameters>` group. */
export interface ISlicerGroup {
  label: string;
  description?: string;
  advanced?: boolean;
}

/** What a task keeps of the executable (its `slicer` field). */
export interface ISlicerExecutable {
  /** category, title, version, documentation-url, license, contributor, acknowledgements. */
  info: Record<string, string>;
  groups: ISlicerGroup[];
}

/**
 * Read Slicer execution-model XML into Girder Worker task JSON (mode `slicer_cli`, which
 * `taskcell import` turns into a docker task). Ports are named by the parameters' `<name>` (the
 * long flag, then the flag, without dashes, when there is none, as Slicer does); defaults become
 * values of the port's type (numbers stay numbers); each port keeps its Slicer description in a
 * `slicer` field. An unknown element or a bad value throws a SpecError whose context has the
 * line and column. A vector default may be written in brackets (`[1, 2]`).
 */
export function slicerToTask(xml: string, file = 'Slicer XML'): TaskJSON {
  const root = readXmlTree(xml, file);
  return new Private.Reader(file).executable(root);
}

/**
 * Read slicer_cli_web's JSON description of a CLI (what `--json` prints; its schema is the XML's,
 * as slicer_cli_web's `json_to_xml` maps it) into the same task spec as its XML. A bad value is a
 * SpecError naming its path, e.g. `parameter_groups[0].parameters[2].default`.
 */
export function slicerJsonToTask(json: unknown, file = 'Slicer JSON'): TaskJSON {
  return new Private.Reader(file).executable(Private.jsonTree(json));
}

namespace Private {
  const INFO = new Set<string>(SLICER_INFO);
  const PARAM_CHILDREN = new Set([
    'name',
    'flag',
    'longflag',
    'description',
    'label',
    'default',
    'channel',
    'index',
    'constraints',
    'element',
    'reference',
  ]);
  const CONSTRAINTS = new Set(['minimum', 'maximum', 'step']);

  export class Reader {
    constructor(private readonly file: string) {}

    fail(el: IXmlElement, message: string): never {
      if (el.path !== undefined) throw new SpecError(`${this.file} at ${el.path}: ${message}`, { path: el.path });
      throw new SpecError(`${this.file} line ${el.line}, column ${el.column}: ${message}`, { line: el.line, column: el.column });
    }

    executable(root: IXmlElement): TaskJSON {
      if (root.name !== 'executable') this.fail(root, `expected the root element <executable>, got <${root.name}>`);
      const info: Record<string, string> = {};
      const groups: ISlicerGroup[] = [];
      const inputs: Record<string, unknown>[] = [];
      const outputs: Record<string, unknown>[] = [];
      const names = new Map<string, IXmlElement>();
      const indices = new Map<number, IXmlElement>();
      let description: string | undefined;
      for (const el of root.children) {
        if (el.name === 'parameters') {
          const group = groups.length;
          groups.push(this.group(el));
          for (const p of el.children) {
            if (p.name === 'label' || p.name === 'description') continue;
            const port = this.parameter(p, group);
            const meta = port.slicer as ISlicerParameter;
            const id = port.name as string;
            if (names.has(id)) this.fail(p, `a parameter named "${id}" is already declared at line ${names.get(id)?.line}`);
            names.set(id, p);
            if (meta.index !== undefined) {
              const other = indices.get(meta.index);
              if (other) this.fail(p, `index ${meta.index} is already taken by the parameter at line ${other.line}`);
              indices.set(meta.index, p);
            }
            (meta.channel === 'output' ? outputs : inputs).push(port);
          }
        } else if (INFO.has(el.name)) {
          if (el.name === 'description') description = el.text;
          else info[el.name] = el.text;
        } else {
          this.fail(el, `unknown element <${el.name}> in <executable>; expected <parameters> or one of ${[...INFO].join(', ')}`);
        }
      }
      const task: TaskJSON = { mode: 'slicer_cli' };
      if (info.title !== undefined) task.name = info.title;
      if (description !== undefined) task.description = description;
      task.inputs = inputs;
      task.outputs = outputs;
      task.slicer = { info, groups } satisfies ISlicerExecutable;
      return task;
    }

    group(el: IXmlElement): ISlicerGroup {
      const label = el.children.find((c) => c.name === 'label');
      const description = el.children.find((c) => c.name === 'description');
      const group: ISlicerGroup = { label: label?.text ?? '' };
      if (description) group.description = description.text;
      if (el.attributes.advanced !== undefined) group.advanced = this.boolean(el, el.attributes.advanced, 'the advanced attribute');
      return group;
    }

    parameter(el: IXmlElement, group: number): Record<string, unknown> {
      const kind = SLICER_KINDS[el.name];
      if (!kind) {
        this.fail(el, `unknown parameter element <${el.name}>; expected one of ${Object.keys(SLICER_KINDS).join(', ')}`);
      }
      const child: Record<string, IXmlElement> = {};
      const elements: IXmlElement[] = [];
      const references: IXmlElement[] = [];
      for (const c of el.children) {
        if (!PARAM_CHILDREN.has(c.name)) {
          this.fail(c, `unknown element <${c.name}> in <${el.name}>; expected one of ${[...PARAM_CHILDREN].join(', ')}`);
        }
        if (c.name === 'element') elements.push(c);
        else if (c.name === 'reference') references.push(c);
        else child[c.name] = c;
      }
      const meta: ISlicerParameter = { kind: el.name, channel: 'input', group };
      if (child.channel) {
        const ch = child.channel.text;
        if (ch !== 'input' && ch !== 'output') this.fail(child.channel, `channel must be "input" or "output", got "${ch}"`);
        meta.channel = ch;
      }
      if (child.label) meta.label = child.label.text;
      if (child.flag) meta.flag = child.flag.text;
      if (child.longflag) meta.longflag = child.longflag.text;
      const aliases = this.aliases(child.flag, child.longflag);
      if (aliases) meta.aliases = aliases;
      if (child.index) {
        const v = this.value(child.index, child.index.text, 'integer', 'index');
        if (typeof v !== 'number' || v < 0) this.fail(child.index, `index must be an integer >= 0, got "${child.index.text}"`);
        meta.index = v;
      }
      const multiple = el.attributes.multiple;
      if (multiple !== undefined) meta.multiple = this.boolean(el, multiple, 'the multiple attribute');
      const attributes = Object.fromEntries(Object.entries(el.attributes).filter(([k]) => k !== 'multiple'));
      if (Object.keys(attributes).length) meta.attributes = attributes;
      if (references.length) meta.references = references.map((r) => ({ attributes: r.attributes, text: r.text }));
      if (child.constraints) meta.constraints = this.constraints(child.constraints, kind);
      if (elements.length) {
        if (!kind.enumeration) this.fail(elements[0], `<element> belongs to an enumeration, not to <${el.name}>`);
        meta.enumeration = elements.map((e) => this.value(e, e.text, kind.value, 'element'));
      } else if (kind.enumeration) {
        this.fail(el, `<${el.name}> needs at least one <element>`);
      }
      const name = child.name?.text || Private.undash(meta.longflag) || Private.undash(meta.flag);
      if (!name) this.fail(el, `<${el.name}> needs a <name>, a <longflag> or a <flag>`);
      const gw = girderType(el.name, meta.multiple === true);
      const port: Record<string, unknown> = { name, type: gw.type, format: gw.format };
      if (gw.target !== 'memory') port.target = gw.target;
      if (child.description) port.description = child.description.text;
      if (child.default && (child.default.text !== '' || kind.value === 'string' || kind.value === 'path')) {
        const d = this.defaultValue(child.default, el.name, kind, meta.multiple === true);
        if (meta.enumeration && !meta.enumeration.includes(d)) {
          this.fail(child.default, `default "${child.default.text}" is not one of the elements (${meta.enumeration.join(', ')})`);
        }
        port.default = d;
      }
      port.slicer = meta;
      return port;
    }

    /** The alias attributes of `<flag>` and `<longflag>`; any other attribute there is refused. */
    aliases(flag: IXmlElement | undefined, longflag: IXmlElement | undefined): ISlicerAliases | undefined {
      const out: ISlicerAliases = {};
      for (const [el, key] of [
        [flag, 'flag'],
        [longflag, 'longflag'],
      ] as const) {
        if (!el) continue;
        for (const [name, value] of Object.entries(el.attributes)) {
          if (name === 'alias') out[key] = value;
          else if (name === 'deprecatedalias') out[`${key}Deprecated`] = value;
          else this.fail(el, `unknown attribute ${name} on <${el.name}>; expected alias or deprecatedalias`);
        }
      }
      return Object.keys(out).length ? out : undefined;
    }

    constraints(el: IXmlElement, kind: ISlicerKind): ISlicerConstraints {
      const out: ISlicerConstraints = {};
      for (const c of el.children) {
        if (!CONSTRAINTS.has(c.name)) this.fail(c, `unknown element <${c.name}> in <constraints>; expected minimum, maximum or step`);
        out[c.name as keyof ISlicerConstraints] = this.value(c, c.text, kind.value === 'integer' ? 'integer' : 'number', c.name) as number;
      }
      return out;
    }

    defaultValue(el: IXmlElement, kindName: string, kind: ISlicerKind, multiple: boolean): SlicerValue {
      if (!kind.list) return this.value(el, el.text, kind.value, 'default');
      // Some descriptions write a vector as a list, `[1.0, 1.0, 1.0]`; the brackets are not part of the values.
      const items = el.text
        .replace(/^\[(.*)\]$/s, '$1')
        .split(',')
        .map((s) => this.value(el, s.trim(), kind.value, 'default'));
      const width = kindName === 'point' ? 3 : 0;
      if (multiple && width && items.length % width === 0) {
        return Array.from({ length: items.length / width }, (_, i) => items.slice(i * width, (i + 1) * width));
      }
      return multiple && (kindName === 'point' || kindName === 'region') ? [items] : items;
    }

    value(el: IXmlElement, text: string, kind: string, what: string): SlicerValue {
      if (kind === 'integer') {
        if (!/^[+-]?\d+$/.test(text)) this.fail(el, `${what} must be an integer, got "${text}"`);
        return Number(text);
      }
      if (kind === 'number') {
        const n = text.trim() === '' ? NaN : Number(text);
        if (!Number.isFinite(n)) this.fail(el, `${what} must be a number, got "${text}"`);
        return n;
      }
      if (kind === 'boolean') return this.boolean(el, text, what);
      return text;
    }

    boolean(el: IXmlElement, text: string, what: string): boolean {
      const t = text.toLowerCase();
      if (t !== 'true' && t !== 'false') this.fail(el, `${what} must be "true" or "false", got "${text}"`);
      return t === 'true';
    }
  }

  /** slicer_cli_web's `json_to_xml`: the JSON description as the element tree its XML would give. */
  export function jsonTree(json: unknown): IXmlElement {
    const el = (
      name: string,
      path: string,
      text = '',
      attributes: Record<string, string> = {},
      children: IXmlElement[] = [],
    ): IXmlElement => ({
      name,
      attributes,
      children,
      text,
      line: 0,
      column: 0,
      path,
    });
    const obj = (v: unknown, path: string): Record<string, unknown> => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new SpecError(`Slicer JSON at ${path}: expected an object, got ${JSON.stringify(v)}`, { path });
      }
      return v as Record<string, unknown>;
    };
    const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const root = obj(json, '$');
    const exe = el('executable', '$');
    for (const key of SLICER_INFO) {
      if (root[key] !== undefined) exe.children.push(el(key, key, text(root[key])));
    }
    if (root.documentation_url !== undefined) exe.children.push(el('documentation-url', 'documentation_url', text(root.documentation_url)));
    const groups = root.parameter_groups ?? [];
    if (!Array.isArray(groups)) throw new SpecError(`Slicer JSON at parameter_groups: expected a list`, { path: 'parameter_groups' });
    groups.forEach((g, gi) => {
      const gp = `parameter_groups[${gi}]`;
      const group = obj(g, gp);
      const set = el('parameters', gp, '', group.advanced === true ? { advanced: 'true' } : {});
      for (const key of ['label', 'description'])
        if (group[key] !== undefined) set.children.push(el(key, `${gp}.${key}`, text(group[key])));
      const params = group.parameters ?? [];
      if (!Array.isArray(params)) throw new SpecError(`Slicer JSON at ${gp}.parameters: expected a list`, { path: `${gp}.parameters` });
      params.forEach((p, pi) => {
        const pp = `${gp}.parameters[${pi}]`;
        const param = obj(p, pp);
        const at = (key: string) => `${pp}.${key}`;
        const attrs: Record<string, string> = {};
        if (param.multiple === true) attrs.multiple = 'true';
        for (const key of [
          'coordinateSystem',
          'fileExtensions',
          'defaultPathMatch',
          'defaultNameMatch',
          'defaultRelativePath',
          'shapes',
          'datalist',
        ]) {
          if (param[key] !== undefined) attrs[key] = text(param[key]);
        }
        for (const key of ['image_type', 'table_type', 'geometry_type', 'transform_type'])
          if (param[key] !== undefined) attrs.type = text(param[key]);
        if (typeof param.reference === 'string') attrs.reference = param.reference;
        const node = el(String(param.type), at('type'), '', attrs);
        node.path = pp;
        for (const key of ['label', 'description', 'name', 'index', 'channel']) {
          if (param[key] !== undefined) node.children.push(el(key, at(key), text(param[key])));
        }
        for (const key of ['flag', 'longflag']) {
          const v = param[key];
          if (v === undefined) continue;
          if (typeof v !== 'object' || v === null) {
            node.children.push(el(key, at(key), text(v)));
            continue;
          }
          const f = v as { value?: unknown; alias?: unknown; deprecatedalias?: unknown };
          const a: Record<string, string> = {};
          for (const attr of ['alias', 'deprecatedalias'] as const) if (f[attr] !== undefined) a[attr] = text(f[attr]);
          node.children.push(el(key, at(key), text(f.value), a));
        }
        if (param.default !== undefined) {
          const d = param.default;
          node.children.push(el('default', at('default'), Array.isArray(d) ? d.map(text).join(',') : text(d)));
        }
        if (Array.isArray(param.enumeration)) {
          param.enumeration.forEach((v, i) => node.children.push(el('element', `${at('enumeration')}[${i}]`, text(v))));
        }
        if (param.constraints !== undefined) {
          const c = obj(param.constraints, at('constraints'));
          const cons = el('constraints', at('constraints'));
          for (const key of ['minimum', 'maximum', 'step'])
            if (c[key] !== undefined) cons.children.push(el(key, `${at('constraints')}.${key}`, text(c[key])));
          node.children.push(cons);
        }
        if (param.reference !== null && typeof param.reference === 'object') {
          const r = param.reference as Record<string, unknown>;
          const a: Record<string, string> = {};
          for (const key of ['role', 'parameter']) if (r[key] !== undefined) a[key] = text(r[key]);
          node.children.push(el('reference', at('reference'), text(r.value ?? ''), a));
        }
        set.children.push(node);
      });
      exe.children.push(set);
    });
    return exe;
  }

  /** A flag without its leading dashes. */
  export function undash(flag: string | undefined): string | undefined {
    return flag?.replace(/^-+/, '') || undefined;
  }
}
