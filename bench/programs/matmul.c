// Benchmark: dense double-precision matrix multiply (i-k-j order, which gcc -O2 vectorises to
// SSE2 mulpd/addpd), repeated, with a checksum of the product.
#include <stdio.h>

enum { kN = 160 };
static double a[kN][kN], b[kN][kN], c[kN][kN];

int main(void) {
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      a[i][j] = (double)((i * 31 + j * 17) % 101) / 7.0 - 5.0;
      b[i][j] = (double)((i * 13 + j * 29) % 97) / 3.0 + 0.25;
    }
  double checksum = 0.0;
  for (int rep = 0; rep < 6; ++rep) {
    for (int i = 0; i < kN; ++i)
      for (int j = 0; j < kN; ++j) c[i][j] = 0.0;
    for (int i = 0; i < kN; ++i)
      for (int k = 0; k < kN; ++k) {
        const double aik = a[i][k] + rep;
        for (int j = 0; j < kN; ++j) c[i][j] += aik * b[k][j];
      }
    for (int i = 0; i < kN; ++i) checksum += c[i][(i * 7) % kN] / (1.0 + i);
  }
  printf("%.6f\n", checksum);
  return 0;
}
