#include "protocol/subjects.hpp"

namespace fraud::protocol::subjects {

bool is_change(std::string_view subject) {
  return subject == rules_set || subject == rules_rollback
         || subject == lists_add || subject == lists_remove
         || subject == rates_set || subject == rates_rollback
         || subject == model_set
         || subject == model_rollback || subject == labels
         || subject == cases_resolve;
}

std::string_view card_token(std::string_view subject, int position) {
  if (position <= 0) {
    auto dot = subject.rfind('.');
    return dot == std::string_view::npos ? subject : subject.substr(dot + 1);
  }
  std::size_t begin = 0;
  for (int i = 1; i < position; ++i) {
    auto dot = subject.find('.', begin);
    if (dot == std::string_view::npos)
      return {};
    begin = dot + 1;
  }
  auto end = subject.find('.', begin);
  return subject.substr(begin, end == std::string_view::npos ? end
                                                              : end - begin);
}

void decision_subject(models::action a, const std::string& card_id,
                      std::string& out) {
  out.assign(decisions_prefix);
  out.append(models::to_string(a));
  out.push_back('.');
  out.append(card_id);
}

std::string partition(std::uint32_t p) {
  return partition_prefix + std::to_string(p) + ".*";
}

} // namespace fraud::protocol::subjects
