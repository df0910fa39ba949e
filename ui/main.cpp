// The kiln executable: hands its arguments to the command-line dispatcher (ui/cli/cli.h).
#include <cstdio>
#include <string_view>
#include <vector>

#include "ui/cli/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return kiln::ui::RunCli(args, {stdout, stderr});
}
