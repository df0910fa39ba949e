// `kiln user`: loading a static x86-64 Linux ELF, its initial stack, and Linux system calls.
// System call numbers and structures: Linux's arch/x86/entry/syscalls/syscall_64.tbl and the
// System V x86-64 ABI (3.4.1, "Initial Stack and Register State").
#include "machine/user/linux_process.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/disasm/printer.h"
#include "jit/semantics/flags.h"
#include "machine/elf_image.h"

namespace kiln::machine {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kHeapSize = 1ull << 30;          // brk area after the program image
constexpr uint64_t kMmapBase = 0x7f0000000000ull;   // anonymous mmap area
constexpr uint64_t kMmapSize = 4ull << 30;
constexpr uint64_t kStackTop = 0x7ffffffff000ull;
constexpr uint64_t kStackSize = 64ull << 20;

constexpr uint64_t PageDown(uint64_t v) { return v & ~(kPage - 1); }
constexpr uint64_t PageUp(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

// Auxiliary vector types (System V ABI, Linux include/uapi/linux/auxvec.h).
enum : uint64_t { kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6, kAtEntry = 9,
                  kAtUid = 11, kAtEuid = 12, kAtGid = 13, kAtEgid = 14, kAtHwcap = 16, kAtClktck = 17,
                  kAtSecure = 23, kAtRandom = 25, kAtExecfn = 31 };

// Linux x86-64 system call numbers used here.
enum : uint64_t {
  kRead = 0, kWrite = 1, kOpen = 2, kClose = 3, kFstat = 5, kLseek = 8, kMmap = 9, kMprotect = 10,
  kMunmap = 11, kBrk = 12, kRtSigaction = 13, kRtSigprocmask = 14, kIoctl = 16, kPread64 = 17, kWritev = 20,
  kAccess = 21, kMadvise = 28, kGetpid = 39, kExit = 60, kUname = 63, kFcntl = 72, kGetcwd = 79,
  kReadlink = 89, kDup = 32, kDup2 = 33, kDup3 = 292, kGettimeofday = 96, kGetuid = 102, kGetgid = 104, kGeteuid = 107, kGetegid = 108,
  kSigaltstack = 131, kArchPrctl = 158, kGettid = 186, kTime = 201, kFutex = 202, kSetTidAddress = 218,
  kClockGettime = 228, kExitGroup = 231, kOpenat = 257, kNewfstatat = 262, kSetRobustList = 273,
  kPrlimit64 = 302, kGetrandom = 318, kRseq = 334,
};

constexpr int64_t Err(int e) { return -static_cast<int64_t>(e); }

}  // namespace

std::unique_ptr<LinuxProcess> LinuxProcess::Load(std::span<const uint8_t> elf_bytes, UserProcessOptions options,
                                                 std::string& error) {
  auto elf = ElfImage::Parse(elf_bytes, error);
  if (!elf) return nullptr;
  if (elf->elf_class() != ElfClass::k64 || elf->machine() != kElfMachineX86_64) {
    error = "not an x86-64 ELF executable";
    return nullptr;
  }
  if (elf->type() != 2) {  // ET_EXEC
    error = "not a static executable (ET_EXEC); position-independent and dynamic programs are not supported";
    return nullptr;
  }
  for (const ElfSegment& seg : elf->segments()) {
    if (seg.type == 3) {  // PT_INTERP
      error = "dynamically linked (has an interpreter); build it with -static";
      return nullptr;
    }
  }
  std::unique_ptr<LinuxProcess> p(new LinuxProcess(std::move(options)));
  uint64_t lo = ~uint64_t{0}, hi = 0;
  for (const ElfSegment& seg : elf->segments()) {
    if (seg.type != kElfSegmentLoad || seg.mem_size == 0) continue;
    lo = std::min(lo, PageDown(seg.vaddr));
    hi = std::max(hi, PageUp(seg.vaddr + seg.mem_size));
  }
  if (lo >= hi || hi - lo > (1ull << 32)) {
    error = "no loadable segments, or an image larger than 4 GiB";
    return nullptr;
  }
  p->brk_start_ = p->brk_ = hi;
  p->brk_limit_ = hi + kHeapSize;
  if (!p->memory_.AddRegion(lo, hi - lo + kHeapSize, error) ||
      !p->memory_.AddRegion(kMmapBase, kMmapSize, error) ||
      !p->memory_.AddRegion(kStackTop - kStackSize, kStackSize, error)) {
    return nullptr;
  }
  p->mmap_next_ = kMmapBase;
  p->mmap_limit_ = kMmapBase + kMmapSize;
  for (const ElfSegment& seg : elf->segments()) {
    if (seg.type != kElfSegmentLoad) continue;
    // ElfImage::Parse checked [offset, offset + file_size) against the file.
    if (!p->memory_.CopyIn(seg.vaddr, elf_bytes.data() + seg.offset, seg.file_size)) {
      error = "a segment lies outside the program image";
      return nullptr;
    }
    // The program headers are in the first loadable segment that covers them.
  }
  p->entry_ = elf->entry();
  // AT_PHDR: the address of the program headers, inside the loaded image (e_phoff from lo).
  uint64_t phoff = 0;
  std::memcpy(&phoff, elf_bytes.data() + 32, 8);
  uint16_t phnum = 0;
  std::memcpy(&phnum, elf_bytes.data() + 56, 2);
  p->phnum_ = phnum;
  for (const ElfSegment& seg : elf->segments()) {
    if (seg.type == kElfSegmentLoad && phoff >= seg.offset && phoff < seg.offset + seg.file_size) {
      p->phdr_addr_ = seg.vaddr + (phoff - seg.offset);
      break;
    }
  }
  if (!p->SetUpStack(error)) return nullptr;

  CpuState& s = p->state_;
  s.efer = efer::kLme | efer::kLma | efer::kSce;
  s.seg[kCs].attributes = seg_attr::kLong;
  // The selectors Linux gives a 64-bit process (__USER_CS, __USER_DS; the others null), which
  // MOV r, Sreg and PUSH Sreg read.
  s.seg[kCs].selector = 0x33;
  s.seg[kSs].selector = 0x2B;
  s.cpl = 3;
  s.cpu_model = &p->options_.cpu_model;
  s.cr4 = (1u << 9) | (1u << 10);  // OSFXSR, OSXMMEXCPT: as Linux runs user programs (#XM -> SIGFPE)
  s.cr0 |= 1u << 5;                 // NE: x87 errors raise #MF (SIGFPE), as under Linux
  // Linux enables XSAVE with the x87, SSE and AVX state when the CPU has it (XGETBV(0) = 7): what
  // glibc checks, with CPUID's OSXSAVE, before it uses AVX.
  if (p->options_.cpu_model.leaf1_ecx & (1u << 26)) {
    s.cr4 |= 1u << 18;  // OSXSAVE
    s.xcr0 = 7;
  }
  s.rip = p->entry_;
  p->interp_ = std::make_unique<jit::Interpreter>(p->state_, p->memory_);
  p->noted_syscalls_.assign(512, false);
  return p;
}

bool LinuxProcess::SetUpStack(std::string& error) {
  // Strings at the top, then 16 random bytes (AT_RANDOM), then argc/argv/envp/auxv below,
  // with RSP 16-byte aligned at argc (System V ABI 3.4.1).
  uint64_t sp = kStackTop;
  auto push_bytes = [&](const void* data, size_t n) {
    sp -= n;
    if (memory_.CopyIn(sp, data, n)) return true;
    error = "the arguments and environment do not fit on the stack";
    return false;
  };
  std::vector<uint64_t> argv_addrs, envp_addrs;
  for (auto it = options_.envp.rbegin(); it != options_.envp.rend(); ++it) {
    if (!push_bytes(it->c_str(), it->size() + 1)) return false;
    envp_addrs.insert(envp_addrs.begin(), sp);
  }
  for (auto it = options_.argv.rbegin(); it != options_.argv.rend(); ++it) {
    if (!push_bytes(it->c_str(), it->size() + 1)) return false;
    argv_addrs.insert(argv_addrs.begin(), sp);
  }
  const uint64_t execfn = argv_addrs.empty() ? 0 : argv_addrs[0];
  uint8_t random[16];
  std::random_device rd;
  for (auto& b : random) b = static_cast<uint8_t>(rd());
  sp &= ~uint64_t{15};
  if (!push_bytes(random, sizeof random)) return false;
  const uint64_t random_addr = sp;

  std::vector<uint64_t> words;
  words.push_back(argv_addrs.size());
  words.insert(words.end(), argv_addrs.begin(), argv_addrs.end());
  words.push_back(0);
  words.insert(words.end(), envp_addrs.begin(), envp_addrs.end());
  words.push_back(0);
  const uint64_t auxv[][2] = {{kAtPhdr, phdr_addr_}, {kAtPhent, 56}, {kAtPhnum, phnum_}, {kAtPagesz, kPage},
                              {kAtEntry, entry_}, {kAtUid, 1000}, {kAtEuid, 1000}, {kAtGid, 1000},
                              {kAtEgid, 1000}, {kAtHwcap, 0}, {kAtClktck, 100}, {kAtSecure, 0},
                              {kAtRandom, random_addr}, {kAtExecfn, execfn}, {kAtNull, 0}};
  for (const auto& a : auxv) {
    words.push_back(a[0]);
    words.push_back(a[1]);
  }
  sp -= words.size() * 8;
  sp &= ~uint64_t{15};
  for (size_t i = 0; i < words.size(); ++i) {
    if (!memory_.CopyIn(sp + i * 8, &words[i], 8)) {
      error = "the initial stack does not fit";
      return false;
    }
  }
  state_.gpr[kRsp] = sp;
  return true;
}

LinuxProcess::~LinuxProcess() {
  for (size_t i = 0; i < fds_.size(); ++i) CloseFd(i);
}

int LinuxProcess::HostFd(uint64_t guest_fd) const {
  if (guest_fd >= fds_.size() || fds_[guest_fd].kind != GuestFd::kHost) return -1;
  return fds_[guest_fd].host;
}

void LinuxProcess::CloseFd(size_t fd) {
  if (fd >= fds_.size()) return;
  if (fds_[fd].kind == GuestFd::kHost && fds_[fd].owned) ::close(fds_[fd].host);
  fds_[fd] = GuestFd{};
}

// dup/dup2/fcntl(F_DUPFD): new_fd < 0 means "the lowest free descriptor >= lowest".
int64_t LinuxProcess::Duplicate(uint64_t old_fd, int64_t new_fd, uint64_t lowest) {
  if (old_fd >= fds_.size() || fds_[old_fd].kind == GuestFd::kClosed) return Err(EBADF);
  if (new_fd < 0) {
    new_fd = static_cast<int64_t>(lowest);
    while (static_cast<size_t>(new_fd) < fds_.size() && fds_[new_fd].kind != GuestFd::kClosed) ++new_fd;
  }
  if (new_fd > 1023) return Err(EMFILE);
  if (static_cast<uint64_t>(new_fd) == old_fd) return new_fd;
  GuestFd copy = fds_[old_fd];
  if (copy.kind == GuestFd::kHost) {
    copy.host = ::dup(copy.host);
    if (copy.host < 0) return Err(errno);
    copy.owned = true;
  }
  if (static_cast<size_t>(new_fd) >= fds_.size()) fds_.resize(new_fd + 1);
  CloseFd(static_cast<size_t>(new_fd));
  fds_[new_fd] = copy;
  return new_fd;
}

// open/openat for reading only: the program sees host files, as under qemu-user, but cannot
// change them (a test and benchmark harness has no business writing the host's files).
int64_t LinuxProcess::OpenFile(uint64_t path_addr, uint64_t flags) {
  std::string path;
  for (uint64_t a = path_addr;; ++a) {
    char c;
    if (!memory_.CopyOut(a, &c, 1)) return Err(EFAULT);
    if (c == 0) break;
    if (path.size() >= 4096) return Err(ENAMETOOLONG);
    path.push_back(c);
  }
  if ((flags & 3) != 0 || (flags & (O_CREAT | O_TRUNC))) return Err(EACCES);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (flags & O_DIRECTORY));
  if (fd < 0) return Err(errno);
  size_t guest = 0;
  while (guest < fds_.size() && fds_[guest].kind != GuestFd::kClosed) ++guest;
  if (guest >= 1024) {
    ::close(fd);
    return Err(EMFILE);
  }
  if (guest == fds_.size()) fds_.emplace_back();
  fds_[guest] = GuestFd{GuestFd::kHost, fd, true};
  return static_cast<int64_t>(guest);
}

