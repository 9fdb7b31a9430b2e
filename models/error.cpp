#include "models/error.hpp"

namespace fraud {

const char* to_string(ec x) {
  switch (x) {
    case ec::none:
      return "no error";
    case ec::malformed:
      return "malformed";
    case ec::invalid_field:
      return "invalid field";
    case ec::subject_mismatch:
      return "subject mismatch";
    case ec::bad_request:
      return "bad request";
    case ec::not_found:
      return "not found";
    case ec::permission_denied:
      return "permission denied";
    case ec::limit_exceeded:
      return "limit exceeded";
    case ec::shutting_down:
      return "shutting down";
    case ec::overloaded:
      return "overloaded";
    case ec::internal:
      return "internal error";
    case ec::store_error:
      return "store error";
    case ec::nats_error:
      return "NATS error";
    case ec::timeout:
      return "timeout";
    case ec::config_error:
      return "configuration error";
    case ec::process_error:
      return "process error";
  }
  return "unknown error";
}

std::string to_string(const error& e) {
  if (!e)
    return "no error";
  std::string out = to_string(e.code());
  if (!e.field().empty()) {
    out += " (";
    out += e.field();
    out += ')';
  }
  if (!e.what().empty()) {
    out += ": ";
    out += e.what();
  }
  return out;
}

} // namespace fraud
