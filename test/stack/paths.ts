import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const STACK_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(STACK_DIR, "..", "..");
export const EDGE_DIR = join(REPO_ROOT, "edge-worker");
export const ORIGIN_DIR = join(REPO_ROOT, "origin-worker");
export const DOUBLE_DIR = join(REPO_ROOT, "test", "youtube-double");
/** Every run's state lives under here (git-ignored). */
export const STATE_ROOT = join(REPO_ROOT, "test", ".stack");

/** The parent's environment with overrides, the pinned toolchain first on PATH (wrangler needs Node ≥ 22). */
export function nodeEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const path = [join(REPO_ROOT, ".tools", "bin"), dirname(process.execPath), process.env.PATH].join(":");
  return { ...process.env, PATH: path, ...overrides };
}