// struct stat as the x86-64 Linux ABI lays it out (144 bytes), filled from the host's fields.
int64_t LinuxProcess::StatTo(uint64_t dst, int host_fd, const std::string* path) {
  struct stat st;
  if ((path ? ::stat(path->c_str(), &st) : ::fstat(host_fd, &st)) != 0) return Err(errno);
  uint8_t out[144] = {};
  auto put64 = [&](size_t off, uint64_t v) { for (int i = 0; i < 8; ++i) out[off + i] = static_cast<uint8_t>(v >> (8 * i)); };
  auto put32 = [&](size_t off, uint32_t v) { for (int i = 0; i < 4; ++i) out[off + i] = static_cast<uint8_t>(v >> (8 * i)); };
  put64(0, st.st_dev);
  put64(8, st.st_ino);
  put64(16, st.st_nlink);
  put32(24, st.st_mode);
  put32(28, st.st_uid);
  put32(32, st.st_gid);
  put64(40, st.st_rdev);
  put64(48, static_cast<uint64_t>(st.st_size));
  put64(56, static_cast<uint64_t>(st.st_blksize));
  put64(64, static_cast<uint64_t>(st.st_blocks));
  put64(72, static_cast<uint64_t>(st.st_atim.tv_sec));
  put64(80, static_cast<uint64_t>(st.st_atim.tv_nsec));
  put64(88, static_cast<uint64_t>(st.st_mtim.tv_sec));
  put64(96, static_cast<uint64_t>(st.st_mtim.tv_nsec));
  put64(104, static_cast<uint64_t>(st.st_ctim.tv_sec));
  put64(112, static_cast<uint64_t>(st.st_ctim.tv_nsec));
  return memory_.CopyIn(dst, out, sizeof out) ? 0 : Err(EFAULT);
}

