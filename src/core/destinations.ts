/** The SSRF guard: which destinations webhooks may be sent to, checked on stored URLs and on every connection. */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Config } from '../config';

/**
 * Where webhooks may not go unless an operator opens a range: loopback, private, link-local (cloud
 * metadata at 169.254.169.254 included), CGNAT, "this network", multicast, broadcast, and their IPv6
 * counterparts (loopback, link-local, unique local, multicast, NAT64), and IPv4-mapped IPv6.
 */
const BLOCKED_RANGES: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

export class DestinationBlockedError extends Error {
  override readonly name = 'DestinationBlockedError';
  readonly code = 'EDESTINATIONBLOCKED';
}

export class InvalidCidrError extends Error {
  override readonly name = 'InvalidCidrError';
}

export interface DestinationGuard {
  /** Whether a resolved address may be connected to. */
  isAllowedAddress(address: string): boolean;
  /**
   * Checks a URL before it is stored: the scheme, names that always mean this host, and literal
   * addresses in every spelling the URL parser accepts (127.1, 2130706433, 0x7f000001, [::ffff:…]).
   * Returns a reason when refused.
   */
  checkUrl(url: string): string | undefined;
  /** A `lookup` for net/tls connect: resolves, then refuses when any address is blocked (no rebinding window). */
  lookup: typeof dnsLookup;
}

/** `allowedCidrs`: ranges an operator opens, e.g. ["127.0.0.0/8"] for local receivers. */
export function createDestinationGuard(options: { allowedCidrs: readonly string[]; requireHttps: boolean }): DestinationGuard {
  const blocked = new BlockList();
  for (const [network, prefix, type] of BLOCKED_RANGES) blocked.addSubnet(network, prefix, type);
  const allowed = new BlockList();
  for (const cidr of options.allowedCidrs) {
    const [network, prefixText] = cidr.split('/');
    const type = isIP(network ?? '');
    const prefix = Number(prefixText);
    if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > (type === 4 ? 32 : 128)) throw new InvalidCidrError(`not a CIDR range: "${cidr}"`);
    allowed.addSubnet(network!, prefix, type === 4 ? 'ipv4' : 'ipv6');
  }

  // IPv4-mapped IPv6 (::ffff:a.b.c.d in any spelling) is refused unless an opened range covers the
  // IPv4 address it carries; BlockList matches mapped addresses against IPv4 ranges itself.
  const mapped = new BlockList();
  mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

  const isAllowedAddress = (address: string): boolean => {
    const ip = address.replace(/^\[|\]$/g, '');
    const family = isIP(ip);
    if (family === 4) return !blocked.check(ip, 'ipv4') || allowed.check(ip, 'ipv4');
    if (family !== 6) return false;
    if (mapped.check(ip, 'ipv6')) return allowed.check(ip, 'ipv6');
    return !blocked.check(ip, 'ipv6') || allowed.check(ip, 'ipv6');
  };

  const lookup = ((hostname: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (error: Error | null, address: string | LookupAddress[], family?: number) => void;
    const wanted = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean; family?: number };
    dnsLookup(hostname, { all: true, family: wanted.family ?? 0 }, (error, addresses) => {
      if (error) return done(error, []);
      const refused = addresses.find((entry) => !isAllowedAddress(entry.address));
      if (refused) return done(new DestinationBlockedError(`${hostname} resolves to ${refused.address}, a blocked address`), []);
      if (wanted.all) return done(null, addresses);
      const [first] = addresses;
      if (!first) return done(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      done(null, first.address, first.family);
    });
  }) as typeof dnsLookup;

  return {
    isAllowedAddress,
    lookup,
    checkUrl(text) {
      if (!URL.canParse(text)) return 'is not a URL';
      const url = new URL(text);
      if (options.requireHttps && url.protocol !== 'https:') return 'must use https';
      const host = url.hostname.replace(/\.$/, '').toLowerCase();
      if (host === 'localhost' || host.endsWith('.localhost')) {
        return allowed.check('127.0.0.1', 'ipv4') ? undefined : 'points at this host (localhost)';
      }
      const literal = host.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !isAllowedAddress(literal)) return `points at a blocked address (${literal})`;
      return undefined;
    },
  };
}

/** The guard the configuration asks for; the API checks URLs with it, the worker connects through it. */
export function destinationGuardFor(config: Pick<Config, 'ALLOWED_PRIVATE_CIDRS' | 'REQUIRE_HTTPS'>): DestinationGuard {
  return createDestinationGuard({ allowedCidrs: config.ALLOWED_PRIVATE_CIDRS, requireHttps: config.REQUIRE_HTTPS });
}
