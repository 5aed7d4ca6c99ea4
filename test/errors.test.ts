import { describe, expect, it } from "vitest";
import { create, NonRetryableError, StoreError } from "orchestrix";

describe("errors in JSON", () => {
  it("keep their name, code, message, flow, step and a summary of the cause", () => {
    const cause = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    const error = new StoreError("Could not write to the store", { flow: "payment-saga", step: "charge", cause });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "StoreError",
      code: "STORE_FAILED",
      message: "Could not write to the store",
      flow: "payment-saga",
      step: "charge",
      cause: { name: "Error", message: "connection refused", code: "ECONNREFUSED" },
    });
    expect(JSON.parse(JSON.stringify(new NonRetryableError("declined", { cause: "a string" })))).toEqual({
      name: "NonRetryableError",
      code: "NON_RETRYABLE",
      message: "declined",
      cause: "a string",
    });
  });

  it("a failed run's error serializes with its message", async () => {
    const flow = create("declines").step("charge", () => {
      throw new NonRetryableError("card declined");
    });
    const result = await flow.run(null);
    expect(result.status).toBe("failed");
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ error: { name: "NonRetryableError", code: "NON_RETRYABLE", message: "card declined" } });
  });
});
