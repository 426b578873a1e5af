import { createRng } from '../core/random.ts';

/**
 * A simulated e-commerce recommender: users ask for a recommendation, the model scores a
 * handful of candidate items, the best one is shown, and the user clicks (and sometimes buys)
 * with a probability only this world knows. A better model picks better items, so CTR is a
 * property of the model — which is what makes retraining and A/B tests meaningful here.
 */
export const numericFeatures = [
  'price',
  'discount_pct',
  'item_rating',
  'item_popularity',
  'user_tenure_days',
  'user_sessions_7d',
  'category_affinity',
] as const;
export const categoricalFeatures = ['user_segment', 'device', 'item_category'] as const;

export const demoFeatures = [
  ...numericFeatures.map((name) => ({ name, type: 'numeric' as const })),
  ...categoricalFeatures.map((name) => ({ name, type: 'categorical' as const })),
];

export type Segment = 'returning' | 'new' | 'new_market';
const categories = ['electronics', 'fashion', 'home', 'beauty', 'sports', 'toys', 'books', 'garden'] as const;
const devices = ['mobile', 'desktop', 'tablet'] as const;

interface Item {
  id: number;
  category: number;
  basePrice: number;
  discountPct: number;
  rating: number;
  popularity: number;
}

export interface User {
  id: string;
  segment: Segment;
  tenureDays: number;
  sessions7d: number;
  device: (typeof devices)[number];
  preferred: number;
}

export type FeatureRow = Record<string, number | string>;

export interface Candidate {
  features: FeatureRow;
  clickProbability: number;
  conversionProbability: number;
}

export interface WorldState {
  /** Multiplier on every price: the drift act raises prices. */
  priceFactor: number;
  /** Share of users from the newly opened market, who are far more price-sensitive. */
  newMarketShare: number;
  /**
   * Multiplier on the logged `user_sessions_7d` feature. Clicks do not depend on it, so changing
   * it drifts the inputs without hurting any model's accuracy (benign drift).
   */
  sessionsFactor: number;
  /** Logit offset on every click probability: a world with more (or fewer) clicks, same ranking of items. */
  clickShift: number;
}

export const baseWorld: WorldState = { priceFactor: 1, newMarketShare: 0, sessionsFactor: 1, clickShift: 0 };

export class World {
  readonly random: () => number;
  private readonly items: Item[];
  state: WorldState = { ...baseWorld };

  /** `items`: the catalogue's size (large, so that one seed's catalogue is much like another's). */
  constructor(seed = 7, items = 20_000) {
    this.random = createRng(seed);
    this.items = Array.from({ length: items }, (_, id) => ({
      id,
      category: Math.floor(this.random() * categories.length),
      basePrice: Math.exp(Math.log(40) + 0.8 * this.normal()),
      discountPct: this.random() < 0.3 ? Math.round(5 + this.random() * 45) : 0,
      rating: Math.min(5, Math.max(1, 3.9 + 0.6 * this.normal())),
      popularity: Math.exp(this.normal() * 1.2),
    }));
  }

  normal(): number {
    const u = this.random() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  user(index: number): User {
    const r = this.random();
    const segment: Segment = r < this.state.newMarketShare ? 'new_market' : r < this.state.newMarketShare + 0.25 ? 'new' : 'returning';
    return this.userOf(segment, index);
  }

  /** A user of a given segment (the scenario engine's fixed unit populations). */
  userOf(segment: Segment, index: number): User {
    return {
      id: `${segment}-${index}`,
      segment,
      tenureDays:
        segment === 'returning' ? Math.round(60 + this.random() * 1400) : Math.round(this.random() * (segment === 'new' ? 30 : 20)),
      sessions7d:
        segment === 'new_market' ? Math.round(10 + this.random() * 15) : Math.round(1 + this.random() * (segment === 'new' ? 4 : 9)),
      device: devices[Math.floor(this.random() * (segment === 'new_market' ? 1.2 : 3))] ?? 'mobile',
      preferred: Math.floor(this.random() * categories.length),
    };
  }

  /**
   * `count` candidate items for a user, with their true probabilities; `propensity` is the
   * user's own click tendency (a logit offset; 0 for an average user).
   */
  candidates(user: User, count: number, propensity = 0): Candidate[] {
    const out: Candidate[] = [];
    for (let i = 0; i < count; i++) {
      const item = this.items[Math.floor(this.random() * this.items.length)]!;
      const price = item.basePrice * this.state.priceFactor * (1 - item.discountPct / 100);
      const affinity = item.category === user.preferred ? 1 : 0.15 + 0.2 * this.random();
      const clickProbability = sigmoid(clickLogit(user.segment, item, price, affinity) + propensity + this.state.clickShift);
      out.push({
        clickProbability,
        conversionProbability: Math.min(0.9, 0.28 / (1 + Math.max(0, Math.log(price / 40)))),
        features: {
          price: round(price, 2),
          discount_pct: item.discountPct,
          item_rating: round(item.rating, 2),
          item_popularity: round(item.popularity, 3),
          user_tenure_days: user.tenureDays,
          user_sessions_7d: Math.round(user.sessions7d * this.state.sessionsFactor),
          category_affinity: round(affinity, 3),
          user_segment: user.segment,
          device: user.device,
          item_category: categories[item.category]!,
        },
      });
    }
    return out;
  }
}

/** The world's truth. Price sensitivity is what the new market changes: its users click cheap items only. */
export function clickLogit(segment: Segment, item: Pick<Item, 'rating' | 'popularity' | 'discountPct'>, price: number, affinity: number): number {
  if (segment === 'new_market') {
    // Bargain hunters: ratings and categories hardly matter; price and discounts do.
    return -5.0 + 0.15 * Math.log(item.popularity) + 0.3 * affinity - 2.6 * Math.max(0, Math.log(price / 15)) + 0.07 * item.discountPct;
  }
  const sensitivity = segment === 'new' ? 0.9 : 0.6;
  return -4.6 + 0.9 * (item.rating - 3.9) + 0.35 * Math.log(item.popularity) + 1.3 * affinity - sensitivity * Math.max(0, Math.log(price / 15)) + 0.012 * item.discountPct;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
