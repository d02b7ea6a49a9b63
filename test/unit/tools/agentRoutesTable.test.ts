/**
 * The README's agents × routes table is the one support/routes.ts renders, and the ledger
 * check that backs each of its claims with a passing real-agent test counts right.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  AGENT_NAMES,
  claimedCells,
  provesRoute,
  readLedger,
  renderRoutesTable,
  ROUTE_NAMES,
  unprovenCells,
  type AgentId,
  type RouteId,
  type RouteProof,
} from '../../agents/support/routes';

const README = path.join(__dirname, '..', '..', '..', 'README.md');

describe('agents × routes table', () => {
  it('is in the README exactly as rendered from the claims', () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.ok(
      readme.includes(renderRoutesTable()),
      'README.md does not hold the current table: paste the output of renderRoutesTable() into its "For agents" section',
    );
  });

  it('finds every claim unproven in an empty ledger, and none once each is proven', () => {
    const cells = claimedCells();
    assert.ok(cells.length > 0);
    assert.deepEqual(unprovenCells([]), cells);
    const proofs: RouteProof[] = cells.map((c) => ({ ...c, test: 't' }));
    assert.deepEqual(unprovenCells(proofs), []);
    assert.deepEqual(unprovenCells(proofs.slice(1)), [cells[0]]);
  });

  it('reads a ledger back, and rejects a line that is not a proof', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'routes-ledger-'));
    try {
      const file = path.join(dir, 'ledger.jsonl');
      assert.deepEqual(readLedger(file), [], 'a missing ledger has no proofs');
      const [first] = claimedCells();
      fs.writeFileSync(file, `${JSON.stringify({ ...first, test: 'a test' })}\n`);
      assert.deepEqual(readLedger(file), [{ ...first, test: 'a test' }]);
      fs.appendFileSync(file, `${JSON.stringify({ agent: 'nobody', route: 'shell', test: 'x' })}\n`);
      assert.throws(() => readLedger(file), /not a route proof/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a test that claims to prove a cell the table does not claim', () => {
    assert.throws(() => provesRoute('copilot', 'no-such-route' as RouteId, 'x', async () => {}), /does not claim/);
    const claimed = new Set(claimedCells().map((c) => `${c.agent}/${c.route}`));
    for (const agent of Object.keys(AGENT_NAMES) as AgentId[]) {
      for (const route of Object.keys(ROUTE_NAMES) as RouteId[]) {
        if (!claimed.has(`${agent}/${route}`))
          assert.throws(() => provesRoute(agent, route, 'x', async () => {}), /does not claim/, `${agent}/${route}`);
      }
    }
  });
});
