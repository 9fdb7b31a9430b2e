// fraudctl rules get|set|rollback|history|shadow, fraudctl lists
// get|add|remove, fraudctl rates get|set|history and fraudctl model
// get|set|rollback|history: the rules, lists, exchange rates and trained
// model of a running fraudd.
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
  CLI::App* rates_get = nullptr;
  CLI::App* rates_set = nullptr;
  CLI::App* rates_history = nullptr;
  CLI::App* rates_rollback = nullptr;
  CLI::App* model_get = nullptr;
  CLI::App* model_set = nullptr;
  CLI::App* model_rollback = nullptr;
  CLI::App* model_history = nullptr;
  std::string file;           // set: a rule or rates file, - for stdin
  std::string out;            // get: write the text here
  std::string version;        // get, rollback: 7, rules-7 or rates-7
  std::string author;         // default: $USER
  std::string reason;
  bool dry_run = false;
  std::uint32_t limit = 20;
  std::string rule;           // shadow
  std::string since;          // shadow: 1h, 7d, or Unix ms
  std::string list;           // lists
  std::vector<std::string> values;
};

/// Adds the `rules`, `lists`, `rates` and `model` commands to fraudctl.
std::unique_ptr<rules_cli> add_rules_commands(CLI::App& app);

/// Runs the command that was given, if it is one of these.
std::optional<int> run_rules_commands(const common_options& c,
                                      const rules_cli& r);

} // namespace fraud::ctl
