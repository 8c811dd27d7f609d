import { Inject, Injectable } from '@nestjs/common';
import { Batcher } from '../../actors/batcher.js';
import type { Input, Outcome } from '../../correlation/correlator.js';
import { Correlator } from '../../correlation/correlator.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { OWNERSHIP } from './tokens.js';

const encoder = new TextEncoder();

/** What travels on `corral.sig.<partition>.<token>`: one input, already validated, scrubbed and enriched. */
export interface SigMessage {
  input: Input;
}

export const encodeSig = (input: Input): Uint8Array => encoder.encode(JSON.stringify({ input } satisfies SigMessage));

/**
 * The first hop of ingest with several instances. Inputs whose actor this instance owns go to its
 * own batcher; the others are published to their partition's subject and count as accepted once
 * JetStream acked the publish (it is durable then: DESIGN §9's 202 "once what they accepted is
 * durable"). An instance that owns every partition submits everything directly: no second hop.
 */
@Injectable()
export class ClusterRouter {
  constructor(
    private readonly batcher: Batcher,
    private readonly correlator: Correlator,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(OWNERSHIP) private readonly ownership: PartitionOwnership | null,
  ) {}

  async submit(inputs: Input[]): Promise<Outcome[]> {
    const { ownership } = this;
    if (!ownership || ownership.ownsAll()) return this.batcher.submit(inputs);
    const signatures = inputs.map((input) => this.correlator.signatureFor(input));
    const local = inputs.flatMap((_, i) => (ownership.isLocal(signatures[i]) ? [i] : []));
    const remote = inputs.flatMap((_, i) => (local.includes(i) ? [] : [i]));
    // Publish before committing the local share: if the local commit fails the transport message is
    // redelivered and republished under the same Nats-Msg-Id (deduplicated); if the publish fails,
    // nothing was committed, so an ack-less retry repeats nothing.
    const receipt = Batcher.receipt.getStore();
    await Promise.all(
      remote.map((i) => {
        const { partition, token } = ownership.addressOf(signatures[i]);
        return this.bus.publish(this.bus.subjects.sig(partition, token), encodeSig(inputs[i]), receipt ? { msgId: `${receipt}#${i}` } : {});
      }),
    );
    const committed = local.length > 0 ? await this.batcher.submit(local.map((i) => inputs[i])) : [];
    const outcomes: Outcome[] = inputs.map((_, i) => ({ incidentId: null, signature: signatures[i], duplicate: false, forwarded: true }));
    local.forEach((i, k) => (outcomes[i] = committed[k]));
    return outcomes;
  }
}
