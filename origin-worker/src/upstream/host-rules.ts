/**
 * Chromium's `--host-resolver-rules` for requests made from Node, so that the worker's own requests
 * go where the browser's go (test-only: the YouTube double under YouTube's real hostnames).
 *
 * Semantics follow Chromium's `net/base/host_mapping_rules.cc`: rules are separated by commas;
 * `MAP <pattern> <host>[:port]` and `EXCLUDE <pattern>` (keywords case-insensitive, patterns
 * lowercased); the first MAP rule whose pattern matches the hostname, or `host:port`, applies,
 * unless any EXCLUDE rule matches the hostname, wherever it stands in the list. Patterns are
 * `base::MatchPattern` globs: `*` any run of characters, `?` one character. Unlike Chromium, which
 * logs and ignores a rule it cannot parse, this parser refuses it: a typo must not quietly send the
 * worker to the real YouTube.
 */

export interface MapRule {
  pattern: string;
  host: string;
  /** Absent: keep the request's port. */
  port?: number;
}

export interface HostRules {
  maps: MapRule[];
  excludes: string[];
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; undefined when malformed. */
function parseHostAndPort(text: string): { host: string; port?: number } | undefined {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return undefined;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return undefined;
    portText = rest ? rest.slice(1) : undefined;
  } else {
    const colon = text.indexOf(":");
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  if (!host) return undefined;
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
  return { host, port: Number(portText) };
}

/** Parses a rule list; throws naming the first rule it cannot read. */
export function parseHostRules(rules: string): HostRules {
  const parsed: HostRules = { maps: [], excludes: [] };
  for (const rule of rules.split(",")) {
    const parts = rule.trim().split(" ").filter(Boolean);
    if (parts.length === 0) continue;
    const keyword = parts[0]?.toLowerCase();
    const pattern = parts[1]?.toLowerCase();
    if (keyword === "exclude" && parts.length === 2 && pattern) {
      parsed.excludes.push(pattern);
      continue;
    }
    const target =
      keyword === "map" && parts.length === 3 && parts[2] ? parseHostAndPort(parts[2]) : undefined;
    if (!pattern || !target) throw new Error(`unreadable host rule: "${rule.trim()}"`);
    parsed.maps.push({ pattern, ...target });
  }
  return parsed;
}

/**
 * Glob match with `*` and `?`, iterative with one backtrack point (the last `*`): O(text × pattern)
 * at worst, never exponential, no regular expression.
 */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let resumeAt = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resumeAt = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resumeAt;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Where a connection to `host:port` really goes under the rules (unchanged when no rule applies). */
export function resolveHost(rules: HostRules, target: HostPort): HostPort {
  const host = target.host.toLowerCase();
  const rule = rules.maps.find(
    (m) => matchPattern(host, m.pattern) || matchPattern(`${host}:${target.port}`, m.pattern),
  );
  if (!rule || rules.excludes.some((pattern) => matchPattern(host, pattern))) return target;
  return { host: rule.host, port: rule.port ?? target.port };
}
