import { describe, expect, it } from "vitest";
import { persistedSnapshot } from "../src/snapshot/persist.js";
import { richFlow } from "./fixtures/rich-flow.js";

describe("the persisted snapshot of a run", () => {
  it("is what actor.getPersistedSnapshot() returns, at every transition of completed and compensated runs", async () => {
    for (const failAt of [null, "sms"]) {
      const flow = richFlow(failAt);
      const handle = flow.start({ order: "o-1" });
      let seen = 0;
      handle.actor.subscribe((snapshot) => {
        const expected = handle.actor.getPersistedSnapshot();
        expect(persistedSnapshot(snapshot)).toEqual(expected);
        // As stored: the same JSON text, key for key.
        expect(JSON.stringify(persistedSnapshot(snapshot))).toBe(JSON.stringify(expected));
        seen++;
      });
      const result = await handle.result;
      expect(result.status).toBe(failAt ? "failed" : "completed");
      expect(seen).toBeGreaterThan(5);
    }
  });

  it("shares the context itself (no copy), so unchanged parts stay the same objects from save to save", () => {
    const flow = richFlow(null);
    const handle = flow.start({ order: "o-2" });
    const snapshot = handle.actor.getSnapshot();
    expect((persistedSnapshot(snapshot) as { context: unknown }).context).toBe(snapshot.context);
    handle.cancel();
  });
});
