import { promises as dns, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { type AddressClass, classifyAddress } from "@ytt/shared";

/** A name resolves to an address webhooks may not reach (loopback, private, metadata, ...). */
export class RefusedAddress extends Error {
  constructor(readonly reason: AddressClass) {
    super(`the callback host resolves to a ${reason} address`);
    this.name = "RefusedAddress";
  }
}

/** Every address a name has; tests swap in their own answers (a name pointing at 127.0.0.1). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * The `lookup` of the delivery's socket: it resolves the name once, refuses it when any of its
 * addresses is not public, and hands the socket exactly the addresses it checked. The connection
 * is made to those, so a second answer from DNS (rebinding: public for a check, then 127.0.0.1 for
 * the connect) never comes into play. Node calls no lookup for IP literals: checkCallbackUrl judges
 * those before the request.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const classes = addresses.map((a) => classifyAddress(a.address));
        // some, not find: a non-address classifies as undefined, which find's answer cannot tell
        // from "every address is public".
        if (classes.some((c) => c !== "public")) {
          // No class at all: the resolver answered something that is not an address.
          const reason = classes.find((c): c is AddressClass => c !== "public" && c !== undefined);
          return callback(new RefusedAddress(reason ?? "reserved"), "", 0);
        }
        const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          error.code = "ENOTFOUND";
          return callback(error, "", 0);
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}
