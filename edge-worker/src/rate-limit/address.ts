const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[\da-f]{1,4}$/i;
/** The longest textual IPv6 address (with an IPv4 tail) is 45 characters. */
const MAX_ADDRESS_LENGTH = 45;

function ipv4Octets(text: string): number[] | undefined {
  const octets = IPV4.exec(text)?.slice(1).map(Number);
  return octets?.every((o) => o <= 255) ? octets : undefined;
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 tail is allowed only at the very end (`last`). */
function groupsOf(part: string, last: boolean): number[] | undefined {
  if (part === "") return [];
  const texts = part.split(":");
  const groups: number[] = [];
  for (const [i, text] of texts.entries()) {
    const octets = last && i === texts.length - 1 ? ipv4Octets(text) : undefined;
    if (octets)
      groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    else if (HEXTET.test(text)) groups.push(Number.parseInt(text, 16));
    else return undefined;
  }
  return groups;
}

/** The eight groups of an IPv6 address in any textual form (`::`, leading zeros, IPv4 tail), else undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head = "", tail] = halves;
  const left = groupsOf(head, tail === undefined);
  const right = tail === undefined ? [] : groupsOf(tail, true);
  if (!left || !right) return undefined;
  if (tail === undefined) return left.length === 8 ? left : undefined;
  const zeros = 8 - left.length - right.length;
  return zeros >= 1 ? [...left, ...Array<number>(zeros).fill(0), ...right] : undefined;
}

/**
 * The key per-address limits count under (CF-Connecting-IP): an IPv4 address as it is; an IPv6 address
 * by its /64, the smallest network one customer is given, so rotating through it buys nothing; an
 * IPv4-mapped IPv6 address as its IPv4. Anything else (Cloudflare never sends it) shares "unknown".
 */
export function addressKey(ip: string | undefined): string {
  const text = ip?.trim() ?? "";
  if (text.length > MAX_ADDRESS_LENGTH) return "unknown";
  const octets = ipv4Octets(text);
  if (octets) return octets.join(".");
  const groups = text.includes(":") ? ipv6Groups(text) : undefined;
  if (!groups) return "unknown";
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff)
    return [g >> 8, g & 0xff, h >> 8, h & 0xff].join(".");
  return `${[a, b, c, d].map((n) => n.toString(16)).join(":")}::/64`;
}
