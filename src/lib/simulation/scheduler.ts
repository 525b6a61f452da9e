import { install } from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof install>;

/** One thing that happens at a moment of virtual time. */
interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly label: string;
  readonly action: () => Promise<void> | void;
}

/** A line of the schedule as it ran: when, and what. */
export interface TraceLine {
  readonly at: number;
  readonly label: string;
}

/**
 * Virtual time for a simulation: actions run one at a time in the order of their moment (ties in
 * the order they were scheduled), and `Date` reads the virtual clock while the scheduler is open,
 * so handlers, S3's LastModified and Step Functions' start times all agree without any real
 * waiting. An action may itself `advance` the clock (a state machine waiting for an export): what
 * falls due meanwhile runs inside it, as it would run beside it in AWS.
 */
export class Scheduler {
  private readonly queue: Scheduled[] = [];
  private order = 0;
  private clock: InstalledClock | undefined;
  private current: number;
  readonly trace: TraceLine[] = [];

  constructor(start: number) {
    this.current = start;
  }

  get now(): number {
    return this.current;
  }

  /** Makes `Date` read the virtual clock until `close`. */
  open(): void {
    this.clock ??= install({ now: this.current, toFake: ['Date'] });
  }

  close(): void {
    this.clock?.uninstall();
    this.clock = undefined;
  }

  at(time: number, label: string, action: () => Promise<void> | void): void {
    const item = { at: Math.max(time, this.current), order: this.order++, label, action };
    // insertion keeps the queue sorted by (at, order); queues here hold hundreds, not millions
    let index = this.queue.length;
    while (index > 0 && this.queue[index - 1]!.at > item.at) index--;
    this.queue.splice(index, 0, item);
  }

  after(delayMs: number, label: string, action: () => Promise<void> | void): void {
    this.at(this.current + delayMs, label, action);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Runs every action due up to `time`, then sets the clock to `time`. */
  async runUntil(time: number): Promise<void> {
    while (this.queue.length > 0 && this.queue[0]!.at <= time) {
      const next = this.queue.shift()!;
      this.setTime(next.at);
      this.trace.push({ at: next.at, label: next.label });
      await next.action();
    }
    this.setTime(Math.max(time, this.current));
  }

  /** Lets `ms` of virtual time pass, running what falls due meanwhile. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.current + ms);
  }

  /** Runs until nothing is left to run. */
  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.runUntil(this.queue[0]!.at);
  }

  private setTime(time: number): void {
    this.current = time;
    this.clock?.setSystemTime(time);
  }
}
