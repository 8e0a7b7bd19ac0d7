// netdns.ts — guest scenario net-dns: over QEMU user networking, a DHCP lease,
// then names resolved through the server aios.dns= names (the guest test runs a
// small DNS server on the host, reached at slirp's host address 10.0.2.2): an
// address (twice: the second from the cache), a CNAME to an address, a name
// that does not exist (NotFound), a server failure (DeviceError), and a name
// whose first query the server ignores after answering with a wrong id (the
// forged answer is ignored, the retransmission answered).
import { Errno } from "../../abi";
import * as line from "../line";
import * as log from "../log";
import * as net from "../net";

const NAME_PLAIN = "aios.test";
const NAME_ALIAS = "www.aios.test";
const NAME_MISSING = "missing.aios.test";
const NAME_FAILING = "fail.aios.test";
const NAME_RETRY = "retry.aios.test";
const nameBuffer = memory.data(64);

function resolveAndReport(label: string, name: string): Errno {
  for (let i = 0; i < name.length; i++) store<u8>(nameBuffer + <usize>i, <u8>name.charCodeAt(i));
  const result = net.dns.resolve(nameBuffer, <u32>name.length, net.stack.pump);
  line.text(" ");
  line.text(label);
  line.text("=");
  if (result == Errno.Ok) net.stack.appendIp(net.dns.address());
  else { line.text("errno"); line.decimal(<u32>result); }
  return result;
}

export function dnsLookups(): bool {
  if (net.stack.init() != Errno.Ok) return false;
  if (net.stack.configureByDhcp() != Errno.Ok) return false;
  line.reset();
  line.text("AIOS net dns");
  const plain = resolveAndReport("plain", NAME_PLAIN);
  const again = resolveAndReport("again", NAME_PLAIN);
  const alias = resolveAndReport("alias", NAME_ALIAS);
  const missing = resolveAndReport("missing", NAME_MISSING);
  const failing = resolveAndReport("failing", NAME_FAILING);
  const retry = resolveAndReport("retry", NAME_RETRY);
  line.text(" cache_hits=");
  line.decimal(net.dns.cacheHitCount());
  line.text(" ignored=");
  line.decimal(net.dns.ignoredCount());
  log.publish();
  return plain == Errno.Ok && again == Errno.Ok && alias == Errno.Ok && missing == Errno.NotFound
    && failing == Errno.DeviceError && retry == Errno.Ok && net.dns.cacheHitCount() == 1;
}
