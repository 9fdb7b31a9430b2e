#include "models/decision.hpp"

namespace fraud::models {

const char* to_string(action a) {
  switch (a) {
    case action::approve:
      return "approve";
    case action::review:
      return "review";
    case action::decline:
      return "decline";
  }
  return "unknown";
}

} // namespace fraud::models
