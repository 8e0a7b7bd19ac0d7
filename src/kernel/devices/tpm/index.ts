// tpm — the TPM 2.0 on the FIFO (TIS) interface at 0xFED40000 (QEMU's tpm-tis
// with swtpm, or a discrete chip): found by reading TPM_DID_VID, started with
// TPM2_Startup(CLEAR) unless firmware did already, then used for measured boot —
// extend() and readPcr() on the SHA-256 bank — and attestation: quote() signs
// chosen PCRs and a caller's nonce with a restricted ECC P-256 key made under the
// endorsement hierarchy on first use. Commands are polled one at a time by the
// kernel flow that calls (under the kernel lock); the two buffers are this file's.
// tis.ts is the register interface, commands.ts the marshalling (host-tested).
import { Errno } from "../../../abi";
import * as line from "../../line";
import * as log from "../../log";
import * as commands from "./commands";
import * as tis from "./tis";

export { commands, tis };

/** The largest command or response exchanged (PTP: TPM 2.0 FIFO TPMs take at
 *  least 4 KiB; nothing sent here comes near). */
const BUFFER_BYTES: u32 = 4096;
const PUBLIC_BYTES: u32 = 512;
/** A caller nonce fits TPM2B_DATA, whose limit is the largest digest the TPM
 *  implements (Part 2, 10.4.3): 64 bytes on a TPM with SHA-512, 32 at least. */
export const MAX_NONCE_BYTES: u32 = 64;
export const DIGEST_BYTES: u32 = commands.SHA256_BYTES;
export const PCR_COUNT: u32 = commands.PCR_COUNT;
const NO_HANDLE: u32 = 0;

const command = memory.data(BUFFER_BYTES);
const response = memory.data(BUFFER_BYTES);
const attestationPublic = memory.data(PUBLIC_BYTES);   // TPMT_PUBLIC of the attestation key
const handleSlot = memory.data(4);
let present = false;
let didVid: u32 = 0;
let lastCode: u32 = 0;
let keyHandle: u32 = NO_HANDLE;          // the attestation key, loaded (transient) once made
let publicLength: u32 = 0;
let quoteBytes: u32 = 0;

export function available(): bool { return present; }
/** TPM_DID_VID: vendor id in bits 15:0, device id in bits 31:16. */
export function vendorId(): u16 { return <u16>didVid; }
export function deviceId(): u16 { return <u16>(didVid >> 16); }
/** The TPM's response code to the last command (0 is success; Part 2, 6.6). */
export function lastResponseCode(): u32 { return lastCode; }

/** Sends the `length` bytes in `command`; the response is in `response`. */
function run(length: u32): Errno {
  const result = tis.transmit(command, length, response, BUFFER_BYTES);
  lastCode = result == Errno.Ok ? commands.responseCode(response, tis.responseLength()) : commands.RC_MALFORMED;
  return result;
}

function refuse(why: string, result: Errno): Errno {
  log.begin(log.Level.Warn);
  line.text("tpm: refused: ");
  line.text(why);
  log.end();
  return result;
}

/** Finds and starts the TPM; without one the kernel boots on (a log line says why). */
export function init(): Errno {
  didVid = tis.probe();
  if (!tis.didVidPresent(didVid)) {
    log.info("tpm: none at 0xfed40000 (TPM_DID_VID reads as nothing)");
    return Errno.NotFound;
  }
  const status = tis.status();
  if (tis.family(status) != tis.FAMILY_TPM20) return refuse("a TPM 1.2 (only TPM 2.0 is driven)", Errno.NotSupported);
  if ((tis.interfaceId() & tis.INTERFACE_TYPE_MASK) == tis.INTERFACE_TYPE_CRB) return refuse("a CRB interface (only FIFO is driven)", Errno.NotSupported);
  if (tis.requestLocality() != Errno.Ok) return refuse("locality 0 never became active", Errno.Timeout);
  // firmware (SeaBIOS, OVMF) usually started the TPM already: TPM_RC_INITIALIZE says so
  const result = run(commands.startup(command, commands.SU_CLEAR));
  if (result != Errno.Ok) return refuse("no answer to TPM2_Startup", result);
  if (lastCode != commands.RC_SUCCESS && lastCode != commands.RC_INITIALIZE) {
    log.begin(log.Level.Warn);
    line.text("tpm: refused: TPM2_Startup failed, response code ");
    line.hex(lastCode);
    log.end();
    return Errno.DeviceError;
  }
  present = true;
  log.begin(log.Level.Info);
  line.text("tpm: TPM 2.0 (vendor ");
  line.hex(vendorId(), 4);
  line.text(", device ");
  line.hex(deviceId(), 4);
  line.text(", revision ");
  line.decimal(tis.revision());
  line.text(") at 0xfed40000, ");
  line.text(lastCode == commands.RC_SUCCESS ? "started" : "started by firmware");
  log.end();
  return Errno.Ok;
}

/** Extends PCR `pcr`'s SHA-256 bank with the 32-byte digest at `digest`:
 *  PCR := SHA-256(PCR || digest) (Part 1, 17.7). */
