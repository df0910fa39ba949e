// `kiln -kernel ... / -bios ...`: QEMU-style options into a PcConfig, then the run.
#include "ui/machine_command.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <iterator>
#include <map>
#include <optional>
#include <string>

#include "machine/pc/pc_machine.h"
#include "ui/cli/args.h"

namespace kiln::ui {
namespace {

/// QEMU's -m forms: a number of MiB ("512"), or with a K/M/G/T suffix ("512M", "4G").
std::optional<uint64_t> ParseMemorySize(std::string_view text) {
  uint64_t shift = 20;
  if (!text.empty() && !(text.back() >= '0' && text.back() <= '9')) {
    switch (text.back()) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: return std::nullopt;
    }
    text.remove_suffix(1);
  }
  const std::optional<uint64_t> n = ParseU64(text);
  if (!n || *n == 0 || *n > (uint64_t{1} << (64 - shift)) - 1) return std::nullopt;
  return *n << shift;
}

/// QEMU's -uuid form, 8-4-4-4-12 hex digits, into RFC 4122 byte order.
std::optional<std::array<uint8_t, 16>> ParseUuid(std::string_view text) {
  std::array<uint8_t, 16> out{};
  if (text.size() != 36) return std::nullopt;
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-') return std::nullopt;
      continue;
    }
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = hex(text[i]), lo = hex(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

/// "key=value,key=value" after a leading word ("isa-debug-exit,iobase=0xf4").
std::map<std::string, std::string> SplitProperties(std::string_view spec, std::string& first) {
  std::map<std::string, std::string> out;
  bool head = true;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    const size_t eq = item.find('=');
    if (head && eq == std::string_view::npos) first = std::string(item);
    else if (eq != std::string_view::npos) out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    else out[std::string(item)] = "";
    head = false;
  }
  return out;
}

/// A QEMU chardev spec for our backends: "stdio", "null", "none", "file:PATH".
std::optional<std::string> BackendSpec(std::string_view s) {
  if (s == "stdio" || s == "null") return std::string(s);
  if (s == "none") return std::string("null");
  if (s == "mon:stdio") return std::string("mux:stdio");  // QEMU: the terminal shared with the monitor
  if (s.starts_with("file:") && s.size() > 5) return std::string(s);
  return std::nullopt;
}

int Usage(const CommandIo& io, const std::string& message) {
  std::fprintf(io.err, "kiln: %s (try 'kiln --help')\n", message.c_str());
  return kExitUsage;
}

}  // namespace

namespace {
/// The signal that asked Kiln to stop: the one process-wide value a signal handler may write
/// (the machine polls it between instruction slices).
volatile std::sig_atomic_t g_stop_signal = 0;
void OnStopSignal(int signal) { g_stop_signal = signal; }
}  // namespace

