#include "service/live_rates.hpp"

#include <sstream>

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

using models::rules::rule_diagnostic;

std::string rates_version_name(std::uint64_t version) {
  return "rates-" + std::to_string(version);
}

std::vector<rule_diagnostic> rates_diagnostics(const fraud::error& e) {
  std::vector<rule_diagnostic> out;
  std::istringstream lines{e.what()};
  for (std::string line; std::getline(lines, line);) {
    rule_diagnostic d{0, 0, line};
    if (line.rfind("line ", 0) == 0) {
      auto colon = line.find(": ");
      d.line = std::atoi(line.c_str() + 5);
      d.column = 1;
      if (colon != std::string::npos)
        d.message = line.substr(colon + 2);
    }
    out.push_back(std::move(d));
  }
  return out;
}

live_rates::live_rates(std::unique_ptr<rules_db> store,
                       actors::rates_slot& slot, const request_limits& limits)
  : live_versions(std::move(store), limits, rates_version_name,
                  "rates version"),
    slot_(slot) {
}

fraud::expected<std::unique_ptr<live_rates>>
live_rates::open(const std::string& db_path, const std::string& rates_file,
                 actors::rates_slot& slot, const request_limits& limits) {
  auto store = rules_db::open(db_path, versioned::rates);
  if (!store)
    return store.error();
  std::unique_ptr<live_rates> self{
    new live_rates(std::move(*store), slot, limits)};
  if (auto err = self->start(rates_file))
    return err;
  return self;
}

fraud::error live_rates::start(const std::string& rates_file) {
  auto c = choose_start(*store_, rates_file, "--rates",
                        models::default_rates_text(), "the built-in rates",
                        "rates version");
  if (!c)
    return c.error();
  auto table = models::rates::parse(c->text);
  if (!table)
    return make_error(ec::config_error,
                      (rates_file.empty() ? rates_version_name(c->version)
                                          : rates_file)
                        + " is not a rates table:\n  " + table.error().what());
  if (auto err = keep_start(
        *store_, *c,
        static_cast<std::uint32_t>(table->currencies().size())))
    return err;
  install(c->version, std::move(*table));
  FRAUD_LOG(info, "rates", "{} in use ({} currencies, reference {}{})",
            rates_version_name(version_), slot_.get()->currencies().size(),
            slot_.get()->reference(),
            rates_file.empty() ? "" : ", from " + rates_file);
  return fraud::error{};
}

void live_rates::install(std::uint64_t version, models::rates table) {
  table.set_version(rates_version_name(version));
  version_ = version;
  text_ = table.text();
  slot_.set(std::make_shared<const models::rates>(std::move(table)));
}

protocol::rules_change_reply
live_rates::set(const protocol::rules_set_request& r,
                const std::string& signer) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto err = changes_.set(r.text.size(), token_bucket::clock::now()))
    return error_reply(err);
  auto table = models::rates::parse(r.text);
  if (!table) {
    auto out = running_reply();
    if (table.error().code() == ec::bad_request)
      out.errors = rates_diagnostics(table.error());
    else
      out.error = fraud::error::in_field(table.error().code(), "text",
                                         table.error().what());
    return out;
  }
  if (r.dry_run || r.text == text_) {
    auto out = running_reply();
    if (!r.dry_run)
      out.warnings.push_back(rule_diagnostic{
        0, 0, "these are the rates in use: nothing changed"});
    return out;
  }
  auto added = keep_set(
    r.text, static_cast<std::uint32_t>(table->currencies().size()),
    signature{r.author, r.reason, wall_ms(), signer});
  if (!added)
    return error_reply(added.error());
  install(*added, std::move(*table));
  FRAUD_LOG_LIMITED(60, info, "rates", "{} in use ({} currencies; by {}: {})",
                    rates_version_name(version_),
                    slot_.get()->currencies().size(), signer, r.reason);
  return running_reply();
}

} // namespace fraud::service
