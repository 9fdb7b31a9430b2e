// fraud-sim generate: a population, its legitimate activity and injected
// attacks, written as a labelled dataset (see protocol/dataset.hpp) in
// event-time order. The same options give the same bytes.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "protocol/dataset.hpp"

namespace fraud::simulator {

struct generator_options {
  std::uint32_t cards = 10'000;
  std::uint32_t days = 14;
  std::uint64_t seed = 1;
  double fraud_rate = 0.02;               // share of cards attacked
  std::int64_t start_ms = 1'709'251'200'000;  // 2024-03-01 00:00 UTC
};

/// Typologies in the default mix, with their share of the attacks.
struct typology_share {
  protocol::fraud_label label;
  double share;
};
const std::array<typology_share, 7>& typology_mix();

struct generation_summary {
  std::uint64_t transactions = 0;
  std::array<std::uint64_t, protocol::fraud_label_count> by_label{};
  std::array<std::uint32_t, protocol::fraud_label_count> attacks{};
  std::uint32_t cards = 0;
};

/// Generates the dataset and writes it to `out`. False with `error` set if
/// the options are unusable or writing failed.
bool generate_dataset(const generator_options& opts, std::ostream& out,
                      generation_summary& summary, std::string& error);

/// Attacks start after this warm-up, so that the service has seen each
/// card behave before: a quarter of the period, at least two days (half
/// the period when it is shorter than four days).
std::int64_t warm_up_ms(const generator_options& opts);

inline constexpr const char* generator_version = "fraud-sim 1";

} // namespace fraud::simulator
