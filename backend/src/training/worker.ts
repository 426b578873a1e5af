/**
 * Worker-thread entry of the built-in trainer (started by train.ts). Receives a WorkerInput
 * as workerData, posts progress messages, then one result or error message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '../core/errors.ts';
import { loadDataset } from './loaders.ts';
import { trainModel, type WorkerInput, type WorkerMessage } from './train.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function main(input: WorkerInput): Promise<void> {
  try {
    let dataset;
    if ('dataset' in input) {
      dataset = input.dataset;
    } else {
      post({ type: 'progress', progress: 0, message: `loading ${input.source.path}`, metrics: {} });
      dataset = await loadDataset(input.source);
    }
    const result = trainModel(dataset, input.spec, (progress) => post({ type: 'progress', ...progress }));
    post({ type: 'result', result }, [result.onnx.buffer as ArrayBuffer]);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post({
      type: 'error',
      error: e instanceof DomainError
        ? { name: e.name, message: e.message, code: e.code, details: e.details }
        : { name: e.name, message: e.message },
    });
  }
}

await main(workerData as WorkerInput);
