// The project's one way to fail. A fallible function returns `error` (empty
// on success) or `expected<T>` (a value or an error); nothing throws across
// a module boundary. The codes are one enum for every layer: the first ones
// travel on the wire (fraud.v1.ErrorCode, protocol/codec.hpp maps them), the
// rest are the service's own and reach a client as INTERNAL.
//
// The semantics are those of caf::error / caf::expected, which the actor
// layer also speaks: an error is true when it holds a failure, an expected
// is true when it holds a value. actors/error_category.hpp registers the
// codes with CAF, so that an error crossing an actor boundary keeps them.
//
// Thread-compatible value types: copy freely, share const.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace fraud {

enum class ec : std::uint8_t {
  none = 0,
  // Someone else's fault: the input. These are wire codes.
  malformed,         // not a parseable message
  invalid_field,     // a field failed validation (error::field names it)
  subject_mismatch,  // the subject's card token differs from card_id
  bad_request,       // a request that cannot be parsed or is invalid
  not_found,         // a request named something the service never saw
  permission_denied, // a change not signed by a key the service trusts
  limit_exceeded,    // a request larger or more frequent than allowed
  shutting_down,     // the service is draining and takes no new work
  overloaded,        // a writer is behind: its backlog is at its bound
  // Ours: the service could not do what it should have (wire: INTERNAL).
  internal,          // a failure with no more specific code
  store_error,       // SQLite failed
  nats_error,        // NATS failed
  timeout,           // something took longer than it may
  config_error,      // the configuration cannot work
  process_error,     // a child process (nats-server) failed
};

/// Words for the code, e.g. "invalid field".
const char* to_string(ec x);

/// True for the codes that say the caller sent something wrong.
constexpr bool is_input_error(ec x) {
  return x >= ec::malformed && x <= ec::overloaded;
}

class [[nodiscard]] error {
public:
  /// No error.
  error() = default;
  error(ec code, std::string what = {}) : code_(code), what_(std::move(what)) {
  }
  /// An error about one field of the input, e.g. INVALID_FIELD "amount_minor".
  static error in_field(ec code, std::string field, std::string what) {
    error e{code, std::move(what)};
    e.field_ = std::move(field);
    return e;
  }

  /// True when this holds a failure (as caf::error): `if (auto err = f())`.
  explicit operator bool() const {
    return code_ != ec::none;
  }
  /// True when this holds no failure: `ASSERT_TRUE(decode(...).ok())`.
  bool ok() const {
    return code_ == ec::none;
  }
  ec code() const {
    return code_;
  }
  /// What went wrong, for a person; may be empty.
  const std::string& what() const {
    return what_;
  }
  /// The field of the input it concerns, when there is one.
  const std::string& field() const {
    return field_;
  }

  friend bool operator==(const error& a, const error& b) {
    return a.code_ == b.code_ && a.what_ == b.what_ && a.field_ == b.field_;
  }
  friend bool operator!=(const error& a, const error& b) {
    return !(a == b);
  }

private:
  ec code_ = ec::none;
  std::string what_;
  std::string field_;
};

/// "code: what", e.g. "store error: disk I/O error"; "no error" when empty.
std::string to_string(const error& e);

inline error make_error(ec code, std::string what = {}) {
  return error{code, std::move(what)};
}

/// The same failure, its words prefixed with what was being done:
/// with_context(e, "reading rules") says "reading rules: <what>".
inline error with_context(const error& e, const std::string& context) {
  auto what = e.what().empty() ? context : context + ": " + e.what();
  return error::in_field(e.code(), e.field(), std::move(what));
}

/// A value or the error that kept it from being made.
template <class T>
class [[nodiscard]] expected {
  static_assert(!std::is_same_v<T, fraud::error>, "use fraud::error itself");

public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {
  }
  template <class U, class = std::enable_if_t<
                       std::is_constructible_v<T, U&&>
                       && !std::is_same_v<std::decay_t<U>, fraud::error>
                       && !std::is_same_v<std::decay_t<U>, expected>>>
  expected(U&& value)
    : state_(std::in_place_index<0>, T(std::forward<U>(value))) {
  }
  /// `e` must hold a failure.
  expected(fraud::error e) : state_(std::in_place_index<1>, std::move(e)) {
  }
  expected(ec code, std::string what = {})
    : state_(std::in_place_index<1>, fraud::error{code, std::move(what)}) {
  }

  explicit operator bool() const {
    return state_.index() == 0;
  }
  bool has_value() const {
    return state_.index() == 0;
  }

  T& value() & {
    return std::get<0>(state_);
  }
  const T& value() const& {
    return std::get<0>(state_);
  }
  T&& value() && {
    return std::get<0>(std::move(state_));
  }
  T& operator*() & {
    return value();
  }
  const T& operator*() const& {
    return value();
  }
  T&& operator*() && {
    return std::move(*this).value();
  }
  T* operator->() {
    return &value();
  }
  const T* operator->() const {
    return &value();
  }

  /// The failure; an empty fraud::error when this holds a value.
  const fraud::error& error() const {
    static const fraud::error none;
    return state_.index() == 1 ? std::get<1>(state_) : none;
  }

private:
  std::variant<T, fraud::error> state_;
};

} // namespace fraud
