// Benchmark: memory copies and fills through glibc's memcpy/memset, plus a byte checksum loop.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  enum { kSize = 1 << 16 };
  uint8_t* a = malloc(kSize);
  uint8_t* b = malloc(kSize);
  for (int i = 0; i < kSize; ++i) a[i] = (uint8_t)(i * 31);
  uint64_t sum = 0;
  for (int round = 0; round < 400; ++round) {
    memcpy(b, a, kSize);
    memset(a + (round & 1023), round & 0xFF, 4096);
    for (int i = 0; i < kSize; i += 64) sum += b[i];
  }
  printf("%llu\n", (unsigned long long)sum);
  free(a);
  free(b);
  return 0;
}
