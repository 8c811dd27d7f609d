import type { ActorChange } from '../../src/actors/actor-store.js';
import { chainRow, GENESIS_HASH } from '../../src/actors/journal-chain.js';
import { childrenOf, emptyState, nextDueAt } from '../../src/correlation/incident.js';
import type { Simulation } from '../../src/actors/simulation.js';
import { ticketEventsOf } from '../../src/correlation/tickets.js';
import { TEST_CHAIN_KEYS } from './harness.js';

/**
 * The one actor of a simulation (its state and every journal entry, chained from genesis) as the
 * batch executor would hand it to `ActorStore.commit`: every child touched, nothing removed.
 */
export function changeFromSimulation(sim: Simulation): ActorChange {
  const [[signature, state]] = [...sim.states];
  if (state.status === 'none') throw new Error('the simulation opened no incident');
  let lastHash = GENESIS_HASH;
  const journal = sim.journal.map((entry, i) => {
    const row = chainRow(TEST_CHAIN_KEYS, signature, i + 1, lastHash, entry);
    lastHash = row.rowHash;
    return row;
  });
  return {
    snapshot: { signature, seq: journal.length, lastHash, state },
    journal,
    touchedChildren: childrenOf(state.incident).map((c) => c.key),
    removedChildren: [],
    nextDueAt: nextDueAt(state),
    tickets: ticketEventsOf(emptyState(signature), state, journal),
  };
}
