// virtio — the virtio 1.x PCI transport and split virtqueues shared by every
// virtio driver, and the drivers: rng so far.
import * as blk from "./blk";
import * as rng from "./rng";
import * as transport from "./transport";
import * as virtqueue from "./virtqueue";
export { blk, rng, transport, virtqueue };
