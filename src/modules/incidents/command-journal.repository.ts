import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What a forwarded command needs from an incident's journal: where it ends, and the owner's verdict on one request. */
@Injectable()
export class CommandJournal {
  constructor(private readonly db: DataSource) {}

  /** The highest journal seq of a signature; 0 when it has none. */
  async tip(signature: string): Promise<number> {
    const [tip] = await this.db.query<Array<{ seq: string | null }>>(`SELECT max(seq) AS seq FROM journal WHERE signature = $1`, [signature]);
    return Number(tip?.seq ?? 0);
  }

  /** The first journal row after `after` that carries this request id: the owner applied it, or refused it with a reason. */
  async firstForRequest(signature: string, after: number, requestId: string): Promise<{ kind: string; reason: string | null } | undefined> {
    const [first] = await this.db.query<Array<{ kind: string; reason: string | null }>>(
      `SELECT kind, data->>'reason' AS reason FROM journal WHERE signature = $1 AND seq > $2 AND data->>'request' = $3 ORDER BY seq LIMIT 1`,
      [signature, after, requestId],
    );
    return first;
  }
}
