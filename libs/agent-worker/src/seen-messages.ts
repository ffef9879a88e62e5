/**
 * The message ids this worker settled lately, oldest forgotten first: a redelivery or a
 * republished event is acked without a round trip to the write agent. Bounded, so memory
 * stays flat; a duplicate older than that is still harmless (its start answers 409).
 */
export class SeenMessages {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }
}
