// Protocol-internal: helpers shared by the codecs. Includes the generated
// header, so only protocol/*.cpp may include this.
#pragma once

#include "models/decision.hpp"
#include "protocol/codec.hpp"
#include "protocol/fraud.pb.h"

namespace fraud::protocol::detail {

wire_error from_wire(const v1::Error& e);
void fill(v1::Error& e, const wire_error& error);
models::reason from_wire(const v1::Reason& r);
void fill(v1::Reason& w, const models::reason& r);
/// False when the action is out of range.
bool from_message(const v1::Decision& msg, models::decision& out,
                  decision_envelope& env);
void serialize(const google::protobuf::MessageLite& msg, std::string& out);
/// Parses with a size check; false when malformed.
bool parse(google::protobuf::MessageLite& msg, const void* data,
           std::size_t size);

} // namespace fraud::protocol::detail
