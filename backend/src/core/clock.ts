/**
 * Where the service gets "now". Production uses the system clock; the demo's real-Prometheus
 * mode runs the service on a compressed clock (simulated minutes per real second), and the
 * scenario engine (scenarios/engine.ts) on a virtual clock that only it moves — so every
 * time-based rule (minute rollups, sustained-for windows, cooldowns, experiment windows)
 * follows it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Simulated time: starts at `start` and runs `speed` times faster than the wall clock. */
export function compressedClock(start: number, speed: number, wallNow: () => number = Date.now): Clock {
  const wallStart = wallNow();
  return { now: () => Math.floor(start + (wallNow() - wallStart) * speed) };
}

/** Virtual time: stands still until its owner sets or advances it (never backwards). */
export class VirtualClock implements Clock {
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < this.current) throw new Error(`virtual clock: cannot move from ${this.current} to ${ms}`);
    this.current = ms;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }
}