int RunMachineCommand(std::span<const std::string_view> args, const CommandIo& io) {
  machine::PcConfig config;
  std::map<std::string, std::string> chardevs;  // id -> backend spec
  struct PendingDebugcon {
    uint16_t iobase;
    std::string chardev_id;
  };
  std::vector<PendingDebugcon> pending;
  bool serial_given = false;
  bool stats = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    const auto value = [&](std::string_view& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string_view v;
    if (flag == "-nographic" || flag == "-no-reboot" || flag == "-no-shutdown") {
      if (flag == "-no-reboot") config.no_reboot = true;
      continue;
    }
    static constexpr std::string_view kWithValue[] = {"-m", "-kernel", "-append", "-initrd", "-bios", "-cpu", "-display",
                                                      "-vga", "-monitor", "-d", "-serial", "-debugcon", "-chardev", "-device",
                                                      "-icount", "-uuid", "-smp", "-accel", "-machine", "-M"};
    if (std::find(std::begin(kWithValue), std::end(kWithValue), flag) == std::end(kWithValue)) {
      if (flag == "-s" || flag == "-S" || flag == "-gdb") return Usage(io, "the GDB stub (" + std::string(flag) + ") is not implemented yet");
      if (flag == "-hda" || flag == "-cdrom" || flag == "-drive" || flag == "-snapshot") return Usage(io, "disks (" + std::string(flag) + ") are not implemented yet");
      return Usage(io, "unknown option '" + std::string(flag) + "'");
    }
    if (!value(v)) return Usage(io, "option '" + std::string(flag) + "' needs a value");
    if (flag == "-m") {
      const auto size = ParseMemorySize(v);
      if (!size) return Usage(io, "bad memory size '" + std::string(v) + "' (forms: 512, 512M, 4G)");
      config.ram_bytes = *size;
    } else if (flag == "-kernel") {
      config.kernel = std::string(v);
    } else if (flag == "-append") {
      config.append = std::string(v);
    } else if (flag == "-initrd") {
      config.initrd = std::string(v);
    } else if (flag == "-bios") {
      config.bios = std::string(v);
    } else if (flag == "-cpu") {
      config.cpu_model = std::string(v);
    } else if (flag == "-display" || flag == "-vga" || flag == "-monitor") {
      if (v != "none") return Usage(io, "only '" + std::string(flag) + " none' is supported yet");
    } else if (flag == "-smp") {
      // QEMU's "-smp N" or "-smp cpus=N[,...]": one CPU until the SMP work.
      std::string first;
      auto props = SplitProperties(v, first);
      const auto n = ParseU64(props.count("cpus") ? props["cpus"] : first);
      if (!n || *n == 0) return Usage(io, "bad -smp '" + std::string(v) + "'");
      if (*n != 1) return Usage(io, "-smp " + std::to_string(*n) + ": more than one CPU is not implemented yet");
    } else if (flag == "-accel") {
      // Kiln is its own accelerator: QEMU's "tcg" (a software CPU) is what it is.
      std::string first;
      SplitProperties(v, first);
      if (first != "tcg") return Usage(io, "-accel " + first + " is not available: Kiln runs guests in software (-accel tcg)");
    } else if (flag == "-machine" || flag == "-M") {
      std::string first;
      auto props = SplitProperties(v, first);
      const std::string type = props.count("type") ? props["type"] : first;
      if (type != "pc" && !type.starts_with("pc-i440fx"))
        return Usage(io, "machine '" + type + "' is not available: Kiln has QEMU's 'pc' (i440FX + PIIX3)");
    } else if (flag == "-uuid") {
      const auto uuid = ParseUuid(v);
      if (!uuid) return Usage(io, "bad -uuid '" + std::string(v) + "' (form: 12345678-1234-1234-1234-123456789abc)");
      config.uuid = *uuid;
    } else if (flag == "-icount") {
      // QEMU's forms: "-icount N" or "-icount shift=N[,...]"; each instruction is 2^N ns.
      std::string first;
      auto props = SplitProperties(v, first);
      const std::string shift = props.count("shift") ? props["shift"] : first;
      const auto n = ParseU64(shift);
      if (!n || *n > 10) return Usage(io, "bad -icount '" + std::string(v) + "' (shift=N with N from 0 to 10)");
      config.icount_shift = static_cast<unsigned>(*n);
    } else if (flag == "-d") {
      // QEMU's log items Kiln knows: cpu_reset (registers on a triple fault or a dead CPU), and
      // Kiln's own "stats" (instructions retired and MIPS at exit).
      std::string first;
      const auto items = SplitProperties(v, first);
      for (const std::string& item : [&] {
             std::vector<std::string> all{first};
             for (const auto& [k, unused] : items) all.push_back(k);
             return all;
           }()) {
        if (item == "cpu_reset") config.dump_on_stop = true;
        else if (item == "stats") stats = true;
        else if (!item.empty()) return Usage(io, "unknown -d item '" + item + "' (cpu_reset, stats)");
      }
    } else if (flag == "-serial") {
      const auto spec = BackendSpec(v);
      if (!spec) return Usage(io, "unsupported -serial '" + std::string(v) + "' (stdio, null, none, file:PATH)");
      // Each -serial is the next COM port, as in QEMU; the first replaces the default COM1.
      if (!serial_given) config.serials.clear();
      serial_given = true;
      config.serials.push_back(*spec);
    } else if (flag == "-debugcon") {
      const auto spec = BackendSpec(v);
      if (!spec) return Usage(io, "unsupported -debugcon '" + std::string(v) + "' (stdio, null, file:PATH)");
      config.debugcons.push_back({0xE9, *spec});
    } else if (flag == "-chardev") {
      std::string kind;
      auto props = SplitProperties(v, kind);
      if (props["id"].empty()) return Usage(io, "-chardev needs id=");
      if (kind == "file" && !props["path"].empty()) chardevs[props["id"]] = "file:" + props["path"];
      else if (kind == "stdio" || kind == "null") chardevs[props["id"]] = kind;
      else return Usage(io, "unsupported -chardev '" + std::string(v) + "' (file,id=,path= | stdio,id= | null,id=)");
    } else if (flag == "-device") {
      std::string kind;
      auto props = SplitProperties(v, kind);
      const auto port = [&](const char* key, uint64_t fallback, uint64_t max) -> std::optional<uint64_t> {
        if (!props.count(key)) return fallback;
        const auto n = ParseU64(props[key]);
        return n && *n <= max ? n : std::nullopt;
      };
      if (kind == "isa-debug-exit") {
        const auto base = port("iobase", 0x501, 0xFFFF), size = port("iosize", 2, 0x10000);
        if (!base || !size || *size == 0) return Usage(io, "bad isa-debug-exit iobase/iosize");
        config.debug_exit = machine::PcConfig::DebugExit{static_cast<uint16_t>(*base), static_cast<uint16_t>(*size)};
      } else if (kind == "isa-debugcon") {
        const auto base = port("iobase", 0xE9, 0xFFFF);
        if (!base || props["chardev"].empty()) return Usage(io, "isa-debugcon needs iobase= and chardev=");
        pending.push_back({static_cast<uint16_t>(*base), props["chardev"]});
      } else if (kind == "pc-testdev") {
        config.pc_testdev = true;
      } else {
        return Usage(io, "unsupported -device '" + kind + "' (isa-debug-exit, isa-debugcon, pc-testdev)");
      }
    } else {
      return Usage(io, "unknown option '" + std::string(flag) + "'");
    }
  }
  for (const PendingDebugcon& d : pending) {
    if (!chardevs.count(d.chardev_id)) return Usage(io, "isa-debugcon: no -chardev with id=" + d.chardev_id);
    config.debugcons.push_back({d.iobase, chardevs[d.chardev_id]});
  }
  machine::PcMachine pc;
  std::string error;
  if (!pc.Init(config, error)) {
    std::fprintf(io.err, "kiln: %s\n", error.c_str());
    return kExitFailure;
  }
  std::string message;
  // SIGINT/SIGTERM end the run cleanly (outputs flushed, the terminal restored, statistics).
  pc.SetSignalFlag(&g_stop_signal);
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  const auto start = std::chrono::steady_clock::now();
  const int status = pc.Run(message);
  if (stats) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t insns = pc.state().retired;
    std::fprintf(io.err, "kiln: %llu instructions in %.2f s (%.1f MIPS)\n", static_cast<unsigned long long>(insns), seconds,
                 seconds > 0 ? static_cast<double>(insns) / seconds / 1e6 : 0.0);
  }
  if (!message.empty()) std::fprintf(io.err, "kiln: %s\n", message.c_str());
  return status;
}

}  // namespace kiln::ui
