// Facts about the host CPU that the host-oracle tests need.
#pragma once

namespace kiln::test {

/// True on an AMD host. Kiln matches the flags the SDM leaves undefined to AMD CPUs (which CI runs
/// on); on another vendor's host those bits are not compared.
inline bool HostIsAmd() {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;  // "AuthenticAMD"
#else
  return false;
#endif
}

}  // namespace kiln::test
