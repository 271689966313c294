// Ends vitest's output with a plain "N passed, N failed" line (CI reads that, not vitest's summary).
export default class CountReporter {
  onTestRunEnd(testModules) {
    let passed = 0;
    let failed = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
      }
      if (module.state() === "failed" && !module.children.size) failed++;
    }
    console.log(`\njs: ${passed} passed, ${failed} failed`);
  }
}
