// A C test program for `kiln user`: its output under Kiln must equal its native output, byte for
// byte. Floating point the way real programs use it: x87 long double (arithmetic, libm's x87
// transcendentals, conversions, rounding modes, exception flags), SSE2 double and float
// (arithmetic, sqrt, conversions, denormals, NaNs, the four rounding modes) and printf/strtod,
// which convert through both. Values are printed exactly (%La / %a and 21 significant digits),
// so a one-bit difference shows.
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// volatile keeps gcc from folding the arithmetic at compile time.
static volatile double vd_zero = 0.0, vd_one = 1.0, vd_three = 3.0, vd_tiny = 0x1p-1070;
static volatile long double vl_zero = 0.0L, vl_one = 1.0L, vl_three = 3.0L;
static volatile float vf_three = 3.0f;

static const int kModes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
static const char* const kModeNames[] = {"nearest", "down", "up", "zero"};

static void PrintFlags(const char* what) {
  const int f = fetestexcept(FE_ALL_EXCEPT);
  printf("%-24s flags:%s%s%s%s%s\n", what, f & FE_INVALID ? " invalid" : "",
         f & FE_DIVBYZERO ? " divbyzero" : "", f & FE_OVERFLOW ? " overflow" : "",
         f & FE_UNDERFLOW ? " underflow" : "", f & FE_INEXACT ? " inexact" : "");
  feclearexcept(FE_ALL_EXCEPT);
}

static void X87Arithmetic(void) {
  puts("== x87 long double");
  long double sum = 0.0L, term = 1.0L;
  for (int i = 1; i <= 40; ++i) {  // e = sum 1/i!
    sum += term;
    term /= i;
  }
  printf("e series   %La %.21Lg\n", sum, sum);
  printf("1/3        %La\n", vl_one / vl_three);
  printf("sqrtl(2)   %La\n", sqrtl(2.0L * vl_one));
  printf("sqrtl(-1)  %La\n", sqrtl(-vl_one));
  PrintFlags("after sqrtl(-1)");
  printf("1/0        %La\n", vl_one / vl_zero);
  PrintFlags("after 1/0");
  printf("max*2      %La\n", LDBL_MAX * (vl_one + vl_one));
  PrintFlags("after LDBL_MAX*2");
  printf("min/3      %La\n", LDBL_MIN / vl_three);
  PrintFlags("after LDBL_MIN/3");
  const long double xs[] = {0.5L, 1.0L, 2.5L, -3.75L, 1e10L, 1e-300L, 0x1p63L, -0x1.fffffffffffffffep62L};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    const long double x = xs[i] * vl_one;
    printf("x=%La: rint %La lrint %ld trunc %La floor %La ceil %La\n", x, rintl(x),
           fabsl(x) < 0x1p62L ? lrintl(x) : 0L, truncl(x), floorl(x), ceill(x));
    printf("  int64 %lld uint64 %llu\n", (long long)(fabsl(x) < 0x1p62L ? x : 0),
           (unsigned long long)(x >= 0 && x < 0x1p64L ? x : 0));
  }
  for (int m = 0; m < 4; ++m) {  // the control word's rounding field
    fesetround(kModes[m]);
    printf("%-8s 1/3 %La 2/3 %La -1/3 %La sqrt3 %La\n", kModeNames[m], vl_one / vl_three,
           (vl_one + vl_one) / vl_three, -vl_one / vl_three, sqrtl(vl_three));
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
}

