// fraud.cluster.entities.<instance> (README: "Entity state" and the wire
// contract): the entity observations one instance of a cluster publishes
// for the others, as a fraud.v1.EntityObservations.
//
// What arrives is checked as any input is: a batch that does not parse is
// refused whole; within one that does, each observation that could not
// have come from a valid transaction (no entity, an id too long or not
// printable, no event time) is left out and counted, the rest kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "models/entity_features.hpp"
#include "models/error.hpp"

namespace fraud::protocol {

/// The longest id of each kind an observation may carry: what transaction
/// validation lets through (a device id up to 128 characters, a merchant
/// id up to 64, an IPv6 address in its longest text form).
inline constexpr std::size_t max_entity_id_bytes[models::entity_kinds] = {
  128, 45, 64};

void encode(const models::entity_observations& batch, std::string& out);

/// BAD_REQUEST when the bytes are not a fraud.v1.EntityObservations;
/// otherwise `out` holds the batch's valid observations and `refused` the
/// number of those left out.
fraud::error decode(const void* data, std::size_t size,
                    models::entity_observations& out, std::size_t& refused);

} // namespace fraud::protocol