UserExit LinuxProcess::Run() {
  uint64_t budget = options_.max_instructions;
  while (!exited_) {
    const uint64_t before = state_.retired;
    const jit::Exit e = interp_->Run(budget);
    const uint64_t ran = state_.retired - before;
    budget = budget > ran ? budget - ran : 0;
    switch (e.reason) {
      case jit::ExitReason::kSyscall:
        SystemCall();
        break;
      case jit::ExitReason::kInstructionLimit:
        return UserExit{UserExit::Kind::kInstructionLimit, 0, "instruction limit reached"};
      case jit::ExitReason::kHalt:
        return UserExit{UserExit::Kind::kFault, 0, "HLT in user mode (#GP)"};
      case jit::ExitReason::kSystem:  // only a system machine traps system instructions
        return UserExit{UserExit::Kind::kFault, 0, "system instruction trapped in user mode"};
      case jit::ExitReason::kException: {
        static constexpr const char* kNames[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                                 "#DF", "?", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
                                                 "#MF", "#AC", "#MC", "#XM"};
        char line[160];
        std::snprintf(line, sizeof line, "%s at rip 0x%llx%s", e.vector < 20 ? kNames[e.vector] : "exception",
                      static_cast<unsigned long long>(state_.rip),
                      e.vector == jit::vec::kPf ? " (page fault)" : "");
        std::string msg = line;
        if (e.vector == jit::vec::kPf) {
          std::snprintf(line, sizeof line, ", address 0x%llx", static_cast<unsigned long long>(e.fault_address));
          msg += line;
        }
        return UserExit{UserExit::Kind::kFault, 0, msg};
      }
    }
  }
  return exit_;
}

