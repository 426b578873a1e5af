import type { ApiClient } from '../api-client.ts';
import type { Clock } from '../../core/clock.ts';
import type { World } from '../../scenarios/world.ts';

const MAX_USERS_PER_REQUEST = 500;

export interface TrafficOptions {
  model: string;
  usersPerMinute: number;
  candidates: number;
}

export interface TickStats {
  users: number;
  impressions: number;
  clicks: number;
  conversions: number;
}

/**
 * Sends the simulated shoppers through the real API: one /predict call scores every
 * candidate of every user in the tick (each instance carries its user as `unitId`, so an
 * experiment assigns users, not requests), the best-scored candidate is shown, and the
 * user's reaction comes back as outcomes.
 */
export class TrafficDriver {
  private readonly api: ApiClient;
  private readonly world: World;
  private readonly clock: Clock;
  private readonly options: TrafficOptions;
  private carry = 0;
  private nextUser = 0;

  constructor(api: ApiClient, world: World, clock: Clock, options: TrafficOptions) {
    this.api = api;
    this.world = world;
    this.clock = clock;
    this.options = options;
  }

  async tick(simulatedMs: number): Promise<TickStats> {
    const exact = (this.options.usersPerMinute * simulatedMs) / 60_000 + this.carry;
    const users = Math.floor(exact);
    this.carry = exact - users;
    const stats: TickStats = { users, impressions: 0, clicks: 0, conversions: 0 };
    // A late tick (the machine was busy) catches up in requests of a sensible size.
    for (let done = 0; done < users; done += MAX_USERS_PER_REQUEST) {
      await this.serve(Math.min(MAX_USERS_PER_REQUEST, users - done), stats);
    }
    return stats;
  }

  private async serve(users: number, stats: TickStats): Promise<void> {
    const k = this.options.candidates;
    const shoppers = Array.from({ length: users }, () => this.world.user(this.nextUser++));
    const offers = shoppers.map((user) => this.world.candidates(user, k));
    const instances = shoppers.flatMap((user, u) => offers[u]!.map((offer) => ({ unitId: user.id, features: offer.features })));
    const { predictions } = await this.api.request<{ predictions: Array<{ predictionId: string; score: number | null }> }>(
      'POST',
      `/api/v1/models/${this.options.model}/predict`,
      { json: { instances } },
    );
    const outcomes = [];
    const ts = this.clock.now();
    for (let u = 0; u < users; u++) {
      let best = u * k;
      for (let j = u * k + 1; j < (u + 1) * k; j++) {
        if ((predictions[j]?.score ?? -1) > (predictions[best]?.score ?? -1)) best = j;
      }
      const offer = offers[u]![best - u * k]!;
      const click = this.world.random() < offer.clickProbability ? 1 : 0;
      const conversion = click && this.world.random() < offer.conversionProbability ? 1 : 0;
      stats.impressions += 1;
      stats.clicks += click;
      stats.conversions += conversion;
      outcomes.push({ id: predictions[best]!.predictionId, ts, impression: 1, click, conversion, label: click });
    }
    await this.sendOutcomes(outcomes);
  }

  /**
   * Served predictions reach the monitor through a buffer flushed every few milliseconds; an
   * outcome that overtakes its prediction is parked and joined when it lands
   * (monitor/outcome-parking.ts), so one request is enough.
   */
  private async sendOutcomes(records: unknown[]): Promise<void> {
    await this.api.request('POST', `/api/v1/models/${this.options.model}/outcomes`, { json: { records } });
  }
}
