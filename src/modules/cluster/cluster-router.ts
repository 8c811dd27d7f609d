import { Inject, Injectable } from '@nestjs/common';
import { Batcher } from '../../actors/batcher.js';
import type { Input, Outcome } from '../../correlation/inputs.js';
import { Correlator } from '../../actors/correlator.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { OWNERSHIP } from './tokens.js';

const encoder = new TextEncoder();

/**
 * What travels on `corral.sig.<partition>.<token>`: one input, already validated, scrubbed and
 * enriched; `origin` names it as `<inbound receipt>#<index>` so that whichever path applies it
 * (here, or the owner after the second hop) commits that id once (the `claimed` part of
 * PgActorStore's COMMIT_BATCH).
 */
export interface SigMessage {
  input: Input;
  origin?: string;
}

export const encodeSig = (input: Input, origin?: string): Uint8Array => encoder.encode(JSON.stringify({ input, ...(origin ? { origin } : {}) } satisfies SigMessage));

/**
 * The transport message a submission came in, passed along as a value: its receipt names each
 * input (`<receipt>#<index>`), and a redelivered message skips the inputs some path already applied.
 */
export interface Delivery {
  receipt?: string;
  redelivered?: boolean;
}

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
    private readonly store: PgActorStore,
  ) {}

  /**
   * Each input is named by its place in `inputs` (`<receipt>#<index>`), which must be the same on
   * every delivery of the message, or a redelivery would skip the wrong one: a native payload
   * submits all its inputs every time, events then resolves.
   */
  submit(inputs: Input[], delivery: Delivery = {}): Promise<Outcome[]> {
    // One instance: straight to the batcher, without an async frame (and its promises) per message.
    const { ownership } = this;
    return ownership ? this.submitClustered(ownership, inputs, delivery) : this.batcher.submit(inputs, delivery.receipt ? { receipt: delivery.receipt } : {});
  }

  private async submitClustered(ownership: PartitionOwnership, inputs: Input[], { receipt, redelivered }: Delivery): Promise<Outcome[]> {
    const origin = (i: number) => (receipt ? `${receipt}#${i}` : undefined);
    const signatures = inputs.map((input) => this.correlator.signatureFor(input));
    const outcomes: Outcome[] = inputs.map((_, i) => ({ incidentId: null, signature: signatures[i] ?? '', duplicate: false, forwarded: true }));
    let todo = inputs.map((_, i) => i);
    if (receipt && redelivered) {
      // An earlier delivery may have been applied in parts, here or by an owner after the second hop.
      const done = new Set(await this.store.committedOf(todo.map((i) => origin(i) as string)));
      todo = todo.filter((i) => !done.has(origin(i) as string));
    }
    const allHere = ownership.ownsAll();
    // A resolve has no actor until the runtime finds its child's holder: it runs here, and the
    // runtime forwards what it becomes to the holder's owner (World.forward), like a report routed
    // to an incident owned elsewhere.
    const local = todo.filter((i) => {
      const signature = signatures[i];
      return allHere || signature === undefined || ownership.isLocal(signature);
    });
    const remote = todo.filter((i) => !local.includes(i));
    // Publish before committing the local share: if the local commit fails the transport message is
    // redelivered and republished under the same Nats-Msg-Id (deduplicated); if the publish fails,
    // nothing was committed, so an ack-less retry repeats nothing.
    await Promise.all(
      remote.map((i) => {
        const { partition, token } = ownership.addressOf(signatures[i] as string);
        const id = origin(i);
        return this.bus.publish(this.bus.subjects.sig(partition, token), encodeSig(inputs[i], id), id ? { msgId: id } : {});
      }),
    );
    const receipts = receipt ? local.map((i) => origin(i) as string) : [];
    const committed = local.length > 0 ? await this.batcher.submit(local.map((i) => inputs[i]), { ...(receipt ? { receipt } : {}), inputReceipts: receipts }) : [];
    local.forEach((i, k) => (outcomes[i] = committed[k]));
    return outcomes;
  }
}
