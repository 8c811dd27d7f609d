import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CorralConfig } from '../config/corral-config.js';
import { InProcessBus } from './in-process-bus.js';
import { JetStreamBus } from './jetstream-bus.js';
import { natsConnectOptions } from './nats-auth.js';
import { MESSAGE_BUS, Subjects, type MessageBus } from './message-bus.js';

async function openBus(config: CorralConfig): Promise<MessageBus> {
  const subjects = new Subjects(config.natsNamespace);
  if (!config.natsUrl) {
    new Logger('Bus').log('no NATS_URL: using the in-process bus (nothing queued survives a restart)');
    return new InProcessBus(subjects, undefined, config.nats.maxDeliver);
  }
  return JetStreamBus.connect(subjects, { servers: config.natsUrl, ackWaitMs: config.nats.ackWaitMs, maxDeliver: config.nats.maxDeliver, connect: natsConnectOptions(config.natsAuth) });
}

class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Global()
@Module({
  providers: [{ provide: MESSAGE_BUS, inject: [CorralConfig], useFactory: openBus }, BusCloser],
  exports: [MESSAGE_BUS],
})
export class BusModule {}
