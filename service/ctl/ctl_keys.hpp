// fraudctl keys: making the NKeys of README "Security".
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "service/ctl/ctl.hpp"

namespace CLI {
class App;
}

namespace fraud::ctl {

struct keys_cli {
  CLI::App* create = nullptr;  // keys new
  std::string role;
  std::string name;
  std::string dir = ".";
};

std::unique_ptr<keys_cli> add_keys_commands(CLI::App& app);

/// Runs the command that was given, if it is one of these.
std::optional<int> run_keys_commands(const keys_cli& k);

} // namespace fraud::ctl
