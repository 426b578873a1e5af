/**
 * Where the service gets "now". Production uses the system clock; the demo runs the whole
 * service on a compressed clock (one simulated minute per real second), so every time-based
 * rule — minute rollups, sustained-for windows, cooldowns, experiment windows — follows it.
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
