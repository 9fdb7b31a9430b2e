#include "protocol/entity_codec.hpp"

#include "models/validation.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace {

bool valid(const models::entity_observation& o) {
  if (o.use.time_ms <= 0)
    return false;
  bool any = false;
  for (std::size_t k = 0; k < models::entity_kinds; ++k) {
    auto& id = o.ids[k];
    if (id.size() > max_entity_id_bytes[k] || !models::printable(id))
      return false;
    any = any || !id.empty();
  }
  return any;
}

} // namespace

void encode(const models::entity_observations& batch, std::string& out) {
  v1::EntityObservations msg;
  msg.set_instance(detail::valid_utf8(batch.instance));
  msg.mutable_observations()->Reserve(static_cast<int>(batch.items.size()));
  for (auto& o : batch.items) {
    auto* w = msg.add_observations();
    w->set_card(o.use.card);
    w->set_event_time_ms(o.use.time_ms);
    w->set_small_cnp(o.use.small_cnp);
    w->set_declined(o.declined);
    w->set_device(o.ids[0]);
    w->set_ip(o.ids[1]);
    w->set_merchant(o.ids[2]);
  }
  detail::serialize(msg, out);
}

fraud::error decode(const void* data, std::size_t size,
                    models::entity_observations& out, std::size_t& refused) {
  refused = 0;
  v1::EntityObservations msg;
  if (!detail::parse(msg, data, size))
    return detail::malformed("EntityObservations");
  out.instance = msg.instance();
  out.items.clear();
  out.items.reserve(static_cast<std::size_t>(msg.observations_size()));
  for (auto& w : msg.observations()) {
    models::entity_observation o;
    o.use.card = w.card();
    o.use.time_ms = w.event_time_ms();
    o.use.small_cnp = w.small_cnp();
    o.declined = w.declined();
    o.ids = {w.device(), w.ip(), w.merchant()};
    if (valid(o))
      out.items.push_back(std::move(o));
    else
      ++refused;
  }
  return {};
}

} // namespace fraud::protocol
