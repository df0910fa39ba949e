// The host-CPU oracle: each case's instructions wrapped in generated code that loads the chosen
// registers and flags, runs them, and stores the results, executed in a forked child with fixed
// mappings. A fault in a case (SIGFPE for #DE, SIGSEGV, SIGILL) is caught on an alternate signal
// stack and recorded; the child goes on with the next case.
#include "tests/jit/host_oracle.h"

#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cpuid.h>

#include <cstring>

#if defined(__has_feature)
#define KILN_HAS_FEATURE(x) __has_feature(x)
#else
#define KILN_HAS_FEATURE(x) 0
#endif

namespace kiln::test {

#if defined(__x86_64__) && defined(__linux__)

namespace {

// The scratch page the generated code addresses with 32-bit absolute addresses.
constexpr uint64_t kScratch = 0x30000000;
constexpr uint64_t kInRegs = kScratch + 0x000;    // 16 x u64
constexpr uint64_t kFlagsIn = kScratch + 0x080;
constexpr uint64_t kOutRegs = kScratch + 0x100;   // 16 x u64
constexpr uint64_t kFlagsOut = kScratch + 0x180;
constexpr uint64_t kHostRegs = kScratch + 0x200;  // rsp, rbx, rbp, r12-r15
constexpr uint64_t kXmmIn = kScratch + 0x400;     // 16 x 16 bytes
constexpr uint64_t kXmmOut = kScratch + 0x500;    // 16 x 16 bytes
constexpr uint64_t kMxcsrIn = kScratch + 0x600;
constexpr uint64_t kMxcsrOut = kScratch + 0x608;
constexpr uint64_t kMxcsrHost = kScratch + 0x610;  // the C code's MXCSR, restored after a case
constexpr uint64_t kMmIn = kScratch + 0x700;       // 8 x u64 (MMX cases)
constexpr uint64_t kMmOut = kScratch + 0x740;      // 8 x u64
constexpr uint64_t kFxIn = kScratch + 0x800;   // FXRSTOR64 image of the case's x87/SSE state
constexpr uint64_t kFxOut = kScratch + 0xA00;  // FXSAVE64 image after the case
constexpr uint64_t kYmmHiIn = kScratch + 0xC00;   // 16 x 16 bytes (YMM cases)
constexpr uint64_t kYmmHiOut = kScratch + 0xD00;  // 16 x 16 bytes
constexpr uint64_t kStackTop = kScratch + 0x1000;
constexpr size_t kCodeSize = 64 * 1024;
// Linux x86-64's user code segments (arch/x86/include/asm/segment.h): __USER32_CS runs
// compatibility mode, __USER_CS 64-bit mode.
constexpr uint16_t kUser32Cs = 0x23, kUser64Cs = 0x33;

class Emitter {
 public:
  void Byte(uint8_t b) { code.push_back(b); }
  void Bytes(std::initializer_list<uint8_t> bs) { code.insert(code.end(), bs); }
  void Disp32(uint64_t v) {
    for (int i = 0; i < 4; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  // mov [abs32], r64 / mov r64, [abs32] (ModRM 00 reg 100 + SIB 25: no base, no index).
  void Store(unsigned reg, uint64_t addr) { Absolute(0x89, reg, addr); }
  void Load(unsigned reg, uint64_t addr) { Absolute(0x8B, reg, addr); }
  void MovRspImm(uint64_t v) {
    Bytes({0x48, 0xBC});
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  // In 32-bit code: mov [abs32], r32 (ModRM 00 reg 101: disp32 without a base).
  void Store32(unsigned reg, uint64_t addr) {
    Byte(0x89);
    Byte(static_cast<uint8_t>(0x05 | (reg & 7) << 3));
    Disp32(addr);
  }
  // An SSE/MXCSR instruction on [abs32]: [prefix] [REX.R] 0F opcode ModRM(00 reg 100) SIB 25.
  void Sse(uint8_t prefix, uint8_t opcode, unsigned reg, uint64_t addr) {
    if (prefix) Byte(prefix);
    if (reg >= 8) Byte(0x44);
    Bytes({0x0F, opcode});
    Byte(static_cast<uint8_t>(0x04 | (reg & 7) << 3));
    Byte(0x25);
    Disp32(addr);
  }
  std::vector<uint8_t> code;

 private:
  void Absolute(uint8_t opcode, unsigned reg, uint64_t addr) {
    Byte(static_cast<uint8_t>(0x48 | ((reg >> 3) & 1) << 2));
    Byte(opcode);
    Byte(static_cast<uint8_t>(0x04 | (reg & 7) << 3));
    Byte(0x25);
    Disp32(addr);
  }
};

constexpr unsigned kCalleeSaved[] = {4, 3, 5, 12, 13, 14, 15};  // rsp first

// 64-bit: save the host's callee-saved registers, then load the case's flags and registers.
void Prologue(Emitter& e) {
  for (unsigned i = 0; i < 7; ++i) e.Store(kCalleeSaved[i], kHostRegs + 8 * i);
  e.MovRspImm(kStackTop);
  e.Bytes({0xFF, 0x34, 0x25});  // push qword [kFlagsIn]
  e.Disp32(kFlagsIn);
  e.Byte(0x9D);  // popfq
  e.Bytes({0x48, 0x0F, 0xAE, 0x0C, 0x25});  // fxrstor64 [kFxIn]
  e.Disp32(kFxIn);
  for (unsigned x = 0; x < 16; ++x) e.Sse(0xF3, 0x6F, x, kXmmIn + 16 * x);  // movdqu xmmN, [in]
  e.Sse(0, 0xAE, 2, kMxcsrIn);                                             // ldmxcsr [in]
  for (unsigned r = 0; r < 16; ++r)
    if (r != 4) e.Load(r, kInRegs + 8 * r);
  e.Load(4, kInRegs + 8 * 4);  // rsp last
}

// 64-bit: store the case's XMM registers and MXCSR (no instruction between the case and here
// touches them), restore the host's registers and return.
void Epilogue(Emitter& e) {
  e.Bytes({0x48, 0x0F, 0xAE, 0x04, 0x25});  // fxsave64 [kFxOut] (does not wait: a pending
  e.Disp32(kFxOut);                          // unmasked x87 exception stays pending in FSW)
  e.Bytes({0xDB, 0xE3});                     // fninit: the C code after us finds a clean x87
  for (unsigned x = 0; x < 16; ++x) e.Sse(0xF3, 0x7F, x, kXmmOut + 16 * x);  // movdqu [out], xmmN
  e.Sse(0, 0xAE, 3, kMxcsrOut);                                              // stmxcsr [out]
  e.Sse(0, 0xAE, 2, kMxcsrHost);                                             // ldmxcsr [host]
  for (unsigned i = 1; i < 7; ++i) e.Load(kCalleeSaved[i], kHostRegs + 8 * i);
  e.Load(4, kHostRegs);
  e.Byte(0xFC);  // cld: the C code after us assumes DF = 0
  e.Byte(0xC3);  // ret
}

// MMX cases: movq mm0-7, [in] after the prologue; movq [out], mm0-7 and EMMS (the C code may
// use x87) before the epilogue.
void LoadMmx(Emitter& e) {
  for (unsigned m = 0; m < 8; ++m) e.Sse(0, 0x6F, m, kMmIn + 8 * m);
}
void StoreMmx(Emitter& e) {
  for (unsigned m = 0; m < 8; ++m) e.Sse(0, 0x7F, m, kMmOut + 8 * m);
  e.Bytes({0x0F, 0x77});
}

// YMM cases: vinserti128 ymmN, ymmN, [in], 1 after the prologue (which loaded the low halves);
// vextracti128 [out], ymmN, 1 and VZEROUPPER before the epilogue. Three-byte VEX, map 0F3A,
// VEX.256.66.W0, ModRM 00 reg 100 + SIB 25 (absolute disp32).
void YmmUpper(Emitter& e, uint8_t opcode, unsigned reg, unsigned vvvv, uint64_t addr) {
  e.Byte(0xC4);
  e.Byte(static_cast<uint8_t>((reg < 8 ? 0x80 : 0) | 0x60 | 3));
  e.Byte(static_cast<uint8_t>(((~vvvv & 15) << 3) | 0x04 | 0x01));
  e.Byte(opcode);
  e.Byte(static_cast<uint8_t>(0x04 | (reg & 7) << 3));
  e.Byte(0x25);
  e.Disp32(addr);
  e.Byte(1);
}
void LoadYmmUpper(Emitter& e) {
  for (unsigned x = 0; x < 16; ++x) YmmUpper(e, 0x38, x, x, kYmmHiIn + 16 * x);
}
void StoreYmmUpper(Emitter& e) {
  for (unsigned x = 0; x < 16; ++x) YmmUpper(e, 0x39, x, 0, kYmmHiOut + 16 * x);
  e.Bytes({0xC5, 0xF8, 0x77});  // vzeroupper
}

// Where the signal frame's XSAVE area (the kernel's standard format) keeps YMM_Hi128: CPUID
// leaf 0Dh, sub-leaf 2, EBX; 0 when the host has no AVX state.
uint32_t g_ymm_offset = 0;
void FindYmmOffset() {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) >= 0xD && __get_cpuid_count(0xD, 2, &a, &b, &c, &d) && a == 256) g_ymm_offset = b;
}

// At a fault in a YMM case: the upper halves from the XSAVE area after the FXSAVE image (its
// software bytes carry FP_XSTATE_MAGIC1), zero when XSTATE_BV says they are in their initial state.
void YmmUpperFromSignalContext(const ucontext_t* uc) {
  auto* out = reinterpret_cast<uint8_t*>(kYmmHiOut);
  std::memset(out, 0, 256);
  const auto* fx = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
  if (!fx || g_ymm_offset == 0) return;
  uint32_t magic;
  std::memcpy(&magic, fx + 464, 4);
  if (magic != 0x46505853u) return;
  uint64_t xstate_bv;
  std::memcpy(&xstate_bv, fx + 512, 8);
  if (xstate_bv & 4) std::memcpy(out, fx + g_ymm_offset, 256);
}

// prologue + case + epilogue, callable as void(*)().
std::vector<uint8_t> Wrap(const std::vector<uint8_t>& body, bool mmx, bool ymm) {
  Emitter e;
  Prologue(e);
  if (mmx) LoadMmx(e);
  if (ymm) LoadYmmUpper(e);
  e.code.insert(e.code.end(), body.begin(), body.end());
  for (unsigned r = 0; r < 16; ++r) e.Store(r, kOutRegs + 8 * r);
  e.MovRspImm(kStackTop);
  e.Byte(0x9C);                 // pushfq
  e.Bytes({0x8F, 0x04, 0x25});  // pop qword [kFlagsOut]
  e.Disp32(kFlagsOut);
  if (mmx) StoreMmx(e);
  if (ymm) StoreYmmUpper(e);
  Epilogue(e);
  return e.code;
}

// The same for a 32-bit body: the prologue (64-bit) far-jumps to it through USER32_CS, the body
// and the register stores run in compatibility mode, and a far jump to USER_CS comes back for the
// epilogue. Linux gives a 64-bit process null DS and ES, which compatibility mode cannot use: they
// get SS's flat data selector first (64-bit code ignores them, so they are not restored). The code
// is assembled at `at` (its address decides the far-jump targets).
std::vector<uint8_t> Wrap32(const std::vector<uint8_t>& body, uint64_t at, bool ymm) {
  Emitter e;
  e.Bytes({0x8C, 0xD0, 0x8E, 0xD8, 0x8E, 0xC0});  // mov eax, ss / mov ds, eax / mov es, eax
  Prologue(e);
  if (ymm) LoadYmmUpper(e);  // still in 64-bit mode
  const size_t far_pointer_disp = e.code.size() + 3;
  e.Bytes({0xFF, 0x2C, 0x25});  // jmp far m16:32 [abs32], patched below
  e.Disp32(0);
  const uint64_t body_at = at + e.code.size();
  e.code.insert(e.code.end(), body.begin(), body.end());
  for (unsigned r = 0; r < 8; ++r) e.Store32(r, kOutRegs + 8 * r);
  e.Byte(0xBC);  // mov esp, kStackTop
  e.Disp32(kStackTop);
  e.Byte(0x9C);                 // pushfd
  e.Bytes({0x8F, 0x05});        // pop dword [kFlagsOut]
  e.Disp32(kFlagsOut);
  e.Byte(0xEA);                 // jmp far ptr16:32 to the 64-bit epilogue
  const size_t back_offset = e.code.size();
  e.Disp32(0);
  e.Bytes({static_cast<uint8_t>(kUser64Cs), 0});
  const uint64_t back_at = at + e.code.size();
  for (int i = 0; i < 4; ++i) e.code[back_offset + i] = static_cast<uint8_t>(back_at >> (8 * i));
  if (ymm) StoreYmmUpper(e);  // back in 64-bit mode
  Epilogue(e);
  const uint64_t pointer_at = at + e.code.size();  // m16:32 for the jump in
  e.Disp32(body_at);
  e.Bytes({static_cast<uint8_t>(kUser32Cs), 0});
  for (int i = 0; i < 4; ++i) e.code[far_pointer_disp + i] = static_cast<uint8_t>(pointer_at >> (8 * i));
  return e.code;
}

// The FXSAVE64 layout: FCW, FSW, abridged FTW, FOP, FIP, FDP, MXCSR, ST0-7 (16 bytes each),
// XMM0-15.
void WriteFxImage(const OracleState& st, uint8_t* b) {
  std::memset(b, 0, 512);
  std::memcpy(b + 0, &st.x87.fcw, 2);
  std::memcpy(b + 2, &st.x87.fsw, 2);
  b[4] = st.x87.ftw;
  std::memcpy(b + 6, &st.x87.fop, 2);
  std::memcpy(b + 8, &st.x87.fip, 8);
  std::memcpy(b + 16, &st.x87.fdp, 8);
  std::memcpy(b + 24, &st.mxcsr, 4);
  for (int i = 0; i < 8; ++i) std::memcpy(b + 32 + 16 * i, st.x87.st[i], 10);
  std::memcpy(b + 160, st.xmm, sizeof st.xmm);
}

void ReadFxImage(const uint8_t* b, OracleX87& x) {
  std::memcpy(&x.fcw, b + 0, 2);
  std::memcpy(&x.fsw, b + 2, 2);
  x.ftw = b[4];
  std::memcpy(&x.fop, b + 6, 2);
  std::memcpy(&x.fip, b + 8, 8);
  std::memcpy(&x.fdp, b + 16, 8);
  for (int i = 0; i < 8; ++i) std::memcpy(x.st[i], b + 32 + 16 * i, 10);
}

sigjmp_buf g_jump;  // the child's own copy; the parent never touches it
volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_trap = -1;

// Records the registers and flags of the faulting instruction (the case's state at the fault:
// e.g. a REP string instruction's RSI/RDI/RCX after the elements it completed), then abandons
// the case.
void OnSignal(int sig, siginfo_t*, void* context) {
  const greg_t* g = static_cast<const ucontext_t*>(context)->uc_mcontext.gregs;
  static constexpr int kOrder[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                     REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  auto* out = reinterpret_cast<uint64_t*>(kOutRegs);
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint64_t>(g[kOrder[i]]);
  *reinterpret_cast<uint64_t*>(kFlagsOut) = static_cast<uint64_t>(g[REG_EFL]);
  if (const auto* fp = static_cast<const ucontext_t*>(context)->uc_mcontext.fpregs) {
    std::memcpy(reinterpret_cast<void*>(kXmmOut), fp->_xmm, 16 * 16);
    *reinterpret_cast<uint32_t*>(kMxcsrOut) = fp->mxcsr;
    auto* mm = reinterpret_cast<uint64_t*>(kMmOut);
    for (int i = 0; i < 8; ++i) std::memcpy(&mm[i], fp->_st[i].significand, 8);  // ST(i) = MMi: TOP is 0 after the MOVQ loads
    std::memcpy(reinterpret_cast<void*>(kFxOut), fp, 512);  // the x87 state at the fault
  }
  YmmUpperFromSignalContext(static_cast<const ucontext_t*>(context));
  g_signal = sig;
  g_trap = static_cast<int>(static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_TRAPNO]);
  siglongjmp(g_jump, 1);
}

[[noreturn]] void Child(const std::vector<OracleCase>& cases, OracleResult* results) {
  void* code = mmap(reinterpret_cast<void*>(kOracleCodeBase), kCodeSize, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void* data = mmap(reinterpret_cast<void*>(kOracleDataBase), kOracleDataSize, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  void* scratch = mmap(reinterpret_cast<void*>(kScratch), 0x1000, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code == MAP_FAILED || data == MAP_FAILED || scratch == MAP_FAILED) _exit(3);
  static uint8_t alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof alt_stack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_sigaction = OnSignal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  for (int sig : {SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP}) sigaction(sig, &sa, nullptr);
  uint64_t* scratch_words = static_cast<uint64_t*>(scratch);
  FindYmmOffset();
  for (size_t i = 0; i < cases.size(); ++i) {
    const OracleCase& c = cases[i];
    const std::vector<uint8_t> wrapped = c.mode == OracleMode::k32 ? Wrap32(c.code, kOracleCodeBase, c.ymm) : Wrap(c.code, c.mmx, c.ymm);
    std::memcpy(code, wrapped.data(), wrapped.size());
    __builtin___clear_cache(static_cast<char*>(code), static_cast<char*>(code) + wrapped.size());
    std::memcpy(data, c.in.data, kOracleDataSize);
    std::memcpy(scratch_words, c.in.gpr, sizeof c.in.gpr);
    scratch_words[(kFlagsIn - kScratch) / 8] = c.in.rflags;
    std::memcpy(reinterpret_cast<void*>(kXmmIn), c.in.xmm, sizeof c.in.xmm);
    *reinterpret_cast<uint32_t*>(kMxcsrIn) = c.in.mxcsr;
    WriteFxImage(c.in, reinterpret_cast<uint8_t*>(kFxIn));
    std::memset(reinterpret_cast<void*>(kFxOut), 0, 512);
    *reinterpret_cast<uint32_t*>(kMxcsrHost) = 0x1F80;
    std::memcpy(reinterpret_cast<void*>(kMmIn), c.in.mm, sizeof c.in.mm);
    std::memcpy(reinterpret_cast<void*>(kYmmHiIn), c.in.ymm_hi, sizeof c.in.ymm_hi);
    std::memset(scratch_words + (kOutRegs - kScratch) / 8, 0, sizeof c.in.gpr);  // 32-bit cases store halves
    OracleResult& r = results[i];
    g_signal = 0;
    g_trap = -1;
    if (sigsetjmp(g_jump, 1) == 0) {
      reinterpret_cast<void (*)()>(code)();
    } else {
      // The case may have set DF, or loaded its MXCSR, before it faulted.
      const uint32_t mxcsr = 0x1F80;
      asm volatile("cld\n\tfninit\n\tldmxcsr %0" : : "m"(mxcsr));
      if (c.ymm) asm volatile(".byte 0xc5, 0xf8, 0x77");  // vzeroupper
    }
    r.signal = g_signal;
    r.trap = g_trap;
    std::memcpy(r.out.gpr, scratch_words + (kOutRegs - kScratch) / 8, sizeof r.out.gpr);
    r.out.rflags = scratch_words[(kFlagsOut - kScratch) / 8];
    std::memcpy(r.out.xmm, reinterpret_cast<const void*>(kXmmOut), sizeof r.out.xmm);
    r.out.mxcsr = *reinterpret_cast<const uint32_t*>(kMxcsrOut);
    if (c.mmx) std::memcpy(r.out.mm, reinterpret_cast<const void*>(kMmOut), sizeof r.out.mm);
    ReadFxImage(reinterpret_cast<const uint8_t*>(kFxOut), r.out.x87);
    if (c.ymm) std::memcpy(r.out.ymm_hi, reinterpret_cast<const void*>(kYmmHiOut), sizeof r.out.ymm_hi);
    std::memcpy(r.out.data, data, kOracleDataSize);
  }
  _exit(0);
}

}  // namespace

bool RunOnHost(const std::vector<OracleCase>& cases, std::vector<OracleResult>& results, std::string& error) {
#if defined(__SANITIZE_ADDRESS__) || KILN_HAS_FEATURE(address_sanitizer)
  // Under ASan the child's SIGSEGV recovery (siglongjmp off the alternate stack, which ASan
  // intercepts) makes later clean cases fault spuriously. The oracle is a reference, not code
  // under test: the release build runs it; sanitizer builds compare engines with each other.
  (void)cases;
  (void)results;
  error = "the host CPU oracle does not run in sanitizer builds (the release tests run it)";
  return false;
#endif
  results.assign(cases.size(), OracleResult{});
  const size_t bytes = sizeof(OracleResult) * (cases.size() ? cases.size() : 1);
  void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    error = "mmap of the result area failed";
    return false;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    munmap(shared, bytes);
    error = "fork failed";
    return false;
  }
  if (pid == 0) Child(cases, static_cast<OracleResult*>(shared));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    munmap(shared, bytes);
    error = WIFEXITED(status) ? "the oracle child could not map its fixed addresses"
                              : "the oracle child died (signal " + std::to_string(WTERMSIG(status)) + ")";
    return false;
  }
  std::memcpy(static_cast<void*>(results.data()), shared, sizeof(OracleResult) * cases.size());
  munmap(shared, bytes);
  return true;
}

#else

bool RunOnHost(const std::vector<OracleCase>&, std::vector<OracleResult>&, std::string& error) {
  error = "the host CPU oracle needs an x86-64 Linux host";
  return false;
}

#endif

}  // namespace kiln::test
