import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  test('defaults: port 8080 on loopback, SQLite in ./data', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.databaseUrl, undefined);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      MODELWATCH_PORT: '9090',
      MODELWATCH_DATA_DIR: '/tmp/mw',
      MODELWATCH_DATABASE_URL: 'postgres://u@h/db',
      MODELWATCH_ADMIN_TOKEN: 'a'.repeat(20),
      MODELWATCH_LOG_LEVEL: 'debug',
    });
    assert.equal(config.port, 9090);
    assert.equal(config.dataDir, '/tmp/mw');
    assert.equal(config.databaseUrl, 'postgres://u@h/db');
    assert.equal(config.logLevel, 'debug');
  });

  test('each bad value is named with what was expected', () => {
    assert.throws(
      () =>
        loadConfig({
          MODELWATCH_PORT: 'eighty',
          MODELWATCH_DATABASE_URL: 'mysql://x',
          MODELWATCH_ADMIN_TOKEN: 'short',
          MODELWATCH_LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        assert.match(text, /MODELWATCH_PORT="eighty": must be a port number/);
        assert.match(text, /MODELWATCH_DATABASE_URL="mysql:\/\/x": must start with postgres:\/\//);
        assert.match(text, /MODELWATCH_ADMIN_TOKEN="short": must be at least 16 characters/);
        assert.match(text, /MODELWATCH_LOG_LEVEL="loud"/);
        assert.equal(error.problems.length, 4);
        return true;
      },
    );
  });

  test('port out of range', () => {
    assert.throws(() => loadConfig({ MODELWATCH_PORT: '70000' }), /between 0 and 65535/);
  });
});
