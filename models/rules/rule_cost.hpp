// What a ruleset costs to run, measured before it runs for real: the mean
// time to score a transaction (features, rules, reasons) over a fixed
// sample of synthetic traffic, so that a ruleset that would make every
// decision slow is refused with a figure instead of discovered in
// production.
//
// Deterministic traffic, measured time: the figure varies with the machine
// and its load, so budgets should leave a wide margin (the default ruleset
// costs about 1 µs here; the service's default budget is 50 µs).
#pragma once

#include "models/ruleset.hpp"

namespace fraud::models::rules {

/// Mean nanoseconds to score one of `transactions` synthetic transactions
/// (a few dozen cards, ordinary and odd amounts, places, devices and
/// channels) with `rules`: the fastest of three timed passes after a
/// warm-up. Takes about 4 x transactions x the cost.
double measure_cost_ns(const ruleset& rules, int transactions = 2000);

} // namespace fraud::models::rules
