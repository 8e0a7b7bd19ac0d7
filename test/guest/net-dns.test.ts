// Scenario net-dns: the DNS resolver over QEMU user networking, against a small
// DNS server this test runs on the host (UDP on 127.0.0.1, which the guest
// reaches as slirp's host address 10.0.2.2, named with aios.dns=): deterministic,
// with no outside network. The server answers aios.test with an A record,
// www.aios.test with a CNAME to it, missing.aios.test with NXDOMAIN,
// fail.aios.test with SERVFAIL, and retry.aios.test first with a forged answer
// (wrong id) and nothing else, then properly to the retransmission. It counts
// the queries: the second lookup of aios.test must come from the guest's cache.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { expectOutput, expectStatus, scenario, STATUS_PASS } from "./harness.ts";

function labels(name: string): Buffer {
  return Buffer.concat([...name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

/** The question's name (no compression in queries), its end, or undefined. */
function questionName(query: Buffer): { name: string; end: number } | undefined {
  const parts: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    const size = query[at];
    if (size > 63 || at + 1 + size > query.length) return undefined;
    parts.push(query.toString("latin1", at + 1, at + 1 + size));
    at += 1 + size;
  }
  return { name: parts.join("."), end: at + 1 + 4 };
}

function answer(query: Buffer, rcode: number, records: Buffer[], id = query.readUInt16BE(0)): Buffer {
  const q = questionName(query)!;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, query.subarray(12, q.end), ...records]);
}

function record(name: Buffer, type: number, ttl: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0); fixed.writeUInt16BE(1, 2); fixed.writeUInt32BE(ttl, 4); fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([name, fixed, data]);
}

test("names resolved through a DNS server on the host: A, CNAME, NXDOMAIN, SERVFAIL, a forged answer, the cache", async () => {
  const server = createSocket("udp4");
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  const port = server.address().port;
  const queries = new Map<string, number>();
  server.on("message", (query, from) => {
    const q = questionName(query);
    if (!q) return;
    const seen = (queries.get(q.name) ?? 0) + 1;
    queries.set(q.name, seen);
    const reply = (message: Buffer) => server.send(message, from.port, from.address);
    const question = Buffer.from([0xc0, 12]);
    switch (q.name) {
      case "aios.test": reply(answer(query, 0, [record(question, 1, 300, Buffer.from([192, 0, 2, 77]))])); break;
      case "www.aios.test": {
        // the A record's owner points at the CNAME's rdata: after the question and
        // the CNAME's owner pointer (2 bytes) and fixed fields (10)
        const targetAt = q.end + 12;
        reply(answer(query, 0, [record(question, 5, 300, labels("aios.test")), record(Buffer.from([0xc0, targetAt]), 1, 60, Buffer.from([192, 0, 2, 78]))]));
        break;
      }
      case "missing.aios.test": reply(answer(query, 3, [])); break;
      case "fail.aios.test": reply(answer(query, 2, [])); break;
      case "retry.aios.test":
        if (seen === 1) reply(answer(query, 0, [record(question, 1, 300, Buffer.from([6, 6, 6, 6]))], query.readUInt16BE(0) ^ 0x5555));
        else reply(answer(query, 0, [record(question, 1, 300, Buffer.from([192, 0, 2, 79]))]));
        break;
    }
  });
  try {
    const result = await scenario("net-dns", "pvh", {
      append: `aios.dns=10.0.2.2:${port}`,
      extra: ["-nic", "none", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"],
    });
    expectStatus(result, STATUS_PASS);
    expectOutput(result, /AIOS net dns plain=192\.0\.2\.77 again=192\.0\.2\.77 alias=192\.0\.2\.78 missing=errno4 failing=errno18 retry=192\.0\.2\.79 cache_hits=1 ignored=[1-9]/);
    assert.is(queries.get("aios.test"), 1, "the second lookup came from the cache");
    assert.is(queries.get("retry.aios.test"), 2, "a retransmission after the forged answer");
  } finally {
    server.close();
  }
});

test.run();
