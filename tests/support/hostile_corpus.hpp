// Hostile request payloads for one protobuf request message, made from
// valid ones: random bytes of every size up to near NATS's max_payload,
// truncations, bit flips, huge fields, extreme numbers, strings that are not
// UTF-8, unknown fields, deep nesting. Seeded: the same seed gives the same
// inputs, so a failure can be replayed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace fraud::test {

/// What a request field holds, as far as the wire is concerned.
enum class field_kind {
  text,       // string
  texts,      // repeated string
  int64,
  uint64,
  uint32,
  boolean,
  enumeration,
  real,       // double
};

struct field_spec {
  std::uint32_t number;
  field_kind kind;
};

/// How an input was made; also the rows of a test's report.
enum class input_kind {
  valid,
  random_bytes,
  truncated,
  bit_flipped,
  huge,
  extreme_number,
  not_utf8,
  unknown_fields,
  nested,
};
inline constexpr int input_kinds = 9;

const char* to_string(input_kind k);

struct hostile_input {
  input_kind kind = input_kind::valid;
  std::string bytes;
};

/// Sizes of the largest inputs: random bytes up to max_random_size, one
/// string field of huge_field_size (NATS's default max_payload is 1 MiB).
inline constexpr std::size_t max_random_size = 900 * 1024;
inline constexpr std::size_t huge_field_size = 512 * 1024;

class hostile_corpus {
public:
  /// `fields` describe the request message (fraud.proto); `valid` are
  /// encoded valid requests to start from (at least one; may be "").
  hostile_corpus(std::uint64_t seed, std::vector<field_spec> fields,
                 std::vector<std::string> valid);

  /// The next input: kinds in a fixed mix, about 1 in 50 huge.
  hostile_input next();

  std::mt19937_64& rng() { return rng_; }

private:
  std::size_t below(std::size_t n);
  const std::string& any_valid();
  const field_spec* any_field(bool (*fits)(field_kind));

  std::string random_bytes(std::size_t n);
  std::string random_length_bytes();
  std::string truncated();
  std::string bit_flipped();
  std::string huge();
  std::string extreme_number();
  std::string not_utf8();
  std::string unknown_fields();
  std::string nested();

  std::mt19937_64 rng_;
  std::vector<field_spec> fields_;
  std::vector<std::string> valid_;
  std::vector<std::pair<std::size_t, std::size_t>> cuts_;  // (valid, length)
  std::size_t made_ = 0;
  std::size_t randoms_ = 0;
  std::size_t cut_at_ = 0;
};

} // namespace fraud::test
