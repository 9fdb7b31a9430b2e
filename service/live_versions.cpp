#include "service/live_versions.hpp"

namespace fraud::service {

live_versions::live_versions(std::unique_ptr<rules_db> store,
                             const request_limits& limits,
                             std::string (*name)(std::uint64_t),
                             std::string what)
  : store_(std::move(store)), changes_(limits, token_bucket::clock::now()),
    name_(name), what_(std::move(what)) {
}

std::uint64_t live_versions::running() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return version_;
}

protocol::rules_version live_versions::info(const stored_version& v) const {
  return version_info(v, name_(v.version), version_);
}

protocol::rules_change_reply live_versions::running_reply() {
  return service::running_reply(*store_, version_,
                                [&](auto& v) { return info(v); });
}

protocol::rules_change_reply live_versions::error_reply(fraud::error error) {
  auto out = running_reply();
  out.error = std::move(error);
  return out;
}

fraud::expected<std::uint64_t>
live_versions::keep_set(const std::string& text, std::uint32_t count,
                        const signature& who) {
  auto added = store_->add_version(text, count, who);
  if (!added)
    return added.error();
  if (auto err = store_->activate(*added, "set", who))
    return err;
  return *added;
}

protocol::rules_change_reply live_versions::log_reply(
  bucket_log& log,
  fraud::expected<std::pair<std::uint64_t, std::uint64_t>> made,
  std::vector<models::rules::rule_diagnostic> warnings) {
  std::unique_lock<std::mutex> guard{mtx_};
  return log.change_reply(
    guard, *store_, std::move(made), std::move(warnings), version_,
    [&](const stored_version& v) { return info(v); },
    [&] { return running_reply(); }, name_);
}

fraud::expected<stored_version>
live_versions::rollback_target(std::uint64_t version,
                               std::unique_lock<std::mutex>& guard,
                               bucket_log* log) {
  if (log != nullptr && log->held() != nullptr
      && version > log->state().last_version)
    log->wait_until(guard,
                    [&] { return log->state().last_version >= version; });
  auto v = store_->version(version);
  if (!v)
    return v.error();
  if (!*v)
    return fraud::error::in_field(fraud::ec::not_found, "version",
                                  "there is no " + what_ + " "
                                    + std::to_string(version));
  return std::move(**v);
}

protocol::rules_get_reply
live_versions::get(const protocol::rules_get_request& r) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (r.version == 0 && version_ == 0) {
    protocol::rules_get_reply out;
    out.error = fraud::error::in_field(fraud::ec::not_found, "version",
                                       "no " + what_ + " runs");
    return out;
  }
  return get_reply(*store_, r.version, version_,
                   [&](auto& v) { return info(v); }, what_);
}

protocol::rules_history_reply
live_versions::history(const protocol::rules_history_request& r) {
  std::lock_guard<std::mutex> guard{mtx_};
  return history_reply(*store_, r.limit,
                       [&](const stored_version& v) { return info(v); });
}

} // namespace fraud::service
