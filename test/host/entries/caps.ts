// Test exports for the capability system (src/kernel/caps/): thin wrappers, and
// the memory pools the quotas charge (src/kernel/memory/pools.ts).
import * as caps from "../../../src/kernel/caps";
import { pools } from "../../../src/kernel/memory";
import * as syscalls from "../../../src/kernel/syscalls";
import * as agents from "../../../src/kernel/agents";

export function capsInit(): void { caps.init(); pools.init(); }
export function capsOpenAgent(agent: i32, now: u64): i32 { return caps.openAgent(agent, now); }
export function capsCloseAgent(agent: i32): i32 { return caps.closeAgent(agent); }
export function capsCreateRoot(agent: i32, kind: i32, object: u64, rights: u32, expiry: u64, now: u64): i32 { return caps.createRoot(agent, kind, object, rights, expiry, now); }
export function capsCheck(agent: i32, handle: u32, kind: i32, rights: u32, now: u64): i32 { return caps.check(agent, handle, kind, rights, now); }
export function capsCheckFast(agent: i32, handle: u32, kind: i32, rights: u32): i32 { return caps.checkFast(agent, handle, kind, rights); }
export function capsDuplicate(agent: i32, handle: u32, now: u64): i32 { return caps.duplicate(agent, handle, now); }
export function capsAttenuate(agent: i32, handle: u32, rights: u32, expiry: u64, now: u64): i32 { return caps.attenuate(agent, handle, rights, expiry, now); }
export function capsGrant(agent: i32, handle: u32, target: i32, rights: u32, expiry: u64, now: u64): i32 { return caps.grant(agent, handle, target, rights, expiry, now); }
export function capsRevoke(agent: i32, handle: u32, now: u64): i32 { return caps.revoke(agent, handle, now); }
export function capsRevokeDerived(agent: i32, handle: u32, now: u64): i32 { return caps.revokeDerived(agent, handle, now); }
export function capsRevokeObject(kind: i32, object: u64): i32 { return caps.revokeObject(kind, object); }
export function capsReap(now: u64): i32 { return caps.reap(now); }
export function capsDrop(agent: i32, handle: u32): i32 { return caps.drop(agent, handle); }
export function capsDescribe(agent: i32, handle: u32, into: usize): i32 { return caps.describe(agent, handle, into); }
export function capsObjectAt(index: i32): u64 { return caps.objectAt(index); }
export function capsVerify(): i32 { return caps.verify(); }
export function capsCount(): i32 { return caps.capabilityCount(); }
export function capsHandleCount(agent: i32): i32 { return caps.handleCount(agent); }
export function capsRightsAll(): u32 { return caps.RIGHTS_ALL; }

// ---- quotas and groups
export function capsPoolCreate(quotaPages: u64): i32 { return pools.create(quotaPages); }
export function capsPoolCommitted(pool: i32): u64 { return pools.committedPages(pool); }
export function capsSetPool(agent: i32, pool: i32): i32 { return caps.quota.setPool(agent, pool); }
export function capsSetCpuWeight(agent: i32, weight: u32): i32 { return caps.quota.setCpuWeight(agent, weight); }
export function capsCpuWeight(agent: i32): u32 { return caps.quota.cpuWeight(agent); }
export function capsSetIpcRate(agent: i32, rate: u32, burst: u32, now: u64): i32 { return caps.quota.setIpcRate(agent, rate, burst, now); }
export function capsTakeMessage(agent: i32, now: u64): i32 { return caps.quota.takeMessage(agent, now); }
export function capsMessagesAvailable(agent: i32, now: u64): u32 { return caps.quota.messagesAvailable(agent, now); }
export function capsChargeMemory(agent: i32, pages: u64): i32 { return caps.quota.chargeMemory(agent, pages); }
export function capsReleaseMemory(agent: i32, pages: u64): i32 { return caps.quota.releaseMemory(agent, pages); }
export function capsMemoryCharged(agent: i32): u64 { return caps.quota.memoryCharged(agent); }
export function capsJoinGroup(agent: i32, group: i32): i32 { return caps.quota.joinGroup(agent, group); }
export function capsLeaveGroup(agent: i32): i32 { return caps.quota.leaveGroup(agent); }
export function capsGroupOf(agent: i32): i32 { return caps.quota.groupOf(agent); }
export function capsGroupCreate(memoryPages: u64, cpuWeight: u32, ipcRate: u32, ipcBurst: u32, now: u64): i32 { return caps.groups.create(memoryPages, cpuWeight, ipcRate, ipcBurst, now); }
export function capsGroupDestroy(group: i32): i32 { return caps.groups.destroy(group); }
export function capsGroupMemoryUsed(group: i32): u64 { return caps.groups.memoryUsedBy(group); }
export function capsGroupCpuUsed(group: i32): u32 { return caps.groups.cpuUsedBy(group); }
export function capsGroupMembers(group: i32): u32 { return caps.groups.memberCount(group); }
export function capsGroupMessagesAvailable(group: i32, now: u64): u32 { return caps.groups.messagesAvailable(group, now); }

// ---- the lock-free check (caps/version.ts, syscalls.capCheckUnlocked)
export function capsVersion(): u32 { return caps.versionNow(); }
export function capsStrayStores(): u32 { return caps.strayStores(); }
export function capsBindInstance(agent: i32, instance: u32): void { agents.registry.setInstance(agent, instance); }
export function capsCheckUnlocked(instance: u32, handle: u32, rights: u32): u32 { return syscalls.capCheckUnlocked(instance, handle, rights); }
