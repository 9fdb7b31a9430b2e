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
  : live_text(std::move(store), limits, rates_version_name, "rates version",
              "rates", "these are the rates in use"),
    slot_(slot) {
}

fraud::expected<std::unique_ptr<live_rates>>
live_rates::open(const std::string& db_path, const std::string& rates_file,
                 actors::rates_slot& slot, const request_limits& limits,
                 const rules_cluster* cluster) {
  auto store = rules_db::open(db_path, versioned::rates);
  if (!store)
    return store.error();
  std::unique_ptr<live_rates> self{
    new live_rates(std::move(*store), slot, limits)};
  if (auto err = self->open_with(rates_file, cluster))
    return err;
  return self;
}

fraud::expected<start_choice>
live_rates::choose(const std::string& rates_file) {
  return choose_start(*store_, rates_file, "--rates",
                      models::default_rates_text(), "the built-in rates",
                      "rates version");
}

fraud::expected<std::uint32_t>
live_rates::check(const std::string& text, const std::string& origin) {
  auto table = models::rates::parse(text);
  if (!table && !origin.empty())
    return fraud::error{table.error().code(),
                        origin + " is not a rates table:\n  "
                          + table.error().what()};
  if (!table)
    return table.error();
  return static_cast<std::uint32_t>(table->currencies().size());
}

fraud::error live_rates::run(std::uint64_t version, const std::string& text,
                             const std::string& how) {
  auto table = models::rates::parse(text);
  if (!table)
    return table.error();
  table->set_version(rates_version_name(version));
  version_ = version;
  text_ = table->text();
  FRAUD_LOG_LIMITED(60, info, "rates", "{} in use ({} currencies, reference "
                    "{}; {})", rates_version_name(version),
                    table->currencies().size(), table->reference(), how);
  slot_.set(std::make_shared<const models::rates>(std::move(*table)));
  return {};
}

protocol::rules_change_reply live_rates::refused(const fraud::error& why) {
  auto out = running_reply();
  if (why.code() == ec::bad_request)
    out.errors = rates_diagnostics(why);
  else
    out.error = fraud::error::in_field(why.code(), "text", why.what());
  return out;
}

fraud::error live_rates::admit(std::size_t bytes) {
  return changes_.set(bytes, token_bucket::clock::now());
}

} // namespace fraud::service
