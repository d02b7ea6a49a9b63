/**
 * The panel runs under a CSP without 'unsafe-eval'. zod compiles object parsers with
 * `new Function` where it may, and the CSP reports its probe for that as a violation even
 * though zod catches the error; jitless mode skips both. main.ts imports this module first,
 * because an object schema makes that choice when it is built (when the protocol module is
 * first evaluated).
 */
import * as z from 'zod/mini';

z.config({ jitless: true });
