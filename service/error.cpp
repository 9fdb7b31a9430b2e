#include "service/error.hpp"

#include <caf/deep_to_string.hpp>

namespace fraud::service {

const char* to_string(ec x) {
  switch (x) {
    case ec::none:
      return "none";
    case ec::nats_error:
      return "NATS error";
    case ec::config_error:
      return "configuration error";
    case ec::process_error:
      return "process error";
    case ec::timeout:
      return "timeout";
    case ec::not_found:
      return "not found";
    case ec::store_error:
      return "store error";
  }
  return "unknown error";
}

caf::error make_error(ec x, std::string what) {
  return caf::error{static_cast<std::uint8_t>(x), ec_category,
                    caf::make_message(std::move(what))};
}

std::string render(const caf::error& err) {
  if (!err)
    return "no error";
  std::string out;
  if (err.category() == ec_category)
    out = to_string(static_cast<ec>(err.code()));
  else
    out = "error " + std::to_string(err.code());
  if (!err.context().empty() && err.context().match_elements<std::string>()) {
    out += ": ";
    out += err.context().get_as<std::string>(0);
  }
  return out;
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(ec_category, [](std::uint8_t code, caf::atom_value,
                                         const caf::message& ctx) {
    return render(caf::error{code, ec_category, ctx});
  });
}

} // namespace fraud::service
