/**
 * An actor's inbox: messages wait here, in arrival order, until the actor's next turn. Bounded so
 * that one hot signature cannot take all the memory; the caller decides what "full" means (back
 * off, answer 429, stop pulling).
 */
export class Mailbox<T> {
  private items: T[] = [];

  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.items.length;
  }

  post(item: T): boolean {
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  /** Takes every waiting message, oldest first; the mailbox is empty afterwards. */
  drain(): T[] {
    const taken = this.items;
    this.items = [];
    return taken;
  }
}
