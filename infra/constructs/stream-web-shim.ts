/**
 * Stands in for `node:stream/web` in the Lambda bundles (esbuildOptions' alias). Its one importer there,
 * @middy/core, uses ReadableStream only as the right side of `instanceof`, to recognise a streamed response
 * under streamifyResponse, which the gateway does not use; importing the real module compiles Node's
 * web-streams internals at every cold start (~3 ms, bench/RESULTS.md). The global ReadableStream is the same
 * class, loaded only when something touches it. test/unit/infra/bundle.test.ts holds middy to that one use.
 */
export const ReadableStream = class {
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof globalThis.ReadableStream;
  }
};
