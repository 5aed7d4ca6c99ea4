/**
 * Word of runs that ended, over PostgreSQL's LISTEN/NOTIFY. The save that ends a run notifies in
 * its own statement, so the word goes out when that save commits; one connection of the store's
 * pool listens, once something waits for a run. A word lost to a broken connection is made up for
 * by `flow.result()`'s own looks at the store.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { RunEndings } from "orchestrix";

/** The channel the save that ends a run notifies on. */
export const RUN_ENDED_CHANNEL = "orchestrix_run_ended";

/**
 * What the notification carries: the MD5 of the run id (PostgreSQL's `md5(run_id)`), because a
 * NOTIFY payload must stay under 8000 bytes and a run id may not.
 */
export function runEndedPayload(runId: string): string {
  return createHash("md5").update(runId, "utf8").digest("hex");
}

/** Listens on one connection of `pool` while the store is open; `close` hands it back. */
export function postgresEndings(pool: pg.Pool): RunEndings & { close(): Promise<void> } {
  const waiting = new Map<string, Set<() => void>>();
  /** The listening connection, with the one way to hand it back (once). */
  let listening: Promise<{ release: () => void }> | undefined;
  let closed = false;

  const listen = (): Promise<{ release: () => void }> => {
    listening ??= (async () => {
      const client = await pool.connect();
      const current = listening;
      let released = false;
      // Destroyed, not returned to the pool: nothing else should get a connection that listens.
      const release = () => {
        if (released) return;
        released = true;
        client.release(true);
      };
      // A broken connection is dropped; the next watch listens on a new one.
      const drop = () => {
        if (listening === current) listening = undefined;
        release();
      };
      client.on("error", drop);
      client.on("end", drop);
      client.on("notification", (message) => {
        if (message.channel !== RUN_ENDED_CHANNEL) return;
        for (const wake of waiting.get(message.payload ?? "") ?? []) wake();
      });
      try {
        await client.query(`LISTEN ${RUN_ENDED_CHANNEL}`);
      } catch (error) {
        drop();
        throw error;
      }
      return { release };
    })();
    const attempt = listening;
    attempt.catch(() => {
      if (listening === attempt) listening = undefined;
    });
    return attempt;
  };

  return {
    async watch(runId) {
      const key = runEndedPayload(runId);
      let wake!: () => void;
      const ended = new Promise<void>((resolve) => (wake = resolve));
      const wakers = waiting.get(key) ?? new Set<() => void>();
      wakers.add(wake);
      waiting.set(key, wakers);
      const stop = () => {
        wakers.delete(wake);
        if (wakers.size === 0 && waiting.get(key) === wakers) waiting.delete(key);
      };
      try {
        if (closed) throw new Error("the store is closed");
        await listen();
      } catch (error) {
        stop();
        throw error;
      }
      return { ended, stop };
    },
    async close() {
      closed = true;
      const current = listening;
      listening = undefined;
      (await current?.catch(() => undefined))?.release();
    },
  };
}
