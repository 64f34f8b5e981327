import type { Logger } from '../log.ts';
import type { SchedulerUpdate } from './scheduler-types.ts';

/** Who hears the scheduler's updates. A listener that throws is logged and the others are still told. */
export class UpdateListeners {
  readonly #listeners = new Set<(update: SchedulerUpdate) => void>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Returns the call that stops this listener hearing more. */
  subscribe(listener: (update: SchedulerUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(update: SchedulerUpdate): void {
    for (const listener of this.#listeners) {
      try {
        listener(update);
      } catch (error) {
        this.#logger.error({ err: error, update: update.type }, 'scheduler listener threw');
      }
    }
  }
}
