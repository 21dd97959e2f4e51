/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows build under Wine 8
 * only: Wine 8 has no bcryptprimitives.dll, and Rust's standard library (1.78+) imports
 * ProcessPrng from it for HashMap keys and random numbers. Forwarding to BCryptGenRandom, which
 * Wine does have, gives the same contract (fill the buffer from the system RNG; TRUE).
 * scripts/test-windows.sh puts it in the test Wine prefix; it never goes into a package. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
