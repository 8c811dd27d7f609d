import { CleanTexts } from '../../correlation/scrub.js';

/**
 * The texts intake's scrubbing found clean, for this thread (the main thread and each intake worker
 * have their own): during a storm every alert repeats its summary and system, and the scrubber's
 * rules run over each once. The core keeps no such table itself; intake owns this one.
 */
export const intakeCleanTexts = new CleanTexts();
