// The AVX2 part of the floating-point test program (built with gcc -O2 -mavx2 -mfma): its output
// under `kiln user` must equal its native output, byte for byte. 256-bit double and float
// arithmetic, FMA, compares and blends, conversions, AVX2 integer lanes, permutes, gathers, and
// a loop gcc vectorises itself; values are printed exactly (%a).
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>

static void PrintPd(const char* what, __m256d v) {
  double d[4];
  _mm256_storeu_pd(d, v);
  printf("%-10s %a %a %a %a\n", what, d[0], d[1], d[2], d[3]);
}
static void PrintPs(const char* what, __m256 v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  printf("%-10s", what);
  for (int i = 0; i < 8; ++i) printf(" %a", (double)f[i]);
  printf("\n");
}
static void PrintEpi32(const char* what, __m256i v) {
  int32_t x[8];
  _mm256_storeu_si256((__m256i*)x, v);
  printf("%-10s", what);
  for (int i = 0; i < 8; ++i) printf(" %d", x[i]);
  printf("\n");
}

static volatile double vd[8] = {1.0, -2.5, 3.0e-310, 1.0 / 3.0, 1e300, -0.0, 7.0, 0.1};
static volatile float vf[8] = {1.5f, -0.0f, 3.4e38f, 1e-40f, 2.0f / 3.0f, 6.0f, -7.25f, 0.3f};

int main(void) {
  double a_[4], b_[4];
  float f_[8];
  for (int i = 0; i < 4; ++i) a_[i] = vd[i], b_[i] = vd[i + 4];
  for (int i = 0; i < 8; ++i) f_[i] = vf[i];
  const __m256d a = _mm256_loadu_pd(a_), b = _mm256_loadu_pd(b_);
  const __m256 f = _mm256_loadu_ps(f_), g = _mm256_set_ps(3, 1e-3f, -2, 8, 0.5f, 1e30f, -1, 4);
  PrintPd("add", _mm256_add_pd(a, b));
  PrintPd("mul", _mm256_mul_pd(a, b));
  PrintPd("div", _mm256_div_pd(a, b));
  PrintPd("sqrt", _mm256_sqrt_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), a)));
  PrintPd("fmadd", _mm256_fmadd_pd(a, b, a));
  PrintPd("fnmsub", _mm256_fnmsub_pd(a, a, b));
  PrintPd("min", _mm256_min_pd(a, b));
  PrintPd("hadd", _mm256_hadd_pd(a, b));
  PrintPd("blendv", _mm256_blendv_pd(a, b, _mm256_cmp_pd(a, b, _CMP_LT_OQ)));
  PrintPd("round", _mm256_round_pd(_mm256_mul_pd(a, _mm256_set1_pd(10.5)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  PrintPs("addps", _mm256_add_ps(f, g));
  PrintPs("mulps", _mm256_mul_ps(f, g));
  PrintPs("fmaddps", _mm256_fmadd_ps(f, g, f));
  PrintPs("rsqrt-free", _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(_mm256_set_ps(1, 2, 3, 4, 5, 6, 7, 8))));
  PrintEpi32("cvtps", _mm256_cvtps_epi32(_mm256_mul_ps(g, _mm256_set1_ps(1.5f))));
  PrintPd("cvtepi32", _mm256_cvtepi32_pd(_mm_set_epi32(-7, 2147483647, 0, -2147483647 - 1)));
  const __m256i x = _mm256_set_epi32(-1, 2, -3, 4, 0x7FFFFFFF, -0x7FFFFFFF - 1, 77, 123456789);
  const __m256i y = _mm256_set_epi32(9, -8, 7, -6, 5, -4, 3, -2);
  PrintEpi32("add32", _mm256_add_epi32(x, y));
  PrintEpi32("mullo32", _mm256_mullo_epi32(x, y));
  PrintEpi32("max32", _mm256_max_epi32(x, y));
  PrintEpi32("sllv", _mm256_sllv_epi32(x, _mm256_set_epi32(0, 1, 2, 3, 31, 32, 5, 6)));
  PrintEpi32("permvar", _mm256_permutevar8x32_epi32(x, _mm256_set_epi32(0, 7, 1, 6, 2, 5, 3, 4)));
  PrintEpi32("shuffle", _mm256_shuffle_epi32(x, 0x1B));
  PrintEpi32("unpacklo", _mm256_unpacklo_epi32(x, y));
  PrintEpi32("sad8", _mm256_sad_epu8(x, y));
  PrintEpi32("abs8", _mm256_abs_epi8(x));
  PrintEpi32("packs", _mm256_packs_epi32(x, y));
  const int32_t table[16] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};
  PrintEpi32("gather", _mm256_i32gather_epi32(table, _mm256_set_epi32(15, 0, 3, 3, 8, 1, 12, 5), 4));
  printf("movemask   %08x %x\n", (unsigned)_mm256_movemask_epi8(_mm256_cmpgt_epi8(x, y)), (unsigned)_mm256_movemask_pd(a));
  printf("testz      %d %d\n", _mm256_testz_si256(x, y), _mm256_testc_si256(x, x));
  // A loop gcc vectorises with -mavx2: a dot product and a saxpy.
  static double u[1003], w[1003];
  static float s[1003], t[1003];
  for (int i = 0; i < 1003; ++i) u[i] = i * 0.37 - 100, w[i] = 1.0 / (i + 1), s[i] = (float)i * 0.25f, t[i] = (float)(i % 17) - 8.0f;
  double dot = 0;
  for (int i = 0; i < 1003; ++i) dot += u[i] * w[i];
  for (int i = 0; i < 1003; ++i) s[i] = 2.5f * s[i] + t[i];
  float sum = 0;
  for (int i = 0; i < 1003; ++i) sum += s[i];
  printf("loops      %a %a\n", dot, (double)sum);
  return 0;
}