bool LinuxProcess::SystemCall() {
  const uint64_t nr = state_.gpr[kRax];
  const uint64_t args[6] = {state_.gpr[kRdi], state_.gpr[kRsi], state_.gpr[kRdx],
                            state_.gpr[kR10], state_.gpr[kR8], state_.gpr[kR9]};
  const int64_t result = Dispatch(nr, args);
  if (exited_) return false;
  // SYSCALL clobbers RCX (return RIP) and R11 (RFLAGS) (SDM Vol.2 SYSCALL; Linux ABI).
  state_.gpr[kRcx] = state_.rip;
  state_.gpr[kR11] = jit::sem::ReadRflags(state_);
  state_.gpr[kRax] = static_cast<uint64_t>(result);
  return true;
}

int64_t LinuxProcess::Dispatch(uint64_t nr, const uint64_t a[6]) {
  auto write_fd = [&](uint64_t fd, uint64_t buf, uint64_t len) -> int64_t {
    std::FILE* f = nullptr;
    if (fd < fds_.size() && fds_[fd].kind == GuestFd::kStdout) f = options_.stdout_file;
    if (fd < fds_.size() && fds_[fd].kind == GuestFd::kStderr) f = options_.stderr_file;
    if (!f) return Err(EBADF);
    std::vector<uint8_t> data(len);
    if (!memory_.CopyOut(buf, data.data(), len)) return Err(EFAULT);
    std::fwrite(data.data(), 1, len, f);
    std::fflush(f);
    return static_cast<int64_t>(len);
  };
  switch (nr) {
    case kWrite:
      if (a[2] > (1u << 30)) return Err(EINVAL);
      return write_fd(a[0], a[1], a[2]);
    case kWritev: {
      if (a[2] > 1024) return Err(EINVAL);
      int64_t total = 0;
      for (uint64_t i = 0; i < a[2]; ++i) {
        uint64_t iov[2];
        if (!memory_.CopyOut(a[1] + i * 16, iov, 16)) return Err(EFAULT);
        if (iov[1] > (1u << 30)) return Err(EINVAL);
        const int64_t n = write_fd(a[0], iov[0], iov[1]);
        if (n < 0) return n;
        total += n;
      }
      return total;
    }
    case kRead:
    case kPread64: {
      const int fd = HostFd(a[0]);
      if (fd < 0) return Err(EBADF);
      const uint64_t len = a[2] > (1u << 24) ? (1u << 24) : a[2];
      std::vector<uint8_t> data(len);
      const ssize_t n = nr == kRead ? ::read(fd, data.data(), len) : ::pread(fd, data.data(), len, static_cast<off_t>(a[3]));
      if (n < 0) return Err(errno);
      return memory_.CopyIn(a[1], data.data(), static_cast<size_t>(n)) ? n : Err(EFAULT);
    }
    case kOpen:
      return OpenFile(a[0], a[1]);
    case kOpenat:
      if (static_cast<int32_t>(a[0]) != -100) return Err(ENOSYS);  // only AT_FDCWD (an int)
      return OpenFile(a[1], a[2]);
    case kClose:
      if (a[0] >= fds_.size() || fds_[a[0]].kind == GuestFd::kClosed) return Err(EBADF);
      CloseFd(a[0]);
      return 0;
    case kDup:
      return Duplicate(a[0], -1, 0);
    case kDup2:
    case kDup3:
      if (nr == kDup3 && a[0] == a[1]) return Err(EINVAL);
      return a[1] > 1023 ? Err(EBADF) : Duplicate(a[0], static_cast<int64_t>(a[1]), 0);
    case kFcntl:
      if (a[1] == 0 || a[1] == 1030) return Duplicate(a[0], -1, a[2]);  // F_DUPFD(_CLOEXEC)
      if (a[0] >= fds_.size() || fds_[a[0]].kind == GuestFd::kClosed) return Err(EBADF);
      return 0;  // F_GETFD, F_SETFD, F_GETFL, F_SETFL: nothing to report or change
    case kFstat: {
      if (a[0] < fds_.size() && fds_[a[0]].kind >= GuestFd::kStdout)
        return StatTo(a[1], fds_[a[0]].kind == GuestFd::kStdout ? 1 : 2, nullptr);
      const int fd = HostFd(a[0]);
      return fd < 0 ? Err(EBADF) : StatTo(a[1], fd, nullptr);
    }
    case kNewfstatat: {
      if (a[3] & 0x1000) {  // AT_EMPTY_PATH: fstat of dirfd
        if (a[0] < fds_.size() && fds_[a[0]].kind >= GuestFd::kStdout)
          return StatTo(a[2], fds_[a[0]].kind == GuestFd::kStdout ? 1 : 2, nullptr);
        const int fd = HostFd(a[0]);
        return fd < 0 ? Err(EBADF) : StatTo(a[2], fd, nullptr);
      }
      std::string path;
      for (uint64_t p = a[1];; ++p) {
        char c;
        if (!memory_.CopyOut(p, &c, 1)) return Err(EFAULT);
        if (c == 0) break;
        if (path.size() >= 4096) return Err(ENAMETOOLONG);
        path.push_back(c);
      }
      return StatTo(a[2], -1, &path);
    }
    case kLseek: {
      const int fd = HostFd(a[0]);
      if (fd < 0 || (fd == 0 && !fds_[a[0]].owned)) return Err(ESPIPE);
      const off_t r = ::lseek(fd, static_cast<off_t>(a[1]), static_cast<int>(a[2]));
      return r < 0 ? Err(errno) : static_cast<int64_t>(r);
    }
    case kExit:
    case kExitGroup:
      exited_ = true;
      exit_ = UserExit{UserExit::Kind::kExited, static_cast<int>(a[0] & 0xFF), ""};
      return 0;
    case kBrk:
      if (a[0] >= brk_start_ && a[0] <= brk_limit_) brk_ = a[0];
      return static_cast<int64_t>(brk_);
    case kMmap: {
      // Anonymous private memory from a bump allocator (MAP_ANONYMOUS = 0x20); no files.
      const uint64_t len = PageUp(a[1]);
      if (!(a[3] & 0x20) || len == 0) return Err(ENODEV);
      if (len > mmap_limit_ - mmap_next_) return Err(ENOMEM);
      const uint64_t addr = mmap_next_;
      mmap_next_ += len;
      return static_cast<int64_t>(addr);
    }
    case kMunmap:
    case kMprotect:
    case kMadvise:
    case kRtSigaction:
    case kRtSigprocmask:
    case kSigaltstack:
    case kSetRobustList:
    case kFutex:
      return 0;
    case kArchPrctl:
      if (a[0] == 0x1002) {  // ARCH_SET_FS
        state_.seg[kFs].base = a[1];
        return 0;
      }
      if (a[0] == 0x1001) {  // ARCH_SET_GS
        state_.seg[kGs].base = a[1];
        return 0;
      }
      return Err(EINVAL);
    case kSetTidAddress:
    case kGettid:
    case kGetpid:
      return 1000;
    case kGetuid:
    case kGeteuid:
    case kGetgid:
    case kGetegid:
      return 1000;
    case kUname: {
      // struct utsname: six 65-byte fields.
      char u[6][65] = {};
      std::strcpy(u[0], "Linux");
      std::strcpy(u[1], "kiln");
      std::strcpy(u[2], "6.1.0-kiln");
      std::strcpy(u[3], "#1 SMP");
      std::strcpy(u[4], "x86_64");
      return memory_.CopyIn(a[0], u, sizeof u) ? 0 : Err(EFAULT);
    }
    case kClockGettime:
    case kGettimeofday:
    case kTime: {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
      if (nr == kTime) {
        const int64_t t = ns / 1000000000;
        if (a[0] && !memory_.CopyIn(a[0], &t, 8)) return Err(EFAULT);
        return t;
      }
      const int64_t ts[2] = {ns / 1000000000, nr == kGettimeofday ? (ns % 1000000000) / 1000 : ns % 1000000000};
      const uint64_t dst = nr == kGettimeofday ? a[0] : a[1];
      return memory_.CopyIn(dst, ts, sizeof ts) ? 0 : Err(EFAULT);
    }
    case kGetrandom: {
      if (a[1] > (1u << 20)) return Err(EINVAL);
      std::vector<uint8_t> bytes(a[1]);
      std::random_device rd;
      for (auto& b : bytes) b = static_cast<uint8_t>(rd());
      return memory_.CopyIn(a[0], bytes.data(), bytes.size()) ? static_cast<int64_t>(a[1]) : Err(EFAULT);
    }
    case kIoctl:
      return Err(ENOTTY);
    case kAccess:
    case kReadlink:
      return Err(ENOENT);
    default:
      break;
  }
  if (nr < noted_syscalls_.size() && !noted_syscalls_[nr]) {
    noted_syscalls_[nr] = true;
    std::fprintf(options_.notes, "kiln user: system call %llu is not implemented (returns -ENOSYS)\n",
                 static_cast<unsigned long long>(nr));
  }
  return Err(ENOSYS);
}

}  // namespace kiln::machine
