// Protocol Buffers wire encoding by hand, for the messages the generated
// classes will not build: strings that are not UTF-8, a field with the
// wrong wire type, unknown fields, groups, a field given twice. Tests only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace fraud::test {

enum wire_type : std::uint32_t {
  wire_varint = 0,
  wire_fixed64 = 1,
  wire_bytes = 2,
  wire_group_start = 3,
  wire_group_end = 4,
  wire_fixed32 = 5,
};

class wire_writer {
public:
  /// Starts after `prefix` (e.g. a valid message: a field written again
  /// after it overrides it, as protobuf's "last one wins").
  explicit wire_writer(std::string prefix = {}) : out_(std::move(prefix)) {}

  wire_writer& tag(std::uint64_t field, std::uint32_t type) {
    return raw_varint((field << 3) | type);
  }
  wire_writer& varint(std::uint64_t field, std::uint64_t value) {
    return tag(field, wire_varint).raw_varint(value);
  }
  wire_writer& fixed64(std::uint64_t field, std::uint64_t value) {
    tag(field, wire_fixed64);
    for (int i = 0; i < 8; ++i)
      out_.push_back(static_cast<char>(value >> (8 * i)));
    return *this;
  }
  wire_writer& fixed32(std::uint64_t field, std::uint32_t value) {
    tag(field, wire_fixed32);
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<char>(value >> (8 * i)));
    return *this;
  }
  wire_writer& real(std::uint64_t field, double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return fixed64(field, bits);
  }
  /// A length-delimited field: a string, bytes or an embedded message.
  wire_writer& bytes(std::uint64_t field, std::string_view value) {
    tag(field, wire_bytes).raw_varint(value.size());
    out_.append(value);
    return *this;
  }
  wire_writer& raw_varint(std::uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
    return *this;
  }
  wire_writer& raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }

  const std::string& str() const { return out_; }

private:
  std::string out_;
};

} // namespace fraud::test
