import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { modeFromDims, planModel, type TensorMetadata } from './onnx-inspect.ts';

const features = [
  { name: 'price', type: 'numeric' as const },
  { name: 'age', type: 'numeric' as const },
  { name: 'category', type: 'categorical' as const },
];
const t = (name: string, type: string, shape: Array<number | string>): TensorMetadata => ({ name, isTensor: true, type, shape });
const probability = [t('probability', 'float32', ['batch', 1])];

describe('ONNX artifact contract', () => {
  test('one float32 [batch, n] input takes the numeric features in declared order', () => {
    const plan = planModel([t('features', 'float32', ['batch', 2])], probability, features);
    assert.deepEqual(plan, {
      kind: 'tensor',
      input: 'features',
      features: [features[0], features[1]],
      output: 'probability',
      outputMode: 'column',
    });
  });

  test('a symbolic width is accepted (the warm-up run checks it)', () => {
    assert.equal(planModel([t('x', 'float32', ['N', 'F'])], probability, features).kind, 'tensor');
  });

  test('one input per feature, named as the feature, with the matching types', () => {
    const plan = planModel([t('category', 'string', ['batch', 1]), t('price', 'float32', ['batch', 1])], probability, features);
    assert.equal(plan.kind, 'per_feature');
    assert.deepEqual(plan.features.map((f) => f.name), ['category', 'price']);
  });

  test('outputs: [batch], [batch,1], column 1 of [batch,2]; a label output ahead is skipped', () => {
    const input = [t('f', 'float32', ['batch', 2])];
    assert.equal(planModel(input, [t('p', 'float32', ['batch'])], features).outputMode, 'vector');
    assert.deepEqual(
      (({ output, outputMode }) => ({ output, outputMode }))(
        planModel(input, [t('label', 'int64', ['batch']), t('probabilities', 'float32', ['batch', 2])], features),
      ),
      { output: 'probabilities', outputMode: 'two_class' },
    );
  });

  test('refusals say what was found and what was expected', () => {
    const cases: Array<[TensorMetadata[], TensorMetadata[], RegExp]> = [
      [[t('features', 'float32', ['batch', 3])], probability, /takes 3 columns, but the model declares 2 numeric features; found inputs "features" float32 \[batch, 3\]/],
      [[t('features', 'int64', ['batch', 2])], probability, /found inputs "features" int64 \[batch, 2\]; expected one float32 input \[batch, 2\]/],
      [[t('price', 'string', ['batch', 1])], probability, /"price" should be float32 \(feature is numeric\)/],
      [[t('price', 'float32', ['batch', 1]), t('colour', 'string', ['batch', 1])], probability, /inputs "colour" are not declared features/],
      [[t('features', 'float32', ['batch', 2])], [t('scores', 'float32', ['batch', 3])], /found outputs "scores" float32 \[batch, 3\]; expected the positive-class probability/],
      [[t('features', 'float32', ['batch', 2])], [t('label', 'int64', ['batch'])], /found outputs "label" int64/],
      [[], probability, /the model has no inputs/],
    ];
    for (const [inputs, outputs, message] of cases) {
      assert.throws(() => planModel(inputs, outputs, features), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid_argument');
        assert.match(error.message, message);
        return true;
      });
    }
  });

  test('a single tensor input needs numeric features', () => {
    assert.throws(() => planModel([t('x', 'float32', ['batch', 1])], probability, [{ name: 'c', type: 'categorical' }]), /declares none/);
  });

  test('output mode from the dims of a test run', () => {
    assert.equal(modeFromDims([2], 2), 'vector');
    assert.equal(modeFromDims([2, 1], 2), 'column');
    assert.equal(modeFromDims([2, 2], 2), 'two_class');
    assert.equal(modeFromDims([2, 3], 2), undefined);
    assert.equal(modeFromDims([1, 2], 2), undefined);
  });
});
