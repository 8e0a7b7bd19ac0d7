// crypto — hash functions for the kernel, over linear memory and without
// allocation. Only SHA-256 so far (the audit log's chain).
import * as sha256 from "./sha256";

export { sha256 };
