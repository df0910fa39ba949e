// Character backends: POSIX file descriptors with line buffering, poll(2) for non-blocking input.
#include "machine/chardev.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln::machine {
namespace {

constexpr size_t kFlushThreshold = 4096;

}  // namespace

FdCharBackend::FdCharBackend(std::string name, int out_fd, bool owns_out, int in_fd)
    : name_(std::move(name)), out_fd_(out_fd), owns_out_(owns_out), in_fd_(in_fd) {}

FdCharBackend::~FdCharBackend() {
  Flush();
  if (owns_out_ && out_fd_ >= 0) close(out_fd_);
}

void FdCharBackend::Write(const uint8_t* data, size_t size) {
  if (out_fd_ < 0 || !error_.empty()) return;
  pending_.insert(pending_.end(), data, data + size);
  if (pending_.size() >= kFlushThreshold || std::memchr(data, '\n', size) != nullptr) Flush();
}

void FdCharBackend::Flush() {
  size_t done = 0;
  while (done < pending_.size() && out_fd_ >= 0 && error_.empty()) {
    const ssize_t n = ::write(out_fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a non-blocking stdout: wait for room
        pollfd p{out_fd_, POLLOUT, 0};
        (void)::poll(&p, 1, 100);
        continue;
      }
      error_ = name_ + ": " + std::strerror(errno);
      break;
    }
    done += static_cast<size_t>(n);
  }
  pending_.clear();
}

size_t FdCharBackend::Read(uint8_t* data, size_t size) {
  if (in_fd_ < 0 || in_eof_ || size == 0) return 0;
  pollfd p{in_fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return 0;
  const ssize_t n = ::read(in_fd_, data, size);
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0) {
    in_eof_ = true;
  } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
    in_eof_ = true;
    if (error_.empty()) error_ = name_ + " (input): " + std::strerror(errno);
  }
  return 0;
}

std::unique_ptr<FileCharBackend> FileCharBackend::Open(const std::string& path, bool append, std::string& error) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, 0666);
  if (fd < 0) {
    error = "cannot open '" + path + "' for writing: " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<FileCharBackend>(new FileCharBackend(path, fd));
}

StdioCharBackend::StdioCharBackend(bool mux) : FdCharBackend("stdio", STDOUT_FILENO, false, STDIN_FILENO), mux_(mux) {
  if (!mux_ || !::isatty(STDIN_FILENO)) return;
  saved_ = new termios;
  if (::tcgetattr(STDIN_FILENO, saved_) != 0) return;
  termios raw = *saved_;
  // QEMU's stdio settings: no input translation or flow control, no echo, no line editing, no
  // signals from the keyboard (Ctrl-C reaches the guest); output processing stays on.
  raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_oflag |= OPOST;
  raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
  raw.c_cflag &= ~(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  restore_terminal_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

StdioCharBackend::~StdioCharBackend() {
  Flush();
  if (restore_terminal_) ::tcsetattr(STDIN_FILENO, TCSANOW, saved_);
  delete saved_;
}

size_t StdioCharBackend::Read(uint8_t* data, size_t size) {
  const size_t n = FdCharBackend::Read(data, size);
  if (!mux_) return n;
  constexpr uint8_t kCtrlA = 0x01;
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = data[i];
    if (!escape_) {
      if (c == kCtrlA) escape_ = true;
      else data[out++] = c;
      continue;
    }
    escape_ = false;
    switch (c) {
      case 'x': case 'X': {
        static const char kBye[] = "\r\nkiln: terminated by Ctrl-A x\r\n";
        Write(reinterpret_cast<const uint8_t*>(kBye), sizeof kBye - 1);
        Flush();
        if (on_quit) on_quit();
        break;
      }
      case kCtrlA: case 'a': data[out++] = kCtrlA; break;
      case 'h': case 'H': case '?': {
        static const char kHelp[] =
            "\r\nC-a h    print this help\r\nC-a x    exit Kiln\r\nC-a C-a  send C-a\r\n";
        Write(reinterpret_cast<const uint8_t*>(kHelp), sizeof kHelp - 1);
        Flush();
        break;
      }
      default: break;  // QEMU ignores unknown escapes too
    }
  }
  return out;
}

std::unique_ptr<devices::CharBackend> OpenCharBackend(const std::string& spec, std::string& error) {
  if (spec == "null") return std::make_unique<NullCharBackend>();
  if (spec == "stdio") return std::make_unique<StdioCharBackend>();
  if (spec == "mux:stdio") return std::make_unique<StdioCharBackend>(true);
  if (spec.rfind("file:", 0) == 0) {
    std::string path = spec.substr(5);
    bool append = false;
    const std::string suffix = ",append";
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      path.resize(path.size() - suffix.size());
      append = true;
    }
    if (path.empty()) {
      error = "character backend 'file:' needs a path";
      return nullptr;
    }
    return FileCharBackend::Open(path, append, error);
  }
  error = "unknown character backend '" + spec + "' (null, stdio, file:PATH[,append])";
  return nullptr;
}

}  // namespace kiln::machine
