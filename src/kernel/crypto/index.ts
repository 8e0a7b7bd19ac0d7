// crypto — hashes, the post-quantum KEM and signature, and the kernel's random
// bit generator, over linear memory and without allocation (see README.md).
import * as sha256 from "./sha256";
import * as sha512 from "./sha512";
import * as keccak from "./keccak";
import * as mlkem from "./mlkem";
import * as mldsa from "./mldsa";
import * as drbg from "./drbg";
import * as random from "./random";

export { sha256, sha512, keccak, mlkem, mldsa, drbg, random };
