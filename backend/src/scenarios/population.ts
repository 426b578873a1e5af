import type { User, World } from './world.ts';

/** A unit (user) of a scenario: the same person on every visit, with an own click tendency. */
export interface Unit {
  user: User;
  /** Logit offset on every click probability of this unit. */
  propensity: number;
}

/**
 * The scenario's fixed populations: `size` units of the home market (a quarter new, the rest
 * returning) and `size` units of the new market that a drift may open. A visit draws a unit
 * uniformly from its market, so units come back many times (experiments analyse by unit).
 */
export class Population {
  private readonly world: World;
  private readonly home: Unit[];
  private readonly newMarket: Unit[];

  constructor(world: World, size: number, propensitySd: number) {
    this.world = world;
    const unit = (user: User): Unit => ({ user, propensity: propensitySd * world.normal() });
    this.home = Array.from({ length: size }, (_, i) => unit(world.userOf(world.random() < 0.25 ? 'new' : 'returning', i)));
    this.newMarket = Array.from({ length: size }, (_, i) => unit(world.userOf('new_market', i)));
  }

  /** The unit of the next visit (the new market's share is the world's current state). */
  visit(): Unit {
    const pool = this.world.random() < this.world.state.newMarketShare ? this.newMarket : this.home;
    return pool[Math.floor(this.world.random() * pool.length)]!;
  }
}
