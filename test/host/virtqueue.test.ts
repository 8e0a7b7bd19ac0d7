// The split virtqueue's event-index rule (virtio 1.2 §2.7.10): moving an index
// from `old` to `now` crosses the other side's `event` exactly when
// event ∈ [old, now) in 16-bit wrapping arithmetic — checked against that
// definition over random and wrapping cases; and the MSI message address.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { boot } from "./fakehal.ts";
import { random } from "./random.ts";

const { k } = boot();

/** The definition: `event` is one of old, old+1, …, now-1 (mod 2^16). */
function crosses(event: number, now: number, old: number): boolean {
  for (let i = old; i !== now; i = (i + 1) & 0xffff) if (i === event) return true;
  return false;
}

test("a doorbell or interrupt is wanted exactly when the index passes the event", () => {
  const cases: [number, number, number][] = [
    [0, 1, 0], [0, 0, 0], [5, 5, 5], [4, 8, 5], [5, 8, 5], [7, 8, 5], [8, 8, 5],
    [0xffff, 2, 0xfffe], [0, 2, 0xfffe], [1, 2, 0xfffe], [2, 2, 0xfffe], [0xfffd, 2, 0xfffe],
  ];
  const next = random(0x5eed);
  for (let i = 0; i < 2000; i++) {
    const int = (n: number) => Math.floor(next() * n);
    const old = int(0x10000);
    const now = (old + int(300)) & 0xffff;
    const event = (old + int(600) - 150) & 0xffff;
    cases.push([event, now, old]);
  }
  for (const [event, now, old] of cases) {
    assert.is(k.virtqueuePasses(event, now, old) === 1, crosses(event, now, old), `event ${event} now ${now} old ${old}`);
  }
});

test("an MSI message reaches the local APIC window with the destination in bits 19:12", () => {
  assert.is(k.msiMessageAddress(0) >>> 0, 0xfee0_0000);
  assert.is(k.msiMessageAddress(3) >>> 0, 0xfee0_3000);
  assert.is(k.msiMessageAddress(0xff) >>> 0, 0xfeef_f000);
});

test.run();
