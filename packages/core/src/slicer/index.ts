/** Slicer execution-model XML to and from taskcell task specs. */
export * from './kinds';
export * from './from-xml';
export * from './to-xml';
export * from './xml-tree';
