// encode_decision without a protobuf message (issue 18, pipeline): every
// decision is encoded once for the reply and the store, and filling a
// v1::Decision (its strings and repeated reasons copied in, then walked by
// the serializer) was 11 % of the routing threads' time in pipeline_bench.
// Here the fields go straight from models::decision to the bytes, in two
// passes over one template: the first counts the size (each reason's
// length prefix needs it), the second writes into a buffer of exactly that
// size. The bytes are those protobuf's SerializeToString gives the same
// message (field order, proto3 defaults left out, negative int32 as ten
// bytes, a double written unless its bits are all zero):
// tests/protocol/decision_encoder_test.cpp checks byte equality.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace {

enum wire_type : std::uint32_t { varint_type = 0, fixed64_type = 1, bytes_type = 2 };

std::size_t varint_size(std::uint64_t v) {
  return static_cast<std::size_t>((64 - __builtin_clzll(v | 1) + 6) / 7);
}

/// The first pass: how many bytes the message takes.
struct byte_count {
  std::size_t n = 0;
  void varint(std::uint64_t v) { n += varint_size(v); }
  void fixed64(std::uint64_t) { n += 8; }
  void bytes(const char*, std::size_t size) { n += size; }
};

/// The second pass: the bytes, into a buffer the first pass sized.
struct byte_writer {
  char* p;
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
  }
  void fixed64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i, v >>= 8)
      *p++ = static_cast<char>(v & 0xFF);
  }
  void bytes(const char* data, std::size_t size) {
    std::memcpy(p, data, size);
    p += size;
  }
};

template <class Out>
void tag(Out& out, std::uint32_t field, wire_type type) {
  out.varint(field << 3 | type);
}

template <class Out>
void put_bytes(Out& out, std::uint32_t field, std::string_view s) {
  tag(out, field, bytes_type);
  out.varint(s.size());
  out.bytes(s.data(), s.size());
}

template <class Out>
void put_string(Out& out, std::uint32_t field, const std::string& s) {
  if (!s.empty())
    put_bytes(out, field, s);
}

/// int32, int64 and enums: a negative value is sign-extended to 64 bits.
template <class Out>
void put_int(Out& out, std::uint32_t field, std::int64_t v) {
  if (v == 0)
    return;
  tag(out, field, varint_type);
  out.varint(static_cast<std::uint64_t>(v));
}

template <class Out>
void put_double(Out& out, std::uint32_t field, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (bits == 0)  // -0.0 is written, as protobuf does
    return;
  tag(out, field, fixed64_type);
  out.fixed64(bits);
}

template <class Out>
void put_reason_fields(Out& out, const models::reason& r) {
  put_string(out, 1, r.rule);
  put_string(out, 2, r.detail);
  put_double(out, 3, r.value);
  put_double(out, 4, r.threshold);
  put_int(out, 5, r.score);
}

template <class Out>
void put_reasons(Out& out, std::uint32_t field,
                 const std::vector<models::reason>& reasons) {
  for (auto& r : reasons) {  // an element is written even when empty
    byte_count size;
    put_reason_fields(size, r);
    tag(out, field, bytes_type);
    out.varint(size.n);
    put_reason_fields(out, r);
  }
}

/// `error` is the encoded v1::Error when the envelope has one.
template <class Out>
void put_decision(Out& out, const models::decision& d,
                  const decision_envelope& env, const std::string* error) {
  put_string(out, 1, d.tx_id);
  put_string(out, 2, d.card_id);
  put_int(out, 3, static_cast<int>(d.action));
  put_int(out, 4, d.score);
  put_reasons(out, 5, d.reasons);
  put_string(out, 6, d.ruleset_version);
  put_int(out, 7, env.decided_at_ms);
  put_int(out, 8, env.service_latency_ns);
  if (error)  // present, if empty, as mutable_error() made it
    put_bytes(out, 9, *error);
  put_int(out, 10, d.event_time_ms);
  put_int(out, 11, d.amount_minor);
  put_string(out, 12, d.currency);
  put_string(out, 13, d.merchant_id);
  put_int(out, 14, d.mcc);  // uint32: never sign-extended
  put_string(out, 15, d.country);
  put_int(out, 16, static_cast<int>(d.channel));
  put_int(out, 17, env.duplicate ? 1 : 0);
  put_reasons(out, 18, d.shadow_reasons);
  if (!d.model_version.empty()) {
    put_string(out, 19, d.model_version);
    put_double(out, 20, d.model_score);
  }
}

} // namespace

void encode_decision(const models::decision& d, const decision_envelope& env,
                     std::string& out) {
  const std::string* error = nullptr;
  thread_local std::string error_bytes;
  if (env.error) {  // only rejections: protobuf encodes it
    thread_local v1::Error msg;
    msg.Clear();
    detail::fill(msg, env.error);
    detail::serialize(msg, error_bytes);
    error = &error_bytes;
  }
  byte_count size;
  put_decision(size, d, env, error);
  out.resize(size.n);
  byte_writer writer{out.data()};
  put_decision(writer, d, env, error);
}

} // namespace fraud::protocol
