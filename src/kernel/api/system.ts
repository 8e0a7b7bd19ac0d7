// system.ts — the API's answers about the machine as a whole: /health,
// /api/system, /api/boot/log (the retained kernel log), /api/net.
import * as bootinfo from "../bootinfo";
import * as clock from "../clock";
import * as log from "../log";
import * as mem from "../memory";
import * as net from "../net";
import * as smp from "../platform/smp";
import { VERSION } from "../version";

const NANOS_PER_MILLI: u64 = 1_000_000;
const LOG_LIMIT: u32 = 96 * 1024;              // escaped bytes of log per answer: the newest part that fits

export function health(): u32 {
  net.http.json.objectBegin();
  net.http.json.fieldString("status", "ok");
  net.http.json.objectEnd();
  return 200;
}

export function describe(): u32 {
  net.http.json.objectBegin();
  net.http.json.fieldString("name", "AIOS");
  net.http.json.fieldString("version", VERSION);
  net.http.json.fieldString("boot", bootinfo.info.protocolName());
  net.http.json.fieldUnsigned("uptime_ms", clock.nanoseconds() / NANOS_PER_MILLI);
  net.http.json.fieldUnsigned("cpus", smp.onlineCpus());
  net.http.json.key("memory");
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("total_bytes", bootinfo.memorymap.usableBytes());
  net.http.json.fieldUnsigned("free_bytes", mem.freeBytes());
  net.http.json.objectEnd();
  net.http.json.objectEnd();
  return 200;
}

export function bootLog(): u32 {
  const size = log.ringSize();
  let escaped: u32 = 0;
  for (let i: u32 = 0; i < size; i++) escaped += net.http.json.escapedSize(<u32>log.ringByte(i));
  let start: u32 = 0;
  while (escaped > LOG_LIMIT && start < size) { escaped -= net.http.json.escapedSize(<u32>log.ringByte(start)); start++; }
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("bytes", size - start);
  net.http.json.fieldBoolean("truncated", start > 0 || log.ringTotal() > <u64>size);
  net.http.json.key("log");
  net.http.json.stringOpen();
  for (let i = start; i < size; i++) net.http.json.stringByte(<u32>log.ringByte(i));
  net.http.json.stringClose();
  net.http.json.objectEnd();
  return 200;
}


export function network(): u32 {
  net.http.json.objectBegin();
  net.http.json.key("address"); net.http.json.ipv4(net.iface.ip());
  net.http.json.key("netmask"); net.http.json.ipv4(net.iface.mask());
  net.http.json.key("router"); net.http.json.ipv4(net.iface.gateway());
  net.http.json.key("dns"); net.http.json.ipv4(net.iface.dns());
  net.http.json.key("mac"); net.http.json.hexString(net.iface.macAddress(), 6);
  net.http.json.key("routes");
  net.http.json.arrayBegin();
  for (let i = 0; i < net.routes.MAX_ROUTES; i++) {
    if (!net.routes.inUse(i)) continue;
    net.http.json.objectBegin();
    net.http.json.key("destination"); net.http.json.ipv4(net.routes.destinationAt(i));
    net.http.json.key("netmask"); net.http.json.ipv4(net.routes.maskAt(i));
    net.http.json.key("gateway");
    if (net.routes.gatewayAt(i) == net.routes.ON_LINK) net.http.json.nullValue(); else net.http.json.ipv4(net.routes.gatewayAt(i));
    net.http.json.fieldUnsigned("metric", net.routes.metricAt(i));
    net.http.json.objectEnd();
  }
  net.http.json.arrayEnd();
  net.http.json.fieldUnsigned("frames_in", net.iface.received());
  net.http.json.fieldUnsigned("frames_out", net.iface.sent());
  net.http.json.key("tcp");
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("segments_in", net.tcp.input.segmentsReceived());
  net.http.json.fieldUnsigned("segments_out", net.tcp.output.segmentsSent());
  net.http.json.fieldUnsigned("retransmissions", net.tcp.output.retransmissions());
  net.http.json.fieldUnsigned("resets_out", net.tcp.output.resetsSent());
  net.http.json.fieldUnsigned("malformed", net.tcp.input.malformedCount());
  net.http.json.fieldUnsigned("checksum_errors", net.tcp.input.checksumErrors());
  net.http.json.fieldUnsigned("opened", net.tcp.listeners.openedCount());
  net.http.json.fieldUnsigned("ended", net.tcp.listeners.endedCount());
  net.http.json.fieldSigned("established", net.tcp.countIn(net.tcp.connection.State.Established));
  net.http.json.fieldSigned("half_open", net.tcp.listeners.halfOpenCount());
  net.http.json.fieldUnsigned("half_open_dropped", net.tcp.listeners.halfOpenDroppedCount());
  net.http.json.fieldSigned("time_wait", net.tcp.countIn(net.tcp.connection.State.TimeWait));
  net.http.json.fieldUnsigned("buffers_in_use", net.tcp.buffers.blocksInUse());
  net.http.json.fieldUnsigned("buffers_made", net.tcp.buffers.blocksMade());
  net.http.json.fieldUnsigned("unmatched", net.tcp.input.unmatchedCount());
  net.http.json.fieldUnsigned("out_of_order", net.tcp.input.outOfOrderCount());
  net.http.json.fieldUnsigned("challenge_acks", net.tcp.input.challengeAckCount());
  net.http.json.fieldUnsigned("timeouts", net.tcp.timeoutCount());
  net.http.json.fieldUnsigned("table_full", net.tcp.listeners.tableFullCount());
  net.http.json.fieldUnsigned("time_wait_recycled", net.tcp.listeners.timeWaitRecycledCount());
  net.http.json.objectEnd();
  net.http.json.key("http");
  net.http.json.objectBegin();
  net.http.json.fieldUnsigned("requests", net.http.server.requestsServed());
  net.http.json.fieldUnsigned("client_errors", net.http.server.clientErrorCount());
  net.http.json.objectEnd();
  net.http.json.objectEnd();
  return 200;
}
