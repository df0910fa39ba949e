// Benchmark: a tight integer loop (multiply, add, shift, xor, and, compare, branch).
#include <stdint.h>
#include <stdio.h>
int main(void) {
  uint64_t a = 1, b = 0;
  for (uint64_t i = 0; i < 20000000; ++i) {
    a = a * 6364136223846793005ull + i;
    b ^= a >> 7;
    b += i & 15;
  }
  printf("%llu\n", (unsigned long long)b);
  return 0;
}
