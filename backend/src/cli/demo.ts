import path from 'node:path';
import type { Command } from 'commander';
import { runDemo } from './demo/run-demo.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('play the whole story on a simulated e-commerce recommender: drift → alert → retrain → canary → promotion, then a rollback')
    .option('--speed <minutes>', 'with --with-prometheus: simulated minutes per real second (otherwise the demo runs on virtual time, as fast as the CPU allows)', '1')
    .option('--users-per-minute <n>', 'simulated shoppers per simulated minute', '600')
    .option('--data-dir <dir>', 'where the demo service keeps its data and the report', '')
    .option('--port <port>', 'with --with-prometheus: port for the demo service (0: any free port)', '0')
    .option('--seed <n>', 'random seed of the simulated world: the same seed repeats the run exactly', '7')
    .option('--with-prometheus', 'route alerts through Debian\'s Prometheus and Alertmanager (installed) instead of the in-process evaluator', false)
    .option('--keep-running', 'with --with-prometheus: keep the service running after the story (to look at it from Grafana)', false)
    .action(async (o: { speed: string; usersPerMinute: string; dataDir: string; port: string; seed: string; keepRunning: boolean; withPrometheus: boolean }) => {
      const number = (value: string, name: string, min: number) => {
        const n = Number(value);
        if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${value}"`);
        return n;
      };
      if ((o.keepRunning || o.port !== '0') && !o.withPrometheus) {
        throw new Error('--keep-running and --port need --with-prometheus: without it the demo runs on virtual time in-process, with no HTTP listener');
      }
      const code = await runDemo({
        speed: number(o.speed, 'speed', 0.1),
        usersPerMinute: number(o.usersPerMinute, 'users-per-minute', 10),
        dataDir: path.resolve(o.dataDir || path.join('data', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`)),
        port: number(o.port, 'port', 0),
        seed: number(o.seed, 'seed', 0),
        keepRunning: o.keepRunning,
        withPrometheus: o.withPrometheus,
      });
      process.exit(code);
    });
}
