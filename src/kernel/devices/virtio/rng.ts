// rng.ts — the virtio entropy device (virtio spec 1.2 §5.4): one queue into which
// the driver posts empty buffers and the device fills them with random bytes.
// An entropy source for the DRBG that issue 9 brings; polled.
import { Errno } from "../../../abi";
import { cpu } from "../../../hal";
import { frames } from "../../memory";
import { DIRECT_MAP_BASE } from "../../memory/layout";
import * as line from "../../line";
import * as log from "../../log";
import * as dma from "../dma";
import * as registry from "../registry";
import * as transport from "./transport";
import * as virtqueue from "./virtqueue";

const DEVICE_RNG_TRANSITIONAL: u16 = 0x1005;
const DEVICE_RNG_MODERN: u16 = 0x1044;
const DRIVER_ID: i32 = 1;
const BUFFER_BYTES: u32 = 64;

const device = changetype<transport.Device>(memory.data(offsetof<transport.Device>()));
const queue = changetype<virtqueue.Queue>(memory.data(offsetof<virtqueue.Queue>()));
let buffer: u64 = 0;           // physical
let bufferBus: u64 = 0;        // the same frame as the device addresses it (dma.map)
let present = false;

function refuse(index: i32, why: string, result: Errno): Errno { return transport.refuse("virtio-rng", index, why, result); }

/** Binds the first virtio-rng device, if any; Errno.NotFound without one. */
export function init(): Errno {
  const index = transport.locate(DEVICE_RNG_MODERN, DEVICE_RNG_TRANSITIONAL);
  if (index < 0) return Errno.NotFound;
  if (!registry.claim(index, DRIVER_ID)) return Errno.NotReady;
  if (transport.find(index, device) != Errno.Ok) return refuse(index, "no virtio 1.x structures in its BARs", Errno.NotSupported);
  const begun = transport.begin(device, 0);
  if (begun != Errno.Ok) return refuse(index, "the device did not reset or accept VERSION_1", begun);
  const created = virtqueue.create(device, 0, queue);
  if (created != Errno.Ok) return refuse(index, "its queue is missing or of size 0", created);
  buffer = frames.alloc(0, frames.Owner.Kernel);
  if (buffer == 0) return Errno.ResourceExhausted;
  bufferBus = dma.map(index, buffer, frames.FRAME_SIZE, true);   // the device fills it
  if (bufferBus == dma.MAP_FAILED) return refuse(index, "its buffer could not be mapped for DMA", Errno.ResourceExhausted);
  transport.ready(device);
  present = true;
  log.begin(log.Level.Info);
  line.text("virtio-rng: ");
  registry.appendAddress(index);
  line.text(" ready, queue of ");
  line.decimal(queue.size);
  log.end();
  return Errno.Ok;
}

export function available(): bool { return present; }

/** Fills `length` bytes at linear-memory `destination` with device entropy; the
 *  number of bytes written, or -Errno. */
export function read(destination: usize, length: u32): i64 {
  if (!present) return -(<i64>Errno.NotReady);
  let done: u32 = 0;
  while (done < length) {
    const want = length - done < BUFFER_BYTES ? length - done : BUFFER_BYTES;
    virtqueue.post(queue, bufferBus, want, virtqueue.DESC_WRITE);
    const got = virtqueue.waitUsed(queue);
    if (got < 0) return got;
    const n = <u32>got < want ? <u32>got : want;
    for (let i: u32 = 0; i < n; i++) store<u8>(destination + <usize>(done + i), cpu.load8(DIRECT_MAP_BASE + buffer + <u64>i));
    done += n;
  }
  return <i64>done;
}
