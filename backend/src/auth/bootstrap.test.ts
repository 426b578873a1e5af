import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { startServer } from '../compose/server.ts';
import { requestJson } from '../testing/test-server.ts';
import { refusePlaceholder, writeSecretFile } from './bootstrap.ts';

describe('bootstrap admin token', () => {
  test('written with O_EXCL/O_NOFOLLOW: a planted symbolic link is refused, its target untouched', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bootstrap-'));
    try {
      const target = path.join(dir, 'elsewhere');
      fs.writeFileSync(target, 'keep');
      const file = path.join(dir, 'admin-token');
      fs.symlinkSync(target, file);
      assert.throws(() => writeSecretFile(file, 'secret\n'), /not a regular file/);
      assert.equal(fs.readFileSync(target, 'utf8'), 'keep');
      fs.unlinkSync(file);
      writeSecretFile(file, 'secret\n');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      writeSecretFile(file, 'again\n');
      assert.equal(fs.readFileSync(file, 'utf8'), 'again\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the first start writes a working token file; a symbolic link there stops the start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bootstrap-'));
    const config = loadConfig({ MODELWATCH_PORT: '0', MODELWATCH_DATA_DIR: dir, MODELWATCH_LOG_LEVEL: 'silent' });
    try {
      fs.symlinkSync(path.join(dir, 'target'), path.join(dir, 'admin-token'));
      await assert.rejects(startServer(config, createLogger('silent')), /not a regular file/);
      assert.equal(fs.existsSync(path.join(dir, 'target')), false);
      fs.unlinkSync(path.join(dir, 'admin-token'));
      const server = await startServer(config, createLogger('silent'));
      try {
        const token = fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
        assert.equal((await requestJson(server.url, 'GET', '/api/v1/tokens', {}, token)).status, 200);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('placeholder secrets are refused; random ones pass', () => {
    for (const value of ['change-me-modelwatch-admin-token', 'CHANGEME', 'your-token-here', 'aaaaaaaaaaaaaaaaaaaa', 'admin', 'password1']) {
      assert.throws(() => refusePlaceholder('X', value), /X is a placeholder value/, value);
    }
    refusePlaceholder('X', 'mw_3f9c1e0b7a2d4c5e8f6a1b2c3d4e5f60');
    refusePlaceholder('X', undefined);
  });
});
