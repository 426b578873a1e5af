import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocateBuckets, createArmRouter, loadAssignmentHasher } from './assignment.ts';
import { RouteMirror } from './route-mirror.ts';
import type { ModelRoute } from './router.ts';
import { RunningExperiments } from './running-experiments.ts';

describe('RouteMirror (the serving thread’s copy of the routes)', () => {
  const setup = async () => {
    const routes = new Map<string, ModelRoute>();
    const loaded = new Set<string>(['v1']);
    const loads = new Map<string, () => void>();
    const running = new RunningExperiments();
    const mirror = new RouteMirror({
      router: { restore: (model, route) => routes.set(model, route) },
      running,
      hasher: await loadAssignmentHasher(),
      loaded: (_model, version) => loaded.has(version),
      ensureLoaded: (_model, version) =>
        loaded.has(version)
          ? Promise.resolve()
          : new Promise<void>((resolve) =>
          loads.set(version, () => {
            loaded.add(version);
            resolve();
          }),
        ),
    });
    return { routes, loads, running, mirror };
  };

  test('a route of loaded versions switches at once; one naming a version still loading waits for it', async () => {
    const { routes, loads, mirror } = await setup();
    void mirror.apply({ model: 'm', route: { champion: 'v1' }, experiment: null });
    assert.equal(routes.get('m')?.champion, 'v1', 'synchronously');
    const promoted = mirror.apply({ model: 'm', route: { champion: 'v2' }, experiment: null });
    assert.equal(routes.get('m')?.champion, 'v1', 'v2 is still loading');
    loads.get('v2')!();
    await promoted;
    assert.equal(routes.get('m')?.champion, 'v2');
  });

  test('the newest route wins: a rollback is not undone by the promotion still loading before it', async () => {
    const { routes, loads, mirror } = await setup();
    void mirror.apply({ model: 'm', route: { champion: 'v1' }, experiment: null });
    const promoted = mirror.apply({ model: 'm', route: { champion: 'v3' }, experiment: null });
    void mirror.apply({ model: 'm', route: { champion: 'v1' }, experiment: null });
    loads.get('v3')!();
    await promoted;
    await mirror.settled();
    assert.equal(routes.get('m')?.champion, 'v1');
  });

  test('the experiment is rebuilt from salt and allocation, and removed with the snapshot that has none', async () => {
    const { running, mirror, loads } = await setup();
    const allocation = allocateBuckets([
      { name: 'a', weight: 0.5 },
      { name: 'b', weight: 0.5 },
    ]);
    const applied = mirror.apply({ model: 'm', route: { champion: 'v1' }, experiment: { experimentId: 'e', arms: [{ name: 'a', version: 'v1' }, { name: 'b', version: 'v2' }], salt: 's', allocation } });
    loads.get('v2')!();
    await applied;
    const main = createArmRouter(await loadAssignmentHasher(), 's', allocation);
    for (let i = 0; i < 50; i++) assert.equal(running.assign('m', `u${i}`)?.arm, main.assign(`u${i}`), `unit u${i}`);
    void mirror.apply({ model: 'm', route: { champion: 'v1' }, experiment: null });
    assert.equal(running.assign('m', 'u1'), undefined);
  });
});
