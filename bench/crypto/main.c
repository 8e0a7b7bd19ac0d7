/* main.c — the host side of the crypto benchmark (bench/crypto.ts): instantiates
 * the wasm2c translation of bench/crypto/entry.ts (the kernel's ML-KEM and ML-DSA)
 * and times each operation for a fixed slice of wall time.
 *   crypto-bench <milliseconds per operation>
 * prints one line per operation: "<name> <operations per second>". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "wasm-rt.h"
#include "crypto.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef u32 (*operation)(Z_crypto_instance_t*, u32);

static Z_crypto_instance_t instance;
static unsigned sink;

static void measure(const char* name, operation op, u32 parameter, double seconds) {
    unsigned count = 0;
    double start = now(), elapsed;
    do {
        if (!op(&instance, parameter)) { fprintf(stderr, "%s failed\n", name); exit(1); }
        count++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    sink += Z_cryptoZ_outputByte(&instance, 0);
    printf("%s %.1f\n", name, count / elapsed);
}

int main(int argc, char** argv) {
    double seconds = (argc > 1 ? atof(argv[1]) : 200) / 1000.0;
    wasm_rt_init();
    Z_crypto_init_module();
    Z_crypto_instantiate(&instance);
    Z_cryptoZ_setInputs(&instance, 1);
    measure("mlkem768_keygen", Z_cryptoZ_kemKeygen, 3, seconds);
    measure("mlkem768_encaps", Z_cryptoZ_kemEncapsulate, 3, seconds);
    measure("mlkem768_decaps", Z_cryptoZ_kemDecapsulate, 3, seconds);
    measure("mldsa65_keygen", Z_cryptoZ_dsaKeygen, 65, seconds);
    measure("mldsa65_sign", Z_cryptoZ_dsaSign, 65, seconds);
    measure("mldsa65_verify", Z_cryptoZ_dsaVerify, 65, seconds);
    Z_crypto_free(&instance);
    wasm_rt_free();
    return sink == 0xffffffffu;
}
