/**
 * The sandbox side of inspect-artifact.ts: run as its own Node process, it loads an artifact
 * and warms it exactly as serving will (onnx-session.ts), then reports on stdout. Input on
 * stdin: {"file", "features", "options"}. Nothing here touches the store or the network.
 */
import fs from 'node:fs';
import { assertSelfContained } from './external-data.ts';
import { loadModelSession } from './onnx-session.ts';

interface ChildInput {
  file: string;
  features: Parameters<typeof loadModelSession>[1];
  options: Parameters<typeof loadModelSession>[2];
}

async function main(): Promise<void> {
  const input = JSON.parse(fs.readFileSync(0, 'utf8')) as ChildInput;
  const bytes = fs.readFileSync(input.file);
  try {
    assertSelfContained(bytes);
    const session = await loadModelSession(bytes, input.features, input.options);
    await session.release();
    process.stdout.write(JSON.stringify({ ok: true }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const domain = error instanceof Error && error.name === 'DomainError';
    process.stdout.write(JSON.stringify({ ok: false, domain, message }));
  }
}

await main();
