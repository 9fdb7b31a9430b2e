// The limits on changing rules and lists (README: Limits), checked before
// any work is done: a rule text's size, then how often texts are compiled
// (a token bucket: a refusal costs nothing, and compiles cannot pile up
// behind each other); what an add does to a list's size and to the number
// of lists. Each refusal is LIMIT_EXCEEDED naming the limit.
//
// Not thread-safe: live_rules calls it under its lock.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "models/rules/rule_lists.hpp"
#include "service/request_limits.hpp"
#include "service/token_bucket.hpp"

namespace fraud::service {

class change_limits {
public:
  change_limits(const request_limits& limits, token_bucket::clock::time_point now);

  /// Before a rule text of `bytes` is compiled for fraud.rules.set (a dry
  /// run too): over --rules-max-bytes, or a compile more than the bucket
  /// holds. Takes a compile from the bucket when it says yes.
  fraud::error set(std::size_t bytes, token_bucket::clock::time_point now);

  /// Before a stored text is compiled again for fraud.rules.rollback: the
  /// bucket only (the text was within the limit when it was set).
  fraud::error rollback(token_bucket::clock::time_point now);

  /// Before a trained model is loaded for fraud.model.set or .rollback:
  /// the same bucket (a model text is held to the protocol's bound).
  fraud::error load(token_bucket::clock::time_point now) {
    return compile(now);
  }

  /// Before `values` are added to `list` among `lists`: the list would
  /// hold more than --list-max-entries, or it would be one list more than
  /// --lists-max allows.
  fraud::error add(const models::rules::named_lists& lists,
                   const std::string& list,
                   const std::vector<std::string>& values) const;

private:
  fraud::error compile(token_bucket::clock::time_point now);

  request_limits limits_;
  token_bucket compiles_;
};

} // namespace fraud::service
