/**
 * The leaf schemas the review protocol is built from, each with the error text a person
 * reads when a message is malformed: "expected a string, got an array". The parsers put
 * the JSON path in front (see parse.ts), so every error names the offending field.
 */
import * as z from 'zod/mini';

/** How a value that arrived looks, in words: null, an array, or its `typeof`. */
function described(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The error option of a schema or check: "expected <what>, got <kind of value>". */
export function expecting(what: string): { error: (issue: { readonly input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, got ${described(issue.input)}` };
}

export const text = () => z.string(expecting('a string'));
export const flag = () => z.boolean(expecting('a boolean'));

export const count = () => {
  const what = expecting('a non-negative integer');
  return z.int(what).check(z.minimum(0, what));
};

/** 1-based numbers (hunk indices, line numbers). */
export const positive = () => {
  const what = expecting('an integer ≥ 1');
  return z.int(what).check(z.minimum(1, what));
};

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, expecting(`one of ${values.join(', ')}`));

export const list = <T extends z.core.SomeType>(item: T) => z.array(item, expecting('an array'));

/** An object with these fields; fields the protocol does not define are dropped. */
export const record = <T extends z.core.$ZodLooseShape>(shape: T) => z.object(shape, expecting('an object'));

export const optional = z.optional;
