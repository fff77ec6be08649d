/**
 * Where webhooks may go: an `https` URL on port 443 whose host is a public name or a public address.
 * The edge refuses anything else when a job is submitted (INVALID_CALLBACK_URL, details.reason) and
 * the origin's sender checks again, then checks every address the name resolves to when it connects
 * (origin-worker/src/webhooks/guard.ts), so DNS cannot point an accepted name at the cluster.
 *
 * Runs in workerd and Node alike: no node:net. IP literals are judged after the WHATWG URL parser
 * has made them canonical, so every spelling of an IPv4 address (2130706433, 0x7f.1, 0177.0.0.1)
 * arrives here as dotted decimal and IPv6 in its compressed form.
 */

import { ApiError } from "./errors.js";

/** Why an address or URL is refused; stable words, part of the API (details.reason). */
export type AddressClass =
  | "unspecified"
  | "loopback"
  | "private"
  | "cgnat"
  | "link-local"
  | "multicast"
  | "documentation"
  | "reserved";

export type CallbackUrlRefusal =
  | "malformed"
  | "too-long"
  | "not-https"
  | "credentials"
  | "port"
  | "local-name"
  | AddressClass;

export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: CallbackUrlRefusal };

export const MAX_CALLBACK_URL_LENGTH = 2048;

/** [first address, prefix length, class], IANA's special-purpose IPv4 registry as far as it matters here. */
const IPV4_BLOCKS: [string, number, AddressClass][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "cgnat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  // 240/4 holds the limited broadcast address 255.255.255.255 too.
  ["240.0.0.0", 4, "reserved"],
];

/**
 * IPv6 prefixes refused before the rule that only global unicast (2000::/3) may pass. The ones that
 * embed an IPv4 address another router would reach (6to4, Teredo) are refused whole; IPv4-mapped
 * and NAT64 addresses are judged by the IPv4 address they carry (EMBEDDING_V4).
 */
const IPV6_BLOCKS: [string, number, AddressClass][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["64:ff9b:1::", 48, "private"],
  ["2001::", 23, "reserved"],
  ["2001:db8::", 32, "documentation"],
  ["2002::", 16, "reserved"],
  ["3fff::", 20, "documentation"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "private"],
  ["ff00::", 8, "multicast"],
];

/** IPv4-mapped (::ffff:a.b.c.d) and the well-known NAT64 prefix: they reach the IPv4 address inside. */
const EMBEDDING_V4: [string, number][] = [
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
];

/** Names that never mean a public host (RFC 6761, 6762, 8375; .internal per ICANN 2024). */
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan"];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

/** An IPv4 address in dotted decimal as a 32-bit number, or undefined. */
function ipv4Number(address: string): number | undefined {
  const match = IPV4.exec(address);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** An IPv6 address (no brackets, no zone) as its eight 16-bit groups, or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const text = address.toLowerCase();
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups: number[] = [];
    const pieces = part.split(":");
    for (const [i, piece] of pieces.entries()) {
      const v4 = i === pieces.length - 1 ? ipv4Number(piece) : undefined;
      if (v4 !== undefined) groups.push(Math.floor(v4 / 65536), v4 % 65536);
      else if (HEXTET.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return undefined;
    }
    return groups;
  };
  const head = parse(halves[0] ?? "");
  const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function inV4Block(n: number, [first, bits]: [string, number, ...unknown[]]): boolean {
  const base = ipv4Number(first) as number;
  const size = 2 ** (32 - bits);
  return Math.floor(n / size) === Math.floor(base / size);
}

function inV6Block(groups: number[], [first, bits]: [string, number, ...unknown[]]): boolean {
  const base = ipv6Groups(first) as number[];
  for (let i = 0, left = bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[i] as number) & mask) !== ((base[i] as number) & mask)) return false;
  }
  return true;
}

function classifyV4(n: number): AddressClass | "public" {
  return IPV4_BLOCKS.find((block) => inV4Block(n, block))?.[2] ?? "public";
}

function classifyV6(groups: number[]): AddressClass | "public" {
  if (EMBEDDING_V4.some((block) => inV6Block(groups, block))) {
    return classifyV4((groups[6] as number) * 65536 + (groups[7] as number));
  }
  const blocked = IPV6_BLOCKS.find((block) => inV6Block(groups, block));
  if (blocked) return blocked[2];
  // Global unicast is 2000::/3; everything outside it is unassigned or special.
  return ((groups[0] as number) & 0xe000) === 0x2000 ? "public" : "reserved";
}

/**
 * Whether an IP address (IPv4 dotted decimal, or IPv6 with or without brackets) may be connected to:
 * "public", the class that refuses it, or undefined when the text is not an IP address at all.
 * An IPv6 zone (fe80::1%eth0) is never public: zones exist only for link-local addresses.
 */
export function classifyAddress(address: string): AddressClass | "public" | undefined {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const v4 = ipv4Number(bare);
  if (v4 !== undefined) return classifyV4(v4);
  if (!bare.includes(":")) return undefined;
  if (bare.includes("%")) return "link-local";
  const groups = ipv6Groups(bare);
  return groups ? classifyV6(groups) : undefined;
}

/** Whether a host name (not an IP literal) can only be a local one: localhost, single labels, local suffixes. */
function isLocalName(hostname: string): boolean {
  const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (name === "localhost" || !name.includes(".")) return true;
  return LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * Whether a callback URL may be submitted: syntax, scheme, port, no credentials, and a host that is
 * neither a local name nor a non-public address. A public-looking name is checked again, after DNS,
 * by the sender.
 */
export function checkCallbackUrl(value: string): CallbackUrlCheck {
  if (value.length > MAX_CALLBACK_URL_LENGTH) return { ok: false, reason: "too-long" };
  if (!URL.canParse(value)) return { ok: false, reason: "malformed" };
  const url = new URL(value);
  if (url.protocol !== "https:") return { ok: false, reason: "not-https" };
  if (url.username || url.password) return { ok: false, reason: "credentials" };
  // Egress to receivers is opened on 443 only (k8s NetworkPolicy origin-webhooks-egress-internet-https).
  if (url.port !== "") return { ok: false, reason: "port" };
  const address = classifyAddress(url.hostname);
  if (address !== undefined) return address === "public" ? { ok: true, url } : { ok: false, reason: address };
  if (isLocalName(url.hostname)) return { ok: false, reason: "local-name" };
  return { ok: true, url };
}

/** The callback URL a request names, as the WHATWG parser writes it; INVALID_CALLBACK_URL saying why not. */
export function callbackUrlOf(value: string): string {
  const check = checkCallbackUrl(value);
  if (!check.ok) throw new ApiError("INVALID_CALLBACK_URL", { details: { reason: check.reason } });
  return check.url.href;
}
