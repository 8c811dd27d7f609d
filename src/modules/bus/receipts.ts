import type { JetStreamManager } from '@nats-io/jetstream';

/** A stream message's receipt from its sequence. */
export type ReceiptOf = (seq: number) => string;

/**
 * Receipts of `stream`'s messages: `<stream>@<created>:<seq>`, `created` being the stream's creation
 * time in epoch milliseconds. A stream deleted and created again (NATS's data directory lost, an
 * operator recreating it) numbers its messages from 1 again while Postgres still remembers the old
 * stream's receipts for days; without its creation time a new message would be taken for an old
 * one and acked without effects. Every instance reads the same time, so all name a message alike.
 */
export async function receiptsOf(jsm: JetStreamManager, stream: string): Promise<ReceiptOf> {
  const { created } = await jsm.streams.info(stream);
  const prefix = `${stream}@${Date.parse(created)}:`;
  return (seq) => prefix + seq;
}

const CURRENT = /^(.+)@(\d+):(\d+(?:#\d+)?)$/;

/**
 * What the version before creation times called the same message (`<stream>:<seq>`, with its
 * `#<index>` for an input), and when its stream was created: a receipt of that form names this
 * message only if it was committed since (an older one belonged to a stream since deleted).
 */
export function earlierFormOf(receipt: string): { receipt: string; since: Date } | undefined {
  const m = CURRENT.exec(receipt);
  return m ? { receipt: `${m[1]}:${m[3]}`, since: new Date(Number(m[2])) } : undefined;
}
