import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Container, find, K8S_DIR, type K8sObject, type Workload, workloads } from "./render.js";

/** A Redis server as the render runs it: its container, its config file's text, and its ACL Secret. */
export interface RedisServer {
  workload: Workload;
  container: Container;
  conf: string;
  /** The value of a redis.conf directive (its last occurrence), undefined when absent. */
  directive(name: string): string | undefined;
  /** The Secret holding the file `aclfile` names, and that file's key in it. */
  acl: { secret: string; key: string } | undefined;
}

/** The volume mounted at `dir` in the container, as the pod spec declares it. */
function volumeAt(w: Workload, c: Container, dir: string) {
  const mount = (c.volumeMounts ?? []).find((m: { mountPath: string }) => m.mountPath === dir);
  return mount && w.podSpec.volumes.find((v: { name: string }) => v.name === mount.name);
}

/** The Redis servers of a render by workload name (`redis`, the queue; `redis-cache`, the result store). */
export function redisServers(objects: K8sObject[]): Record<string, RedisServer> {
  const servers: Record<string, RedisServer> = {};
  for (const w of workloads(objects)) {
    const c = w.containers.find((c: Container) => /^redis:/.test(c.image));
    if (!c) continue;
    // The server's one argument is its config file, from a ConfigMap volume.
    const confPath: string = c.args[0];
    const volume = volumeAt(w, c, dirname(confPath));
    const conf =
      find(objects, "ConfigMap", volume.configMap.name, w.namespace).data?.[basename(confPath)] ?? "";
    const directive = (name: string) =>
      conf
        .split("\n")
        .filter((line) => line.startsWith(`${name} `))
        .at(-1)
        ?.slice(name.length + 1)
        .trim();
    const aclfile = directive("aclfile");
    const aclVolume = aclfile && volumeAt(w, c, dirname(aclfile));
    const item = aclVolume?.secret?.items?.find((i: { path: string }) => i.path === basename(aclfile ?? ""));
    servers[w.object.metadata.name] = {
      workload: w,
      container: c,
      conf,
      directive,
      acl: item && { secret: aclVolume.secret.secretName, key: item.key },
    };
  }
  return servers;
}

/** One `user` line of an ACL file: its name and its rules, in order. */
export interface AclUser {
  name: string;
  rules: string[];
}

/** An ACL template of k8s/redis-acl/ as the operator fills it: comment and blank lines dropped. */
export function aclTemplate(name: "queue" | "cache"): string {
  return readFileSync(join(K8S_DIR, "redis-acl", `${name}.acl`), "utf8");
}

export function aclLines(template: string): string[] {
  return template.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

export function aclUsers(template: string): AclUser[] {
  return aclLines(template).map((line) => {
    const [keyword, name = "", ...rules] = line.trim().split(/\s+/);
    if (keyword !== "user") throw new Error(`not a user line: ${line}`);
    return { name, rules };
  });
}

/** Redis' glob as our key rules use it: `*` for any run of characters, everything else literal. */
export function globMatches(pattern: string, key: string): boolean {
  const [first = "", ...rest] = pattern.split("*");
  if (rest.length === 0) return key === first;
  const last = rest.pop() ?? "";
  if (!key.startsWith(first) || !key.endsWith(last) || key.length < first.length + last.length) return false;
  // The middle parts in order, each as early as it fits (greedy is exact for `*`-only globs).
  let at = first.length;
  for (const part of rest) {
    const found = key.indexOf(part, at);
    if (found < 0 || found + part.length > key.length - last.length) return false;
    at = found + part.length;
  }
  return true;
}
