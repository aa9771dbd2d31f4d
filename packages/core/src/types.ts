/**
 * The map from type names to the TypeScript types of their in-memory values, so a task's port
 * declarations type its function. Other packages extend these interfaces by declaration merging.
 */

/** Girder Worker's `rows` table: field names and one object per row. */
export interface IRows {
  fields: string[];
  rows: Array<Record<string, unknown>>;
}

/** Girder Worker's `nested` tree: node data, the edge to the parent, and the children. */
export interface INestedTree {
  node_data?: Record<string, unknown>;
  edge_data?: Record<string, unknown>;
  edge_fields?: string[];
  node_fields?: string[];
  children?: INestedTree[];
}

/** The value of each type in its native format. */
export interface TypeMap {
  boolean: boolean;
  integer: number;
  number: number;
  string: string;
  integer_list: number[];
  number_list: number[];
  string_list: string[];
  table: IRows;
  tree: INestedTree;
  graph: import('./formats/graph/graph').IGraph;
  image: import('./formats/image/rgba-image').IRgbaImage;
  directory: string;
  python: unknown;
}

/** The value of a type in a particular format, keyed `type/format`. Text formats are strings. */
export interface FormatMap {
  'boolean/json': string;
  'integer/json': string;
  'number/json': string;
  'string/json': string;
  'string/text': string;
  'string/string': string;
  'integer_list/json': string;
  'number_list/json': string;
  'string_list/json': string;
  'table/rows': IRows;
  'table/rows.json': string;
  'table/objectlist': Array<Record<string, unknown>>;
  'table/objectlist.json': string;
  'table/csv': string;
  'table/tsv': string;
  'table/jsonlines': string;
  'table/column.names': string[];
  'table/column.names.continuous': string[];
  'table/column.names.discrete': string[];
  'table/objectlist.bson': Uint8Array;
  'tree/nested': INestedTree;
  'tree/nested.json': string;
  'tree/newick': string;
  'tree/nexus': string;
  'tree/phyloxml': string;
  'graph/networkx': import('./formats/graph/graph').IGraph;
  'graph/networkx.json': string;
  'graph/graphml': string;
  'graph/adjacencylist': string;
  'graph/clique.json': string;
  'image/pil': import('./formats/image/rgba-image').IRgbaImage;
  'image/png': Uint8Array;
  'image/png.base64': string;
  'image/jpeg': Uint8Array;
  'directory/path': string;
  'directory/zip': string;
  'directory/tgz': string;
}

/** A registered type name. */
export type TypeName = keyof TypeMap;

/** The TypeScript type of a type's native value. */
export type TypeValue<T> = T extends keyof TypeMap ? TypeMap[T] : unknown;

/** The TypeScript type of a type in a format. */
export type FormatValue<T extends string, F extends string> = `${T}/${F}` extends keyof FormatMap
  ? FormatMap[`${T}/${F}`]
  : F extends 'json'
    ? string
    : T extends F
      ? TypeValue<T>
      : unknown;
