#include "protocol/decision_keys.hpp"

namespace fraud::protocol {

namespace {

// fraud.v1.Decision's field numbers (fraud.proto) read here.
enum : std::uint32_t {
  field_tx_id = 1,
  field_card_id = 2,
  field_action = 3,
  field_reasons = 5,
  field_decided_at_ms = 7,
  field_shadow_reasons = 18,
  field_model_version = 19,
  reason_rule = 1,  // fraud.v1.Reason's
};

enum : std::uint32_t {
  wire_varint = 0,
  wire_fixed64 = 1,
  wire_bytes = 2,
  wire_fixed32 = 5,
};

// A cursor over wire-format bytes; every read checks the bounds.
struct wire {
  const unsigned char* at;
  const unsigned char* end;

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at == end)
        return false;
      auto b = *at++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false;
  }

  bool bytes(std::string_view& v) {
    std::uint64_t n;
    if (!varint(n) || n > static_cast<std::uint64_t>(end - at))
      return false;
    v = std::string_view{reinterpret_cast<const char*>(at),
                         static_cast<std::size_t>(n)};
    at += n;
    return true;
  }

  bool skip(std::uint32_t type) {
    std::uint64_t v;
    std::string_view s;
    auto fixed = [&](std::ptrdiff_t n) {
      if (end - at < n)
        return false;
      at += n;
      return true;
    };
    switch (type) {
      case wire_varint: return varint(v);
      case wire_fixed64: return fixed(8);
      case wire_bytes: return bytes(s);
      case wire_fixed32: return fixed(4);
    }
    return false;  // groups are not in fraud.proto
  }

  // The next field's number and wire type; false at the end or on a bad tag.
  bool tag(std::uint32_t& field, std::uint32_t& type, bool& ok) {
    ok = true;
    if (at == end)
      return false;
    std::uint64_t t;
    if (!varint(t) || (t >> 3) == 0 || (t >> 3) > 0x1fffffff) {
      ok = false;
      return false;
    }
    field = static_cast<std::uint32_t>(t >> 3);
    type = static_cast<std::uint32_t>(t & 7);
    return true;
  }
};

// A Reason's rule name (the last one, as protobuf keeps for a scalar).
bool read_rule(std::string_view reason, std::string_view& rule) {
  wire w{reinterpret_cast<const unsigned char*>(reason.data()),
         reinterpret_cast<const unsigned char*>(reason.data()) + reason.size()};
  rule = "";
  std::uint32_t field, type;
  bool ok;
  while (w.tag(field, type, ok)) {
    if (field == reason_rule && type == wire_bytes) {
      if (!w.bytes(rule))
        return false;
    } else if (!w.skip(type)) {
      return false;
    }
  }
  return ok;
}

} // namespace

bool read_decision_keys(const void* data, std::size_t size,
                        decision_keys& out) {
  auto* begin = static_cast<const unsigned char*>(data);
  wire w{begin, begin + size};
  out.tx_id = out.card_id = out.model_version = "";
  out.action = models::action::approve;
  out.decided_at_ms = 0;
  out.rules.clear();
  out.shadow_rules.clear();
  std::uint32_t field, type;
  bool ok;
  std::uint64_t v;
  std::string_view s;
  while (w.tag(field, type, ok)) {
    bool read = true;
    switch (type == wire_bytes ? field : 0) {
      case field_tx_id: read = w.bytes(out.tx_id); break;
      case field_card_id: read = w.bytes(out.card_id); break;
      case field_model_version: read = w.bytes(out.model_version); break;
      case field_reasons:
      case field_shadow_reasons: {
        std::string_view rule;
        read = w.bytes(s) && read_rule(s, rule);
        if (read)
          (field == field_reasons ? out.rules : out.shadow_rules)
            .push_back(rule);
        break;
      }
      default:
        if (type == wire_varint
            && (field == field_action || field == field_decided_at_ms)) {
          read = w.varint(v);
          if (field == field_action) {
            // An enum is an int32 on the wire: anything else is not ours.
            if (v > 2)
              return false;
            out.action = static_cast<models::action>(v);
          } else {
            out.decided_at_ms = static_cast<std::int64_t>(v);
          }
        } else {
          read = w.skip(type);
        }
    }
    if (!read)
      return false;
  }
  return ok;
}

} // namespace fraud::protocol
