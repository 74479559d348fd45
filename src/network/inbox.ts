import type { DeliveredMessage } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import type { EventEnvelope } from '../contracts/events.js';

export type OnFull = 'wait' | 'fail';

export interface OfferOptions {
  onFull: OnFull;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What an inbox needs from its network. */
export interface InboxHost {
  /** False while the inbox's owner is down: its messages wait. */
  available(inbox: Inbox): boolean;
  /** True when this message may not reach the owner now (a partition between sender and owner). */
  blocked(inbox: Inbox, message: DeliveredMessage): boolean;
  /** Hands the message to the handlers; resolves once every handler has settled (the ack). */
  dispatch(inbox: Inbox, message: DeliveredMessage): Promise<void>;
  /** Called with +n / -n whenever the number of queued messages changes. */
  queuedChanged(delta: number): void;
}

interface Waiter {
  message: DeliveredMessage;
  resolve(): void;
  reject(error: unknown): void;
}

export type InboxHandler = (message: DeliveredMessage, envelope: EventEnvelope) => unknown;

/**
 * A bounded FIFO of signed messages for one owner (an agent's mailbox, or one topic subscriber).
 * It hands one message at a time to its handlers and drops it only when they have settled, so a
 * slow consumer fills it, and a full inbox makes senders wait in line (or fail) instead of growing.
 */
export class Inbox {
  readonly handlers = new Set<InboxHandler>();
  private readonly items: DeliveredMessage[];
  private readonly waiters: Waiter[] = [];
  private inFlight: DeliveredMessage | undefined;
  private closed = false;
  private pumping = false;

  constructor(
    readonly owner: string | undefined,
    readonly capacity: number,
    private readonly host: InboxHost,
    items: DeliveredMessage[] = [],
  ) {
    // A restored inbox may hold more than a smaller capacity allows; senders wait until it drains.
    this.items = [...items];
    host.queuedChanged(this.items.length);
  }

  /** Messages held (queued plus the one being handled); never above capacity. */
  get size(): number {
    return this.items.length + (this.inFlight ? 1 : 0);
  }

  get waiting(): number {
    return this.waiters.length;
  }

  hasSpace(): boolean {
    return this.waiters.length === 0 && this.size < this.capacity && !this.closed;
  }

  /** Plain copies of the held messages, oldest first (the one in flight included). */
  records(): DeliveredMessage[] {
    return this.inFlight ? [this.inFlight, ...this.items] : [...this.items];
  }

  /**
   * Puts the message in line. Resolves at once when there is room and nobody waits ahead; else
   * fails with MAILBOX_FULL (`onFull: 'fail'`) or waits, in FIFO order, for room, the timeout or
   * the signal; a timed-out or aborted offer leaves the line, so the message is in the inbox exactly
   * when the promise resolves.
   */
  offer(message: DeliveredMessage, options: OfferOptions): Promise<void> {
    if (this.hasSpace()) {
      this.push(message);
      return Promise.resolve();
    }
    if (this.closed) return Promise.reject(new NoError('ABORTED', 'the network is closed'));
    const details = { owner: this.owner, capacity: this.capacity, messageId: message.id };
    if (options.onFull === 'fail') {
      return Promise.reject(new NoError('MAILBOX_FULL', `inbox of ${this.owner ?? 'subscriber'} is full`, { details }));
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(new NoError('ABORTED', 'send aborted', { cause: signal.reason, details }));
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: NoError): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => settle(new NoError('ABORTED', 'send aborted', { cause: signal?.reason, details }));
      const timer = setTimeout(
        () => settle(new NoError('TIMEOUT', `inbox stayed full for ${timeoutMs} ms`, { details: { ...details, timeoutMs } })),
        timeoutMs,
      );
      const waiter: Waiter = { message, resolve: () => settle(), reject: (error) => settle(error as NoError) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Takes up to `max` deliverable messages out (pull consumers); they count as handled. */
  take(max: number): DeliveredMessage[] {
    const taken: DeliveredMessage[] = [];
    if (!this.host.available(this)) return taken;
    for (let i = 0; i < this.items.length && taken.length < max; ) {
      const message = this.items[i] as DeliveredMessage;
      if (this.host.blocked(this, message)) i++;
      else taken.push(...this.items.splice(i, 1));
    }
    if (taken.length > 0) this.freed(taken.length);
    return taken;
  }

  /** Starts handing messages to handlers if there are some and nothing is in flight. */
  pump(): void {
    // Liveness checks can emit registry events that pump again: the outer call carries on instead.
    if (this.inFlight || this.handlers.size === 0 || this.closed || this.pumping) return;
    this.pumping = true;
    let index = -1;
    try {
      if (this.host.available(this)) index = this.items.findIndex((message) => !this.host.blocked(this, message));
    } finally {
      this.pumping = false;
    }
    if (index < 0) return;
    const message = this.items.splice(index, 1)[0] as DeliveredMessage;
    this.inFlight = message;
    void this.host.dispatch(this, message).then(() => {
      this.inFlight = undefined;
      this.freed(1);
      this.pump();
    });
  }

  /** Adds restored messages to an empty inbox. */
  load(messages: readonly DeliveredMessage[]): void {
    this.items.push(...messages);
    this.host.queuedChanged(messages.length);
    this.pump();
  }

  /**
   * Stops dispatching. `reject`: waiting senders fail with ABORTED (the network closes). `release`:
   * the consumer left, so waiting senders go free and held messages are discarded; returns how many.
   */
  close(mode: 'reject' | 'release'): number {
    this.closed = true;
    for (const waiter of [...this.waiters]) {
      if (mode === 'reject') waiter.reject(new NoError('ABORTED', 'the network is closed'));
      else waiter.resolve();
    }
    if (mode === 'reject') return 0;
    const discarded = this.items.length;
    this.items.length = 0;
    this.host.queuedChanged(-discarded);
    return discarded;
  }

  private push(message: DeliveredMessage): void {
    this.items.push(message);
    this.host.queuedChanged(1);
    this.pump();
  }

  private freed(count: number): void {
    this.host.queuedChanged(-count);
    while (this.waiters.length > 0 && this.size < this.capacity) {
      const waiter = this.waiters[0] as Waiter;
      waiter.resolve();
      this.items.push(waiter.message);
      this.host.queuedChanged(1);
    }
    this.pump();
  }
}
