// The report of fraud-sim backtest --rules NEW --baseline OLD: the two
// rulesets' detection side by side, per-rule hits, and the transactions
// whose decision would change; a table for people, JSON for machines.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "simulator/backtest_compare.hpp"

namespace fraud::simulator {

/// `show`: how many of the changed transactions to list.
void print_comparison(std::FILE* out, const std::string& dataset,
                      const backtest_comparison& c, std::size_t show);

nlohmann::json to_json(const std::string& dataset,
                       const backtest_comparison& c);

/// fraud-sim backtest --rules NEW [--baseline OLD]: compiles both files
/// (the built-in default rules when there is no baseline), compares them
/// over the dataset at `in_path`, prints the report and writes its JSON to
/// `json_path` if set. Returns the exit code.
int run_rules_backtest(const std::string& in_path,
                       const std::string& rules_path,
                       const std::string& baseline_path, std::size_t show,
                       const std::string& json_path);

} // namespace fraud::simulator
