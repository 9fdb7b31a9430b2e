// Errors of the service, as a CAF error category: fallible functions
// return caf::expected<T>, and every error renders as words.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>

namespace fraud::service {

enum class ec : std::uint8_t {
  none = 0,
  nats_error,
  config_error,
  process_error,
  timeout,
  not_found,
  store_error,
};

const char* to_string(ec x);

/// The category under which ec values are registered with CAF.
inline constexpr caf::atom_value ec_category = caf::atom("fraud");

caf::error make_error(ec x, std::string what = {});

/// Registers the category so that caf::to_string(error) reads well.
void register_error_category(caf::actor_system_config& cfg);

/// "what failed: why", for any caf::error, without needing a system.
std::string render(const caf::error& err);

} // namespace fraud::service
