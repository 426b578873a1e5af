import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Numerical coefficients are quoted from their references with all their digits.
      'no-loss-of-precision': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Spreading an array into call arguments puts every element on the stack: past ~120k
      // elements it throws "Maximum call stack size exceeded" (issue 16: a rollup flush of
      // >125k keys crash-looped the service). Loop, or use concat.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(push|unshift|splice|max|min|fromCharCode|fromCodePoint|apply)$/] > SpreadElement',
          message: 'no spread of an array into push/unshift/splice/Math.max/Math.min/fromCharCode: it overflows the stack on large arrays; loop or use concat',
        },
      ],
    },
  },
);
