import 'reflect-metadata';
import type { Input } from '../src/actors/batch-executor.js';
import type { Batcher } from '../src/actors/batcher.js';
import type { Ownership } from '../src/actors/ownership.js';
import { anEvent } from '../src/correlation/test-events.js';
import type { CorralConfig } from '../src/modules/config/corral-config.js';
import { ConflictError } from '../src/modules/http/domain-errors.js';
import { CommandJournal } from '../src/modules/incidents/command-journal.repository.js';
import { IncidentCommandsService } from '../src/modules/incidents/incident-commands.service.js';
import { IncidentRepository } from '../src/modules/incidents/incident.repository.js';
import { IncidentsService } from '../src/modules/incidents/incidents.service.js';
import { useMigratedDatabase } from './support/harness.js';
import { localBatcher } from './support/local-runtime.js';

/**
 * With several instances, a command for an incident another instance owns is committed here as a
 * forward and applied by the owner moments later. The answer must be the owner's: the incident
 * after the command, or its refusal; 202 (applied: false) only when the owner was not seen to act.
 * Here the "owner" is a second runtime on the same database that applies what the sender forwards
 * (the cluster test does it across processes); the journal rows it writes are real.
 */
describe('a command answered by the instance that owns the incident', () => {
  const suite = useMigratedDatabase();
  let owner: Batcher;
  let incidentId: string;

  beforeAll(async () => {
    owner = localBatcher(suite.dataSource, { maxSize: 10, maxDelayMs: 5 });
    await owner.submit([{ type: 'event', event: anEvent({ id: 'fwd-1', system: 'forwarded-commands' }) }]);
    const [row] = await suite.dataSource.query<Array<{ id: string }>>(`SELECT id FROM incident WHERE system = 'forwarded-commands'`);
    incidentId = row?.id ?? '';
  });

  /** The sender: every command it submits is "forwarded"; `deliver` decides whether the owner gets it. */
  function sender(deliver: boolean): IncidentCommandsService {
    const forwarding = {
      submit: (inputs: Input[]) => {
        if (deliver) setTimeout(() => void owner.submit(inputs), 50);
        return Promise.resolve(inputs.map(() => ({ incidentId: null, signature: '', duplicate: false, forwarded: true as const })));
      },
    } as unknown as Batcher;
    const service = new IncidentCommandsService(new IncidentRepository(suite.dataSource), forwarding, new IncidentsService(new IncidentRepository(suite.dataSource)), {} as Ownership, { tokenKey: 'forwarded-command-test-key-0123456789' } as CorralConfig, new CommandJournal(suite.dataSource));
    service.forwardWaitMs = 2_000;
    return service;
  }

  const acknowledge = (service: IncidentCommandsService, by: string) => service.run(incidentId, () => Promise.resolve({ verb: 'acknowledge' as const, by }));

  it('answers with the incident after the owner applied the command', async () => {
    const answer = await acknowledge(sender(true), 'agent:kim');
    expect({ applied: answer.applied, status: answer.incident.status }).toEqual({ applied: true, status: 'acknowledged' });
  });

  it("reports the owner's refusal as a conflict, with the owner's reason", async () => {
    await expect(acknowledge(sender(true), 'agent:lee')).rejects.toEqual(new ConflictError('already acknowledged'));
  });

  it('answers "accepted, not yet applied" when the owner does not act within the wait', async () => {
    const service = sender(false);
    service.forwardWaitMs = 300;
    const answer = await acknowledge(service, 'agent:max');
    expect({ applied: answer.applied, status: answer.incident.status }).toEqual({ applied: false, status: 'acknowledged' });
  });
});
