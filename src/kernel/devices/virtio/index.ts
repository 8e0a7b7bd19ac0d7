// virtio — the virtio 1.x PCI transport and split virtqueues shared by every
// virtio driver, and the drivers: blk, net and rng.
import * as blk from "./blk";
import * as net from "./net";
import * as rng from "./rng";
import * as transport from "./transport";
import * as virtqueue from "./virtqueue";
export { blk, net, rng, transport, virtqueue };
