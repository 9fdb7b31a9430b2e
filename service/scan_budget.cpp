#include "service/scan_budget.hpp"

namespace fraud::service {

namespace {

// SQLite calls the handler every this many steps: a budget's granularity,
// and a cost too small to measure beside the steps themselves.
constexpr int steps_per_check = 1000;

} // namespace

scan_budget::scan_budget(sqlite3* db, std::uint64_t max_steps)
  : db_(db), max_steps_(max_steps),
    checks_left_(max_steps / steps_per_check) {
  if (max_steps_ > 0)
    sqlite3_progress_handler(db_, steps_per_check, on_progress, this);
}

scan_budget::~scan_budget() {
  if (max_steps_ > 0)
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
}

int scan_budget::on_progress(void* p) {
  auto* self = static_cast<scan_budget*>(p);
  if (self->checks_left_ == 0) {
    self->exhausted_ = true;
    return 1;  // interrupts the statement
  }
  --self->checks_left_;
  return 0;
}

fraud::error scan_budget::exceeded(const std::string& narrow) const {
  return fraud::error::in_field(
    ec::limit_exceeded, "query_max_steps",
    "the search took " + std::to_string(max_steps_)
      + " SQLite steps (--query-max-steps) without finding a row: "
      + narrow);
}

} // namespace fraud::service
