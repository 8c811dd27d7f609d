import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The readiness probe's one statement: the database answers a query on a pooled connection. */
@Injectable()
export class DatabaseProbe {
  constructor(private readonly db: DataSource) {}

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
