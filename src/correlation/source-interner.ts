import type { EventSource } from './canonical-event.js';

/**
 * One shared, frozen EventSource per distinct source: every child holds one, and there are few
 * sources and many children (at 100,000 live children, 96,000 identical copies of `{ type, system }`
 * from the events' parsing). Bounded, as `instance` comes from outside. An instance per owner (the
 * correlator, the store that hydrates children), never a module's: the core keeps no state of its own.
 */
export class SourceInterner {
  private readonly kept = new Map<string, Readonly<EventSource>>();

  constructor(private readonly most = 4096) {}

  intern(source: EventSource): EventSource {
    // JSON keeps "no instance" apart from an empty one, and any character inside the parts.
    const key = JSON.stringify([source.type, source.system, source.instance]);
    let shared = this.kept.get(key);
    if (!shared) {
      if (this.kept.size >= this.most) this.kept.clear();
      shared = Object.freeze({ type: source.type, system: source.system, ...(source.instance === undefined ? {} : { instance: source.instance }) });
      this.kept.set(key, shared);
    }
    return shared;
  }
}
