import type { ActionType } from '@modelwatch/plugin-api';

export interface ActionContext {
  model: string;
  /** The version chosen in the form, if any. */
  version?: string;
  champion?: string | null;
  challenger?: string | null;
  runner?: string;
  gpus?: number;
  /** Rollback: step the champion's traffic down (the backend's default steps) instead of switching at once. */
  gradual?: boolean;
}

export const ACTION_TITLES: Record<ActionType, string> = {
  promote: 'Promote',
  rollback: 'Roll back',
  retrain: 'Retrain',
};

/** What will happen, in words, before anyone confirms. */
export function describeAction(type: ActionType, ctx: ActionContext): string {
  const champion = ctx.champion ?? 'the current champion';
  switch (type) {
    case 'promote': {
      const target = ctx.version || ctx.challenger;
      if (!target) {
        return `Choose the version of ${ctx.model} to promote.`;
      }
      return `Version ${target} becomes the champion of ${ctx.model} and serves all its traffic from the next request. ${champion} stays registered; Roll back restores it.`;
    }
    case 'rollback': {
      const target = ctx.version || 'the previous champion';
      const how = ctx.gradual
        ? `moves from ${champion} back to ${target} in steps: ${champion} keeps 50%, then 10%, then none, a minute each`
        : `moves from ${champion} back to ${target} on the next request`;
      return `Traffic for ${ctx.model} ${how}. ${champion} stays registered, so it can be promoted again.`;
    }
    case 'retrain': {
      const where = ctx.runner ? ` on the ${ctx.runner} runner` : '';
      const gpus = ctx.gpus ? ` with ${ctx.gpus} GPU${ctx.gpus > 1 ? 's' : ''}` : '';
      return `A retrain job for ${ctx.model} is queued${where}${gpus}. The new version must pass the validation gate against ${champion} before it can serve; traffic does not change now. Follow the job on the Jobs page.`;
    }
  }
}
