import path from 'node:path';
import type { Command } from 'commander';
import { runDemo } from './demo/run-demo.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('play the whole story on a simulated e-commerce recommender: drift → alert → retrain → canary → promotion, then a rollback')
    .option('--speed <minutes>', 'simulated minutes per real second', '1')
    .option('--users-per-minute <n>', 'simulated shoppers per simulated minute', '1000')
    .option('--data-dir <dir>', 'where the demo service keeps its data and the report', '')
    .option('--port <port>', 'port for the demo service (0: any free port)', '0')
    .option('--seed <n>', 'random seed of the simulated world', '7')
    .option('--with-prometheus', 'route alerts through Debian\'s Prometheus and Alertmanager (installed) instead of the in-process evaluator', false)
    .option('--keep-running', 'keep the service running after the story (to look at it from Grafana)', false)
    .action(async (o: { speed: string; usersPerMinute: string; dataDir: string; port: string; seed: string; keepRunning: boolean; withPrometheus: boolean }) => {
      const number = (value: string, name: string, min: number) => {
        const n = Number(value);
        if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${value}"`);
        return n;
      };
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
