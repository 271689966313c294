import { describe, expect, it } from "vitest";
import { count } from "../src/format";
import { mountPage } from "../src/page_view";
import { FakeModel } from "./fake_model";

describe("counts", () => {
  it("reads numbers the English way", () => {
    expect(count(12345)).toBe("12,345");
    expect(count(0)).toBe("0");
  });

  it("draws a dash, not an error, for a count the kernel has not sent yet", () => {
    expect(count(undefined)).toBe("—");
    expect(count(null)).toBe("—");
    expect(count(Number.NaN)).toBe("—");
  });

  it("a page drawn from a half-filled progress (the home going back to its list) does not throw", () => {
    const model = new FakeModel({ total: 0, _progress: {} as never });
    const el = document.createElement("div");
    document.body.append(el);
    const dispose = mountPage(model as never, el);
    expect(el.textContent).toContain("—");
    dispose();
  });
});
