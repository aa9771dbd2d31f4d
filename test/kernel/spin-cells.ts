/** Kernel cells whose tasks never yield (`while (true) {}`), for the timeout and interrupt tests. */

/** A cell that runs a looping task with a `timeout` (ms) and shows the code of the error it failed with. */
export const timeoutCell = (name: string, timeout: number): string =>
  [
    'import { task, run } from "taskcell";',
    `const ${name} = task({ name: "${name}", inputs: {}, outputs: { y: "number" } }, () => { while (true) {} });`,
    'let failed = "";',
    `try { await run(${name}, {}, { timeout: ${timeout} }); } catch (e) { failed = (e as { code: string }).code; }`,
    'failed',
  ].join('\n');

/** A cell that awaits a task whose loop prints "looping" every 100 ms until it is broken. */
export const spinCell = (name: string): string =>
  [
    'import { task, run } from "taskcell";',
    `const ${name} = task({ name: "${name}", inputs: {}, outputs: { y: "number" } }, () => { let at = 0; while (true) { if (Date.now() - at > 100) { at = Date.now(); console.log("looping"); } } });`,
    `await run(${name}, {});`,
  ].join('\n');
