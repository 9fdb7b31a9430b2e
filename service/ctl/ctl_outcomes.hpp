// fraudctl cases list|resolve, fraudctl labels add|list|load and fraudctl
// rules performance: the review queue, outcome labels and how each rule
// does against them (README: Review queue and outcomes). Every instance's
// answer is gathered and merged (service/client/outcome_merge.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "service/ctl/ctl.hpp"

namespace CLI {
class App;
}

namespace fraud::ctl {

struct outcomes_cli {
  CLI::App* cases_list = nullptr;
  CLI::App* cases_resolve = nullptr;
  CLI::App* labels_add = nullptr;
  CLI::App* labels_list = nullptr;
  CLI::App* labels_load = nullptr;
  CLI::App* performance = nullptr;
  bool open_only = false;    // cases list --open
  std::string rule;          // cases list --rule
  std::uint32_t limit = 50;
  std::string cursor;
  bool all = false;          // follow the pages to the end
  std::string tx_id;
  std::string outcome;       // fraud or legit
  std::string note;
  std::string source;        // labels add: default "manual"; load: "dataset"
  std::string at;            // labels add --at: when learnt (Unix ms or 2d)
  bool unknown_only = false; // labels list --unknown
  std::string since;         // labels list: learnt since
  std::string decided_since = "30d";  // rules performance
  std::string file;          // labels load
  std::string format = "auto";
  std::uint32_t batch = 5000;
};

/// Adds `cases` and `labels` to fraudctl, and `performance` to its
/// `rules` command (add_rules_commands first).
std::unique_ptr<outcomes_cli> add_outcome_commands(CLI::App& app);

/// Runs the command that was given, if it is one of these.
std::optional<int> run_outcome_commands(const common_options& c,
                                        const outcomes_cli& o);

} // namespace fraud::ctl
