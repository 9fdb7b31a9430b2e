// fraudctl rules get|set|rollback|history|shadow and fraudctl lists
// get|add|remove: the rules and lists of a running fraudd.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/ctl/ctl.hpp"

namespace CLI {
class App;
}

namespace fraud::ctl {

/// The options of every rules and lists command, filled by CLI11.
struct rules_cli {
  CLI::App* get = nullptr;
  CLI::App* set = nullptr;
  CLI::App* rollback = nullptr;
  CLI::App* history = nullptr;
  CLI::App* shadow = nullptr;
  CLI::App* lists_get = nullptr;
  CLI::App* lists_add = nullptr;
  CLI::App* lists_remove = nullptr;
  std::string file;           // set: a rule file, - for stdin
  std::string out;            // get: write the text here
  std::string version;        // get, rollback: 7 or rules-7
  std::string author;         // default: $USER
  std::string reason;
  bool dry_run = false;
  std::uint32_t limit = 20;
  std::string rule;           // shadow
  std::string since;          // shadow: 1h, 7d, or Unix ms
  std::string list;           // lists
  std::vector<std::string> values;
};

/// Adds the `rules` and `lists` commands to fraudctl.
std::unique_ptr<rules_cli> add_rules_commands(CLI::App& app);

/// Runs the command that was given, if it is one of these.
std::optional<int> run_rules_commands(const common_options& c,
                                      const rules_cli& r);

} // namespace fraud::ctl
