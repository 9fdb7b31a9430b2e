// Internal to the merges of several instances' answers (query_merge.cpp,
// outcome_merge.cpp): what every merge does with failures and origins.
#pragma once

#include <string>
#include <vector>

#include "protocol/query_codec.hpp"

namespace fraud::service::merge_detail {

/// The first answer that failed for another reason than NOT_FOUND.
template <class Reply>
const Reply* first_failure(const std::vector<Reply>& replies) {
  for (auto& r : replies)
    if (r.error && r.error.code() != ec::not_found)
      return &r;
  return nullptr;
}

/// A reply carrying `bad`'s error, its message naming the instance when
/// there are several.
template <class Reply>
Reply failed(const std::vector<Reply>& replies, const Reply& bad) {
  Reply out;
  out.error = bad.error;
  if (replies.size() > 1)
    out.error = fraud::error::in_field(
      bad.error.code(), bad.error.field(),
      "instance " + bad.origin.instance + ": " + bad.error.what());
  return out;
}

/// Who answered a merge: the one instance, or how many.
template <class Reply>
protocol::reply_origin merged_origin(const std::vector<Reply>& replies) {
  return protocol::reply_origin{
    replies.size() == 1 ? replies.front().origin.instance : std::string{},
    static_cast<std::uint32_t>(replies.size())};
}

} // namespace fraud::service::merge_detail
