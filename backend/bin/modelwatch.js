#!/usr/bin/env node
// The `modelwatch` command: the built CLI when `npm run build` has run, otherwise the
// TypeScript sources, which Node.js 24 runs directly. Kept as a file in the repository so
// npm links the command at install time, before anything is built.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../src/cli/main.ts', import.meta.url).href);
