// The subjects fraudd answers, for the hostile-input test: for each, the
// fields of its request message and valid requests (what
// tests/support/hostile_corpus.hpp mutates), the subject to send to, and
// what its reply must be.
#pragma once

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/support/hostile_corpus.hpp"

namespace fraud::test {

enum class outcome { error, answer, failure };

struct verdict {
  outcome what;
  std::string why;  // for a failure
};

// One subject fraudd answers and what it must answer there.
struct subject_case {
  std::string name;  // the subject, or its pattern for the report
  std::vector<field_spec> fields;
  std::vector<std::string> valid;
  // The subject for one input (the token may be hostile too).
  std::function<std::string(std::mt19937_64&)> subject;
  std::function<verdict(const std::string& subject,
                        const std::string& payload, const std::string& reply)>
    judge;
};

/// Every subject fraudd answers; the transaction subject first.
std::vector<subject_case> hostile_subjects();

} // namespace fraud::test