static void X87Libm(void) {
  puts("== x87 libm (fsin, fcos, fpatan, fyl2x, f2xm1, fscale, fprem)");
  const long double xs[] = {0.0L, 0.1L, 0.5L, 1.0L, 2.0L, 3.0L, 10.0L, 100.0L, -0.75L, 1e-5L};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    const long double x = xs[i] * vl_one;
    // 18 significant digits: the transcendental instructions are accurate to about 1 ulp of the
    // 64-bit significand, and the SDM allows implementations to differ in the last bit.
    printf("x=%-6Lg sin %.18Lg cos %.18Lg atan %.18Lg exp %.18Lg", x, sinl(x), cosl(x), atanl(x), expl(x));
    if (x > 0) printf(" log %.18Lg log2 %.18Lg pow %.18Lg", logl(x), log2l(x), powl(x, 1.5L));
    printf(" fmod %.18Lg\n", fmodl(x * 7.25L, 1.5L));
  }
  printf("atan2l     %.18Lg %.18Lg\n", atan2l(vl_one, -vl_three), atan2l(-vl_zero, -vl_one));
  printf("ldexpl     %La %La\n", ldexpl(vl_three, 1000), ldexpl(vl_three, -16400));
  printf("remainderl %La\n", remainderl(vl_three * 1e10L, 0.7L));
}

static void Sse2Double(void) {
  puts("== SSE2 double and float");
  double acc = 0.0;
  for (int i = 1; i <= 100000; ++i) acc += 1.0 / ((double)i * i);  // pi^2/6, rounding builds up
  printf("basel      %a %.17g\n", acc, acc);
  printf("1/3        %a\n", vd_one / vd_three);
  printf("sqrt(3)    %a\n", sqrt(vd_three));
  printf("tiny/3     %a\n", vd_tiny / vd_three);
  PrintFlags("after tiny/3");
  printf("0/0        %a\n", vd_zero / vd_zero);
  PrintFlags("after 0/0");
  printf("DBL_MAX*2  %a\n", DBL_MAX * (vd_one + vd_one));
  PrintFlags("after DBL_MAX*2");
  printf("float 1/3  %a\n", (double)(1.0f / vf_three));
  printf("-0.0       %a %g\n", -vd_zero, copysign(1.0, -vd_zero));
  for (int m = 0; m < 4; ++m) {  // MXCSR.RC
    fesetround(kModes[m]);
    printf("%-8s 1/3 %a -1/3 %a sqrt3 %a f1/3 %a rint(2.5) %g (int)2.7 %d lrint(-2.5) %ld\n",
           kModeNames[m], vd_one / vd_three, -vd_one / vd_three, sqrt(vd_three),
           (double)(1.0f / vf_three), rint(2.5 * vd_one), (int)(2.7 * vd_one), lrint(-2.5 * vd_one));
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  const double big[] = {2147483647.5, -2147483648.5, 9.3e18, -9.3e18, 1e300, NAN};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; ++i) {
    volatile double d = big[i];
    printf("cvt %g -> int32 %d int64 %lld\n", d, (int)d, (long long)d);
    PrintFlags("  after conversion");
  }
  // Transcendentals through glibc's SSE2 code: printed to 15 digits, since glibc may pick
  // different (FMA) variants on a host whose CPUID says FMA.
  for (double x = -2.0; x <= 3.0; x += 0.625)
    printf("x=%-6g exp %.15g sin %.15g cos %.15g tanh %.15g cbrt %.15g\n", x, exp(x), sin(x), cos(x), tanh(x), cbrt(x));
}

static void Conversions(void) {
  puts("== printf/strtod round trips");
  const char* const texts[] = {"0.1", "1e23", "2.2250738585072011e-308", "4.9e-324", "1.7976931348623157e308",
                               "123456789012345678901234567890", "-0", "inf", "nan", "0x1.8p3"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; ++i) {
    const double d = strtod(texts[i], NULL);
    const long double l = strtold(texts[i], NULL);
    const float f = strtof(texts[i], NULL);
    printf("%-32s %a %.17g | %La %.21Lg | %a %.9g\n", texts[i], d, d, l, l, (double)f, (double)f);
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.40f", 1.0 / 3.0);
  printf("%%.40f      %s\n", buf);
  printf("%%e %%g %%f  %e %g %f %.3Le\n", 6.02214076e23, 1e-5, 2.5, 1e4000L);
}

int main(void) {
  X87Arithmetic();
  X87Libm();
  Sse2Double();
  Conversions();
  return 0;
}
