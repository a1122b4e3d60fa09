/**
 * The Node-only corner of an isomorphic package: the tensor package runs in browsers too, so
 * nothing Node is imported at the top level. What only Node has (Dawn's bindings, the disk
 * cache of tuned kernels) is imported behind {@link isNode} through {@link nodeImport}.
 */

/** Whether this runs in Node (not a browser, a worker or Deno). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Imports a module by a name bundlers cannot see, so a browser bundle neither follows nor stubs
 * it (and no bundler warns about Node built-ins). Call it only where {@link isNode} holds.
 */
export async function nodeImport<M>(name: string): Promise<M> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as M;
}
