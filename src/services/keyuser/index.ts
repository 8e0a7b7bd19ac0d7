// keyuser — an agent that uses the kernel's key service (pqcd) through Key
// capabilities: it makes keys, signs and verifies, encapsulates and
// decapsulates, rotates and revokes, and never sees a secret key. Its exports
// return the kernel's answer (a length, 0, or an Errno) so a scenario can check
// each; the bytes (public keys, signatures, ciphertexts) sit in `buffer()`.
@external("aios", "key_create") declare function keyCreate(ring: u32, algorithm: u32): i32;
@external("aios", "key_open") declare function keyOpen(ring: u32, id: u32): i32;
@external("aios", "key_public") declare function keyPublic(key: u32, pointer: usize, capacity: u32): i32;
@external("aios", "key_sign") declare function keySign(key: u32, message: usize, length: u32, signature: usize): i32;
@external("aios", "key_verify") declare function keyVerify(key: u32, message: usize, length: u32, signature: usize): i32;
@external("aios", "key_encapsulate") declare function keyEncapsulate(key: u32, ciphertext: usize, secret: usize): i32;
@external("aios", "key_decapsulate") declare function keyDecapsulate(key: u32, ciphertext: usize, secret: usize): i32;
@external("aios", "key_rotate") declare function keyRotate(key: u32, overlapMs: u32): i32;
@external("aios", "key_revoke") declare function keyRevoke(key: u32): i32;

// buffer: public key (2048) | signature (4096) | ciphertext (2048) | secret 1 (32) | secret 2 (32) | message (64)
const BUFFER = memory.data(8320);
const PUBLIC: usize = BUFFER;
const SIGNATURE: usize = BUFFER + 2048;
const CIPHERTEXT: usize = BUFFER + 6144;
const SECRET: usize = BUFFER + 8192;
const SECRET_AGAIN: usize = BUFFER + 8224;
const MESSAGE: usize = BUFFER + 8256;
const MESSAGE_BYTES: u32 = 32;

export function idle(): u32 { return 0; }
export function buffer(): u32 { return <u32>BUFFER; }

/** A key from the keyring: its handle, or 0x8000_0000 | Errno. */
export function create(ring: u32, algorithm: u32): u32 {
  const handle = keyCreate(ring, algorithm);
  return handle < 0 ? 0x8000_0000 | <u32>(-handle) : <u32>handle;
}

/** The public key into the buffer: its length, or 0x8000_0000 | Errno. */
export function publicKey(key: u32): u32 {
  const n = keyPublic(key, PUBLIC, 2048);
  return n < 0 ? 0x8000_0000 | <u32>(-n) : <u32>n;
}

/** Signs the 32-byte message "AIOS pqcd test message, `seed`…": the signature's length, or 0x8000_0000 | Errno. */
export function sign(key: u32, seed: u32): u32 {
  for (let i: u32 = 0; i < MESSAGE_BYTES; i++) store<u8>(MESSAGE + <usize>i, <u8>(seed + i));
  const n = keySign(key, MESSAGE, MESSAGE_BYTES, SIGNATURE);
  return n < 0 ? 0x8000_0000 | <u32>(-n) : <u32>n;
}

/** Verifies the signature in the buffer over the message of `seed`: 0 or an Errno. */
export function verify(key: u32, seed: u32): u32 {
  for (let i: u32 = 0; i < MESSAGE_BYTES; i++) store<u8>(MESSAGE + <usize>i, <u8>(seed + i));
  return <u32>keyVerify(key, MESSAGE, MESSAGE_BYTES, SIGNATURE);
}

/** A ciphertext and secret for `key`: the ciphertext's length, or 0x8000_0000 | Errno. */
export function encapsulate(key: u32): u32 {
  const n = keyEncapsulate(key, CIPHERTEXT, SECRET);
  return n < 0 ? 0x8000_0000 | <u32>(-n) : <u32>n;
}

/** The secret in the buffer's ciphertext: 0 or an Errno. */
export function decapsulate(key: u32): u32 { return <u32>keyDecapsulate(key, CIPHERTEXT, SECRET_AGAIN); }

/** 1 when the decapsulated secret equals the encapsulated one. */
export function secretsMatch(): u32 {
  for (let i: usize = 0; i < 32; i++) if (load<u8>(SECRET + i) != load<u8>(SECRET_AGAIN + i)) return 0;
  return 1;
}

export function rotate(key: u32, overlapMs: u32): u32 {
  const handle = keyRotate(key, overlapMs);
  return handle < 0 ? 0x8000_0000 | <u32>(-handle) : <u32>handle;
}

export function revoke(key: u32): u32 { return <u32>keyRevoke(key); }

/** A handle for kept key `id`: the handle, or 0x8000_0000 | Errno. */
export function open(ring: u32, id: u32): u32 {
  const handle = keyOpen(ring, id);
  return handle < 0 ? 0x8000_0000 | <u32>(-handle) : <u32>handle;
}
