/**
 * Which version a rollback returns to, from the champion alias history (pure).
 *
 * Promotions push onto a stack of champions; a rollback to X pops back to X (or pushes X
 * when X was never champion). The default rollback target is the newest version below the
 * current champion that can serve. So v1 → v2 → v3, rollback, rollback gives v2, then v1 —
 * never a flip-flop back to the version just rolled away from.
 */
export interface ChampionChange {
  /** promote | rollback | set | clear */
  type: string;
  version: string | null;
}

export function championStack(changesOldestFirst: readonly ChampionChange[]): string[] {
  const stack: string[] = [];
  for (const change of changesOldestFirst) {
    if (change.version === null) continue;
    if (change.type === 'rollback') {
      const at = stack.lastIndexOf(change.version);
      if (at >= 0) stack.length = at + 1;
      else stack.push(change.version);
    } else if (stack[stack.length - 1] !== change.version) {
      stack.push(change.version);
    }
  }
  return stack;
}

export function rollbackTarget(
  changesOldestFirst: readonly ChampionChange[],
  current: string | undefined,
  canServe: (version: string) => boolean,
): string | undefined {
  const stack = championStack(changesOldestFirst);
  if (current !== undefined && stack[stack.length - 1] === current) stack.pop();
  for (let i = stack.length - 1; i >= 0; i--) {
    const version = stack[i]!;
    if (version !== current && canServe(version)) return version;
  }
  return undefined;
}
