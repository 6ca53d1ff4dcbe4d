import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // Not for e2e/kind: a cluster a test starts would outlive its file's TMPDIR.
          setupFiles: ["test/tmpdir-setup.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          // One real cluster: e2e files must not run concurrently.
          fileParallelism: false,
          testTimeout: 15 * 60_000,
          hookTimeout: 15 * 60_000,
        },
      },
      {
        test: {
          name: "kind",
          include: ["test/kind/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 20 * 60_000,
          hookTimeout: 10 * 60_000,
        },
      },
    ],
  },
});
