/**
 * The parameter kinds of Slicer's execution model (the schema of Slicer CLI modules, as
 * slicer_cli_web and ctk-cli read it) and the Girder Worker type and format each one becomes.
 *
 * | Slicer kind                                   | type          | format        | target   |
 * | --------------------------------------------- | ------------- | ------------- | -------- |
 * | integer, integer-enumeration                  | integer       | integer       | memory   |
 * | float, double, float-/double-enumeration      | number        | number        | memory   |
 * | boolean                                       | boolean       | boolean       | memory   |
 * | string, string-enumeration                    | string        | text          | memory   |
 * | integer-vector                                | integer_list  | integer_list  | memory   |
 * | float-vector, double-vector                   | number_list   | number_list   | memory   |
 * | string-vector                                 | string_list   | string_list   | memory   |
 * | point, region (one)                           | number_list   | number_list   | memory   |
 * | point, region (multiple="true")               | python        | object        | memory   |
 * | directory                                     | directory     | path          | memory   |
 * | table                                         | table         | csv           | filepath |
 * | file, image, geometry, transform, pointfile,  | string        | text          | filepath |
 * | measurement, item (slicer_cli_web)            |               |               |          |
 *
 * Girder Worker has no type for points and regions: one is its coordinates as a number list, and
 * several (multiple="true") are a list of such lists. Files of other kinds (images in NRRD, models,
 * transforms) have no Girder Worker type either: the task sees a path (`filepath` target), and the
 * kind, `fileExtensions` and `reference` stay in the port's `slicer` field.
 */

/** A Girder Worker type and format, and where the data lives while the task runs. */
export interface IGirderType {
  type: string;
  format: string;
  target: 'memory' | 'filepath';
}

/** What a default's text holds. */
export type SlicerValueKind = 'integer' | 'number' | 'boolean' | 'string' | 'path';

/** How a Slicer kind reads and maps. */
export interface ISlicerKind {
  gw: IGirderType;
  /** The kind of each value in its default (and in its elements, for enumerations). */
  value: SlicerValueKind;
  /** Comma-separated values (vectors, points, regions). */
  list?: boolean;
  /** Takes `<element>` children. */
  enumeration?: boolean;
  /** A file or directory: on the command line it is a path. */
  file?: boolean;
}

const INTEGER: IGirderType = { type: 'integer', format: 'integer', target: 'memory' };
const NUMBER: IGirderType = { type: 'number', format: 'number', target: 'memory' };
const STRING: IGirderType = { type: 'string', format: 'text', target: 'memory' };
const NUMBER_LIST: IGirderType = { type: 'number_list', format: 'number_list', target: 'memory' };
const FILE: ISlicerKind = { gw: { type: 'string', format: 'text', target: 'filepath' }, value: 'path', file: true };

/** Every parameter kind, by element name. */
export const SLICER_KINDS: Readonly<Record<string, ISlicerKind>> = {
  integer: { gw: INTEGER, value: 'integer' },
  float: { gw: NUMBER, value: 'number' },
  double: { gw: NUMBER, value: 'number' },
  boolean: { gw: { type: 'boolean', format: 'boolean', target: 'memory' }, value: 'boolean' },
  string: { gw: STRING, value: 'string' },
  'integer-vector': { gw: { type: 'integer_list', format: 'integer_list', target: 'memory' }, value: 'integer', list: true },
  'float-vector': { gw: NUMBER_LIST, value: 'number', list: true },
  'double-vector': { gw: NUMBER_LIST, value: 'number', list: true },
  'string-vector': { gw: { type: 'string_list', format: 'string_list', target: 'memory' }, value: 'string', list: true },
  'integer-enumeration': { gw: INTEGER, value: 'integer', enumeration: true },
  'float-enumeration': { gw: NUMBER, value: 'number', enumeration: true },
  'double-enumeration': { gw: NUMBER, value: 'number', enumeration: true },
  'string-enumeration': { gw: STRING, value: 'string', enumeration: true },
  point: { gw: NUMBER_LIST, value: 'number', list: true },
  region: { gw: NUMBER_LIST, value: 'number', list: true },
  directory: { gw: { type: 'directory', format: 'path', target: 'memory' }, value: 'path', file: true },
  table: { gw: { type: 'table', format: 'csv', target: 'filepath' }, value: 'path', file: true },
  file: FILE,
  image: FILE,
  geometry: FILE,
  transform: FILE,
  pointfile: FILE,
  measurement: FILE,
  item: FILE,
};

/** The Girder Worker type of a kind, `multiple` taken into account. */
export function girderType(kind: string, multiple: boolean): IGirderType {
  const k = SLICER_KINDS[kind];
  if ((kind === 'point' || kind === 'region') && multiple) return { type: 'python', format: 'object', target: 'memory' };
  return k.gw;
}

/**
 * The Slicer kind for a port that has no Slicer description, from its Girder Worker type: scalars
 * and lists to their kinds, `python` values to a string (their JSON), other types (trees, graphs,
 * images) to files.
 */
export function kindOfType(type: string, target: string): string {
  if (target === 'filepath') return type === 'table' ? 'table' : 'file';
  return Private.BY_TYPE[type] ?? 'file';
}

namespace Private {
  export const BY_TYPE: Record<string, string> = {
    integer: 'integer',
    number: 'double',
    boolean: 'boolean',
    string: 'string',
    integer_list: 'integer-vector',
    number_list: 'double-vector',
    string_list: 'string-vector',
    directory: 'directory',
    table: 'table',
    image: 'image',
    python: 'string',
  };
}
