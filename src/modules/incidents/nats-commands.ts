import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ServerNats } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { natsConnectOptions } from '../bus/nats-auth.js';
import { CorralConfig } from '../config/corral-config.js';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../http/domain-errors.js';
import { NatsCommandDto, NatsMergeDto, NatsResolveDto, NatsSplitDto } from './command.dto.js';
import type { Command } from '../../correlation/messages.js';
import { IncidentCommandsService, type CommandAnswer } from './incident-commands.service.js';
import { refuseControlCharacters } from '../http/control-characters.pipe.js';
import { VALIDATOR_OPTIONS } from '../http/validation.js';

const VERBS = ['acknowledge', 'resolve', 'reopen', 'merge', 'split'] as const;
type Verb = (typeof VERBS)[number];

/**
 * A helpdesk sends a plain JSON request (no Nest envelope), so the incoming message gets the
 * reply subject as its request id, and the reply is the bare result rather than Nest's packet.
 */
const deserializer = {
  deserialize(message: { json(): unknown; reply?: string }, options?: { channel: string; replyTo?: string }) {
    let data: unknown;
    try {
      data = message.json();
    } catch {
      data = { __invalid: 'the request body is not JSON' };
    }
    return { pattern: options?.channel, data, id: options?.replyTo };
  },
};
const serializer = {
  serialize(packet: { response?: unknown; err?: unknown; isDisposed?: boolean }) {
    const body = 'response' in packet && packet.response !== undefined ? packet.response : packet.err !== undefined ? { error: { statusCode: 500, message: packet.err instanceof Error ? packet.err.message : JSON.stringify(packet.err) } } : { done: true };
    return { data: JSON.stringify(body), headers: undefined };
  },
};

/**
 * `corral.cmd.incident.<verb>` request/reply on the @nestjs/microservices NATS transport: the same
 * commands as the HTTP callbacks, through the same service and the incident's actor, answered with
 * the updated incident or `{ error: { statusCode, message } }`.
 */
@Injectable()
export class NatsCommands implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('NatsCommands');
  private server: ServerNats | undefined;

  constructor(
    private readonly commands: IncidentCommandsService,
    private readonly config: CorralConfig,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.natsUrl) return; // the in-process bus has no request/reply peers
    const server = new ServerNats({ ...natsConnectOptions(this.config.natsAuth), servers: this.config.natsUrl.split(','), queue: 'corral-commands', deserializer, serializer });
    for (const verb of VERBS) {
      server.addHandler(this.subject(verb), (data: unknown) => this.handle(verb, data), false);
    }
    await new Promise<void>((resolve, reject) => {
      void server.listen((error?: unknown) => (error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve()));
    });
    this.server = server;
    this.logger.log(`listening on ${this.subject('*')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  subject(verb: string): string {
    return `${this.bus.subjects.prefix}.cmd.incident.${verb}`;
  }

  private async handle(verb: Verb, data: unknown): Promise<unknown> {
    try {
      const dto = await this.parse(verb, data);
      // The NATS account's subject permissions decide who may send commands; the journal names the channel and the agent.
      const change = 'change' in dto && typeof dto.change === 'string' ? { change: dto.change } : {};
      const base = { by: `nats for ${dto.by}`, ...(dto.note ? { note: dto.note } : {}), ...(verb === 'resolve' ? change : {}) };
      return replyOf(await this.commands.run(dto.incidentId, async (lookup): Promise<Command> => {
        switch (verb) {
          case 'merge': {
            const target = await lookup((dto as NatsMergeDto).into);
            return { verb, ...base, into: { incidentId: target.id, signature: target.signature } };
          }
          case 'split':
            return { verb, ...base, children: (dto as NatsSplitDto).children };
          default:
            return { verb, ...base };
        }
      }));
    } catch (error) {
      return { error: toError(error) };
    }
  }

  private async parse(verb: Verb, data: unknown): Promise<NatsCommandDto> {
    const type = verb === 'merge' ? NatsMergeDto : verb === 'split' ? NatsSplitDto : verb === 'resolve' ? NatsResolveDto : NatsCommandDto;
    if (typeof data !== 'object' || data === null || '__invalid' in data) throw new InvalidInputError('the request must be a JSON object: { incidentId, by, note? }');
    refuseControlCharacters(data);
    const dto = plainToInstance(type, data);
    const errors = await validate(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new InvalidInputError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
    return dto;
  }
}

/** The incident after the command; forwarded and not yet seen applied, HTTP's 202 in words. */
function replyOf({ incident, applied }: CommandAnswer): unknown {
  if (applied) return incident;
  return { accepted: { statusCode: 202, message: 'forwarded to the instance that owns this incident and not yet applied; read it back' }, incident };
}

function toError(error: unknown): { statusCode: number; message: string } {
  if (error instanceof InvalidInputError) return { statusCode: 400, message: error.message };
  if (error instanceof NotFoundError) return { statusCode: 404, message: error.message };
  if (error instanceof ConflictError) return { statusCode: 409, message: error.message };
  if (error instanceof UnavailableError) return { statusCode: 503, message: error.message };
  return { statusCode: 500, message: 'unexpected error; see the server log' };
}
