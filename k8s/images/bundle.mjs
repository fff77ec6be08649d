// Bundles the origin's entrypoints (API, worker, webhooks, and the operator tools the worker image carries:
// canary, extract) and their dependencies into dist/ as self-contained ES modules, so the runtime
// images carry Node and a few files, no node_modules.
// Usage (from the repo root): node k8s/images/bundle.mjs <outdir>
import { build } from "esbuild";

const outdir = process.argv[2] ?? "dist/origin";
await build({
  entryPoints: {
    api: "origin-worker/src/api/main.ts",
    worker: "origin-worker/src/worker/main.ts",
    webhooks: "origin-worker/src/webhooks/main.ts",
    canary: "origin-worker/src/cli/canary.ts",
    extract: "origin-worker/src/cli/extract.ts",
  },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // CommonJS dependencies call require(); give the ES module bundle one.
  banner: {
    js: "import { createRequire as __ytt_createRequire } from 'node:module'; const require = __ytt_createRequire(import.meta.url);",
  },
  // Optional native accelerators the libraries try to load and fall back from when absent.
  external: ["bufferutil", "utf-8-validate", "msgpackr-extract"],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
