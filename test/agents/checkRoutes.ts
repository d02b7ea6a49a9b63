/**
 * Run by the test runner after the agents suite: every claim of the README's agents × routes
 * table must have been proven by a passing test in this run (see support/routes.ts). Prints
 * what is unproven and exits 1 if anything is.
 *
 *   tsx test/agents/checkRoutes.ts LEDGER
 */
import { AGENT_NAMES, claimedCells, readLedger, ROUTE_NAMES, unprovenCells } from './support/routes';

const ledger = process.argv[2];
if (!ledger) {
  console.error('usage: checkRoutes.ts LEDGER');
  process.exit(2);
}
const proofs = readLedger(ledger);
const missing = unprovenCells(proofs);
const total = claimedCells().length;
if (missing.length) {
  console.error(`${missing.length} of ${total} claims of the agents × routes table were not proven by a passing test in this run:`);
  for (const m of missing) console.error(`  - ${AGENT_NAMES[m.agent]}: ${ROUTE_NAMES[m.route]}`);
  process.exit(1);
}
console.log(`All ${total} claims of the agents × routes table were proven by passing tests (${proofs.length} proofs).`);
