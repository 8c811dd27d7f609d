import type { DynamicModule, Provider, Type } from '@nestjs/common';

/** What one channel adds to ChannelsModule: its routes and its services (each reads its own section of the channels config). */
export interface ChannelParts {
  controllers: Type[];
  providers: Provider[];
  /** Modules its services need beyond the intake's and the incidents'. */
  imports?: Array<Type | DynamicModule>;
}
