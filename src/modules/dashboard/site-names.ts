import { Injectable } from '@nestjs/common';
import { Correlator } from '../../actors/correlator.js';
import type { Lexicon } from '../../correlation/names.js';

/** Readable names for the codes corral keeps, for screens: undefined where the rules give none. */
export interface DisplayNames {
  /** What people call a system: the first of its rule's `names` ("Epic" for epic-hyperspace). */
  system(code: string): string | undefined;
  /** A facility rule's `name` ("Overlake Medical Center"). */
  facility(code: string): string | undefined;
}

/**
 * From the alias table the correlation rules already are (`systems`, `facilities`), compared without
 * case as correlation compares codes. A code matched only by a pattern (`printer*` takes every
 * printer) gets no name: the pattern's words name a kind of system, not this one.
 */
export function displayNamesOf(lexicon: Pick<Lexicon, 'systems' | 'facilities'>): DisplayNames {
  return {
    system: (code) => lexicon.systems.get(code.toLowerCase())?.names[0],
    facility: (code) => lexicon.facilities.get(code.toLowerCase())?.name,
  };
}

/** The names under the rules in force now: a reload (POST /v1/rules/reload) renames on the next frame. */
@Injectable()
export class SiteNames {
  constructor(private readonly correlator: Correlator) {}

  current(): DisplayNames {
    return displayNamesOf(this.correlator.rules.lexicon);
  }
}
