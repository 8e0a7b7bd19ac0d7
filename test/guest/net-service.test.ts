// Scenario net-service-http: the hello service, an agent on the service plane
// built on src/lib/http, listens on port 9001 through its NetworkPort capability.
// From the host: GET /health with curl; a JSON POST answered from its body; a
// body that is not JSON refused with 400; a chunked JSON body; three requests on
// one kept-alive connection; two connections served at once; 404 and 405; a
// garbage request answered 400. The service counts twelve answers and returns.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { expectStatus, expectOutput, scenario, STATUS_PASS } from "./harness.ts";
import { fetchReply, freePort, rawExchange } from "./httpclient.ts";

test("a service answers HTTP/JSON on its port: keep-alive, chunked and JSON bodies, errors, two connections at once", async () => {
  const port = await freePort();
  const failures: string[] = [];
  let work: Promise<void> | undefined;
  const result = await scenario("net-service-http", "pvh", {
    append: "aios.net=on", timeoutMs: 90_000,
    extra: ["-nic", "none", "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:9001`, "-device", "virtio-net-pci,netdev=n0"],
    watch: (output) => {
      if (!work && /AIOS net service ready/.test(output)) {
        work = (async () => {
          const check = (ok: boolean, what: string) => { if (!ok) failures.push(what); };
          const curl = (args: string[], input?: string) => execFileSync("curl", ["-s", "-m", "10", ...args], { input }).toString();
          const health = JSON.parse(curl([`http://127.0.0.1:${port}/health`]));                                             // 1
          check(health.status === "ok" && health.service === "hello", `health: ${JSON.stringify(health)}`);
          const greet = JSON.parse(curl(["-H", "Content-Type: application/json", "-d", '{"name":"ada","extra":[1,2,{"x":null}]}', `http://127.0.0.1:${port}/greet`]));   // 2
          check(greet.greeting === "hello, ada" && greet.greeted === 1, `greet: ${JSON.stringify(greet)}`);
          const notJson = curl(["-w", "%{http_code}", "-o", "/dev/null", "-H", "Content-Type: application/json", "-d", '{"name":', `http://127.0.0.1:${port}/greet`]);   // 3
          check(notJson === "400", `not JSON: ${notJson}`);
          const chunked = JSON.parse(curl(["-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", `http://127.0.0.1:${port}/greet`], '{"name": "grace"}'));   // 4
          check(chunked.greeting === "hello, grace", `chunked: ${JSON.stringify(chunked)}`);
          const kept = await rawExchange(port, "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /stats HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");   // 5, 6, 7
          check((kept.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && /"greeted":2/.test(kept), `kept-alive: ${kept.slice(0, 400)}`);
          const both = await Promise.all([fetchReply(port, "/health"), fetchReply(port, "/health")]);                              // 8, 9
          check(both.every((r) => r.status === 200), `two at once: ${both.map((r) => r.status)}`);
          check((await fetchReply(port, "/nowhere")).status === 404, "404");                                                    // 10
          check((await fetchReply(port, "/health", { method: "PUT", body: Buffer.from("x") })).status === 405, "405");          // 11
          check(/^HTTP\/1\.1 400 /.test(await rawExchange(port, "NOT HTTP AT ALL\r\n\r\n")), "garbage is 400");                // 12
        })().catch((e) => { failures.push(String(e)); });
      }
    },
  });
  await work;
  assert.equal(failures, []);
  expectStatus(result, STATUS_PASS);
  expectOutput(result, /AIOS net service done served=12/);
});

test.run();
