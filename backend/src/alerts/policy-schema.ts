import { z } from 'zod';
import { formatDuration, UNIT_MS } from '../core/duration.ts';
import { runnerNames } from '../jobs/job-types.ts';
import { policyActions, policyModes, type PerformedAction, type PolicyAction, type PolicyMode } from './types.ts';

/**
 * The policy document (`GET/PUT /api/v1/policies`). Policies are tried in order; the first
 * enabled one whose matchers all hold decides. An alert no policy matches is recorded and
 * ignored.
 */

/** Record keys checked separately: zod's own message for a bad record key says only "Invalid key". */
const labelMap = <T extends z.ZodType<string>>(value: T) =>
  z.record(z.string(), value).superRefine((record, ctx) => {
    for (const name of Object.keys(record)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)` });
      }
    }
  });

const regexSource = z.string().refine((source) => {
  try {
    new RegExp(`^(?:${source})$`);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

/** `30m`, `1h`, `90s`, `1d` or a number of milliseconds; 0 means no cooldown. */
const cooldownInput = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(String(value).trim());
  if (match?.[1]) {
    const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] as keyof typeof UNIT_MS | undefined) ?? 'ms']);
    if (ms <= 30 * UNIT_MS.d) return ms;
  }
  ctx.addIssue({ code: 'custom', message: `expected a duration like 30m, 1h or milliseconds (at most 30d), got "${value}"` });
  return z.NEVER;
});

export const DEFAULT_COOLDOWN_MS = 30 * 60_000;
export const DEFAULT_MAX_ACTIONS_PER_HOUR = 10;
export const DEFAULT_MAX_ACTIONS_PER_MODEL_PER_HOUR = 5;

export const policyInputSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'must be 1-100 characters: lowercase letters, digits, "_", "." or "-"'),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(true),
  /** label → exact value; "*" means "the label is present and not empty". */
  match: labelMap(z.string()).default({}),
  /** label → regular expression that must match the whole value (as in Alertmanager). */
  matchRe: labelMap(regexSource).default({}),
  action: z.enum(policyActions, { error: `expected one of ${policyActions.join(', ')}` }),
  mode: z.enum(policyModes, { error: `expected one of ${policyModes.join(', ')}` }).default('auto'),
  /** No second action of the same type on the same model within this time. */
  cooldown: cooldownInput.default(DEFAULT_COOLDOWN_MS),
  /** Actions this policy may take per rolling hour (on top of the document's global limit). */
  maxActionsPerHour: z.number().int().min(0).max(10_000).optional(),
  /** Passed to the retrain job (runner, gpus, params). */
  retrain: z
    .object({
      runner: z.enum(runnerNames, { error: `expected one of ${runnerNames.join(', ')}` }).optional(),
      gpus: z.number().int().min(0).max(64).optional(),
      params: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .optional(),
});

export const policyDocumentInputSchema = z
  .object({
    /** Everything is a dry run: decisions are recorded, nothing is done. */
    dryRun: z.boolean().default(false),
    /** Actions across all policies per rolling hour, counted per sending credential (token, or the HMAC secret). */
    maxActionsPerHour: z.number().int().min(0).max(10_000).default(DEFAULT_MAX_ACTIONS_PER_HOUR),
    /** Actions on one model per rolling hour. */
    maxActionsPerModelPerHour: z.number().int().min(0).max(10_000).default(DEFAULT_MAX_ACTIONS_PER_MODEL_PER_HOUR),
    policies: z.array(policyInputSchema).max(500),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.policies.forEach((policy, index) => {
      if (seen.has(policy.name)) ctx.addIssue({ code: 'custom', path: ['policies', index, 'name'], message: `duplicate policy name "${policy.name}"` });
      seen.add(policy.name);
    });
  });

export type Policy = z.output<typeof policyInputSchema>;
export type PolicyDocument = z.output<typeof policyDocumentInputSchema>;

/** Output shape: durations shown as strings. */
export const policyOutputSchema = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    enabled: z.boolean(),
    match: z.record(z.string(), z.string()),
    matchRe: z.record(z.string(), z.string()),
    action: z.enum(policyActions),
    mode: z.enum(policyModes),
    cooldown: z.string(),
    maxActionsPerHour: z.number().optional(),
    retrain: z.object({ runner: z.enum(runnerNames).optional(), gpus: z.number().optional(), params: z.record(z.string(), z.unknown()).optional() }).optional(),
  })
  .meta({ id: 'AlertPolicy' });

export const policyDocumentOutputSchema = z
  .object({
    dryRun: z.boolean(),
    maxActionsPerHour: z.number(),
    maxActionsPerModelPerHour: z.number(),
    policies: z.array(policyOutputSchema),
    isDefault: z.boolean(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'AlertPolicies' });

export function policyToOutput(policy: Policy): z.output<typeof policyOutputSchema> {
  return { ...policy, cooldown: formatDuration(policy.cooldown) };
}

const defaultPolicy = (action: 'retrain' | 'rollback'): Policy => ({
  name: `default-${action}`,
  description:
    action === 'rollback'
      ? 'Default policy: a firing alert labelled modelwatch_action="rollback" ends the traffic of the version it names (its "version" label; the champion is rolled back), once per alert instance, 30-minute cooldown per model and version'
      : `Default policy: a firing alert labelled modelwatch_action="${action}" ${action}s its model, once per alert instance, 30-minute cooldown per model and action`,
  enabled: true,
  match: { modelwatch_action: action, model: '*' },
  matchRe: {},
  action,
  mode: 'auto' as PolicyMode,
  cooldown: DEFAULT_COOLDOWN_MS,
});

/**
 * With nothing configured (docs/api.md): an alert labelled with `model` and
 * `modelwatch_action` retrain or rollback does that, 30-minute cooldown per model and
 * action; anything else is recorded and ignored.
 */
export const defaultPolicyDocument = (): PolicyDocument => ({
  dryRun: false,
  maxActionsPerHour: DEFAULT_MAX_ACTIONS_PER_HOUR,
  maxActionsPerModelPerHour: DEFAULT_MAX_ACTIONS_PER_MODEL_PER_HOUR,
  policies: [defaultPolicy('retrain'), defaultPolicy('rollback')],
});

export const isPerformedAction = (action: PolicyAction): action is PerformedAction => action !== 'none';