export function extend(pcr: u32, digest: usize): Errno {
  if (!present) return Errno.NotReady;
  if (pcr >= PCR_COUNT) return Errno.InvalidArgument;
  const result = run(commands.pcrExtend(command, pcr, digest));
  if (result != Errno.Ok) return result;
  return commands.parsePcrExtend(response, tis.responseLength());
}

/** Resets PCR `pcr` to zero: allowed from locality 0 only for the debug PCR 16
 *  and PCR 23 (PTP, 4.6.2); the TPM refuses others (DeviceError). */
export function resetPcr(pcr: u32): Errno {
  if (!present) return Errno.NotReady;
  if (pcr >= PCR_COUNT) return Errno.InvalidArgument;
  const result = run(commands.pcrReset(command, pcr));
  if (result != Errno.Ok) return result;
  return commands.parsePcrReset(response, tis.responseLength());
}

/** Reads PCR `pcr`'s SHA-256 bank into the 32 bytes at `out`. */
export function readPcr(pcr: u32, out: usize): Errno {
  if (!present) return Errno.NotReady;
  if (pcr >= PCR_COUNT) return Errno.InvalidArgument;
  const result = run(commands.pcrRead(command, pcr));
  if (result != Errno.Ok) return result;
  return commands.parsePcrRead(response, tis.responseLength(), pcr, out);
}

/** Up to `count` random bytes from the TPM's generator at `out`; how many came
 *  (the TPM gives at most a digest's worth per command), or -1 on failure. */
export function random(out: usize, count: u32): i32 {
  if (!present || count > 0xffff) return -1;
  if (run(commands.getRandom(command, <u16>count)) != Errno.Ok) return -1;
  return commands.parseGetRandom(response, tis.responseLength(), out, count);
}

/** Makes (once per boot) the attestation key: see commands.createPrimary. */
function attestationKey(): Errno {
  if (keyHandle != NO_HANDLE) return Errno.Ok;
  const result = run(commands.createPrimary(command));
  if (result != Errno.Ok) return result;
  const got = commands.parseCreatePrimary(response, tis.responseLength(), handleSlot, attestationPublic, PUBLIC_BYTES);
  if (got < 0) return lastCode != commands.RC_SUCCESS ? Errno.DeviceError : Errno.Malformed;
  keyHandle = load<u32>(handleSlot);
  publicLength = <u32>got;
  return Errno.Ok;
}

/** A quote of the SHA-256 PCRs in `pcrMask` (bit n = PCR n) over the caller's
 *  `nonceLength`-byte nonce, written to `out` as three parts, each a big-endian
 *  u16 length and the bytes: the attestation key's TPMT_PUBLIC (its P-256 point),
 *  the TPMS_ATTEST the TPM signed (magic, type, signer, the nonce, clock, the PCR
 *  selection and the SHA-256 of the selected PCRs), and the TPMT_SIGNATURE
 *  (ECDSA with SHA-256 over TPMS_ATTEST). quoteLength() says how many bytes. */
export function quote(nonce: usize, nonceLength: u32, pcrMask: u32, out: usize, capacity: u32): Errno {
  quoteBytes = 0;
  if (!present) return Errno.NotReady;
  if (nonceLength > MAX_NONCE_BYTES || pcrMask == 0 || pcrMask >= (<u32>1 << PCR_COUNT)) return Errno.InvalidArgument;
  let result = attestationKey();
  if (result != Errno.Ok) return result;
  if (capacity < 2 + publicLength) return Errno.ResourceExhausted;
  result = run(commands.quote(command, keyHandle, nonce, nonceLength, pcrMask));
  if (result != Errno.Ok) return result;
  commands.put16(out, <u16>publicLength);
  memory.copy(out + 2, attestationPublic, publicLength);
  const rest = commands.parseQuote(response, tis.responseLength(), out + 2 + <usize>publicLength, capacity - 2 - publicLength);
  if (rest < 0) return lastCode != commands.RC_SUCCESS ? Errno.DeviceError : Errno.ResourceExhausted;
  quoteBytes = 2 + publicLength + <u32>rest;
  return Errno.Ok;
}

export function quoteLength(): u32 { return quoteBytes; }

// ---- for command sequences marshalled elsewhere (the sealing backend, src/kernel/seal/tpm.ts)

/** The buffer a command is marshalled into (BUFFER_BYTES). */
export function commandBuffer(): usize { return command; }
/** The buffer the last response is in (BUFFER_BYTES), responseLength() bytes long. */
export function responseBuffer(): usize { return response; }
export function responseLength(): u32 { return tis.responseLength(); }
export const COMMAND_BUFFER_BYTES: u32 = BUFFER_BYTES;
/** Sends the `length`-byte command marshalled in commandBuffer(); Ok when the TPM
 *  answered (its response code is lastResponseCode()), NotReady without a TPM. */
export function execute(length: u32): Errno {
  if (!present) return Errno.NotReady;
  return run(length);
}
/** Zeroes both buffers: after a command that carried a secret (sealing, unsealing). */
export function wipeBuffers(): void {
  memory.fill(command, 0, BUFFER_BYTES);
  memory.fill(response, 0, BUFFER_BYTES);
}
