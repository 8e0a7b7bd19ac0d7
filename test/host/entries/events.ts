// Test exports for the event bus (src/kernel/events/bus.ts) over real endpoints.
import * as bus from "../../../src/kernel/events/bus";
import { endpoints } from "../../../src/kernel/ipc";
import { DIRECT_MAP_BASE } from "../../../src/kernel/memory/layout";

export function busPublish(topic: i32, kind: u32, subject: u64, detail: u64): u32 { return bus.publish(<bus.Topic>topic, kind, subject, detail); }
export function busPublishRetained(topic: i32, kind: u32, subject: u64, detail: u64): u32 { return bus.publishRetained(<bus.Topic>topic, kind, subject, detail); }
export function busSubscribe(topic: i32, endpoint: i32): i32 { return bus.subscribe(topic, endpoint); }
export function busUnsubscribe(topic: i32, endpoint: i32): i32 { return bus.unsubscribe(topic, endpoint); }
export function busMissed(): u64 { return bus.missedEvents(); }
export function endpointCreate(): i32 { return endpoints.create(); }
/** Receives one message into physical memory at `physical`: its length or -Errno. */
export function endpointReceive(e: i32, physical: u64): i64 { return endpoints.receive(e, DIRECT_MAP_BASE + physical, 64, endpoints.Wait.NoWait); }
