import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { checkKey, ObjectMissingError, type ObjectStorage } from './object-storage.ts';
import type { Database } from './schema.ts';

/** Chunk size: small enough that an upload or a read holds little in memory, large enough for few round trips. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Objects as rows (migrations/0201_stored_objects.ts): every replica on the database reads
 * what any of them wrote. A write streams the file in 1 MiB chunks under a fresh object id and
 * then points the key at it, in one transaction; a read fetches one chunk per query.
 */
export class PostgresObjectStorage implements ObjectStorage {
  readonly kind = 'postgres' as const;
  private readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async putFile(key: string, file: string): Promise<void> {
    checkKey(key);
    const objectId = randomBytes(12).toString('hex');
    await this.db.transaction().execute(async (trx) => {
      let seq = 0;
      let sizeBytes = 0;
      for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        const bytes = chunk as Buffer;
        await trx.insertInto('stored_object_chunks').values({ object_id: objectId, seq: seq++, bytes }).execute();
        sizeBytes += bytes.byteLength;
      }
      // Writers of one key take turns from here, so a replaced object's chunks are always removed.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`stored_objects:${key}`}, 0))`.execute(trx);
      const previous = await trx.selectFrom('stored_objects').select('object_id').where('key', '=', key).executeTakeFirst();
      const row = { key, object_id: objectId, size_bytes: sizeBytes, chunks: seq, created_at: Date.now() };
      await trx
        .insertInto('stored_objects')
        .values(row)
        .onConflict((oc) => oc.column('key').doUpdateSet({ object_id: objectId, size_bytes: sizeBytes, chunks: seq, created_at: row.created_at }))
        .execute();
      if (previous) await trx.deleteFrom('stored_object_chunks').where('object_id', '=', previous.object_id).execute();
    });
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const row = await this.db.selectFrom('stored_objects').select(['object_id', 'chunks']).where('key', '=', checkKey(key)).executeTakeFirst();
    if (!row) throw new ObjectMissingError(key, this.describe(key));
    const { db } = this;
    const where = this.describe(key);
    return (async function* chunks() {
      for (let seq = 0; seq < row.chunks; seq++) {
        const chunk = await db.selectFrom('stored_object_chunks').select('bytes').where('object_id', '=', row.object_id).where('seq', '=', seq).executeTakeFirst();
        // Replaced while being read (keys are written once in practice: content-addressed, or per job).
        if (!chunk) throw new ObjectMissingError(key, `${where} (chunk ${seq})`);
        yield chunk.bytes;
      }
    })();
  }

  async has(key: string): Promise<boolean> {
    return !!(await this.db.selectFrom('stored_objects').select('key').where('key', '=', checkKey(key)).executeTakeFirst());
  }

  async delete(key: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const removed = await trx.deleteFrom('stored_objects').where('key', '=', checkKey(key)).returning('object_id').executeTakeFirst();
      if (removed) await trx.deleteFrom('stored_object_chunks').where('object_id', '=', removed.object_id).execute();
    });
  }

  describe(key: string): string {
    return `stored object "${key}" (PostgreSQL)`;
  }

  async close(): Promise<void> {}
}
