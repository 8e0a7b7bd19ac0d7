// memory — physical frames (buddy), the kernel's page tables, the kernel heap,
// module memories in guarded 8 GiB slots, and the pools that own them. init()
// runs once in kmain; the heap can grow past its 2 MiB boot window after it.
import { Errno } from "../../abi";
import * as frames from "./frames";
import * as grown from "./grown";
import * as heap from "./heap";
import * as kernelspace from "./kernelspace";
import * as layout from "./layout";
import * as modulememory from "./modulememory";
import * as pagetable from "./pagetable";
import * as pools from "./pools";
import * as setup from "./setup";
import * as sharing from "./sharing";
import * as stacks from "./stacks";

export { frames, grown, heap, kernelspace, layout, modulememory, pagetable, pools, sharing, stacks };

export function init(): Errno {
  const result = setup.init();
  if (result != Errno.Ok) return result;
  pools.init();
  pools.setCommitLimit(frames.totalFrames());
  modulememory.init(kernelspace.rootTable());
  stacks.init(kernelspace.rootTable());
  return Errno.Ok;
}

/** Free RAM in bytes. */
export function freeBytes(): u64 { return frames.freeFrameCount() * frames.FRAME_SIZE; }
