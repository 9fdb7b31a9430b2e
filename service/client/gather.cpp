#include "service/client/gather.hpp"

#include <algorithm>
#include <chrono>

#include "protocol/query_codec.hpp"

namespace fraud::service {

namespace {

using clock_type = std::chrono::steady_clock;

// Owns the reply subscription: destroyed however gather() returns.
struct inbox_subscription {
  natsConnection* conn = nullptr;
  natsSubscription* sub = nullptr;
  ~inbox_subscription() { end_subscription(conn, sub); }  // late replies
};

int ms_until(clock_type::time_point t) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    t - clock_type::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
}

bool answered_already(const std::vector<gathered_reply>& replies,
                      const std::string& instance) {
  // An old fraudd names no instance: each such answer counts on its own.
  return !instance.empty()
         && std::any_of(replies.begin(), replies.end(),
                        [&](auto& r) { return r.instance == instance; });
}

fraud::error no_answer(const std::string& subject, int timeout_ms,
                       natsStatus s) {
  return make_error(ec::nats_error,
                    "no answer on " + subject + " within "
                      + std::to_string(timeout_ms) + " ms: " + describe(s)
                      + (s == NATS_NO_RESPONDERS ? " (is fraudd running?)"
                                                 : ""));
}

} // namespace

fraud::expected<gathered> gather(nats_connection& conn,
                                 const std::string& subject,
                                 const std::string& payload,
                                 const gather_options& options) {
  auto inbox = conn.new_inbox();
  if (inbox.empty())
    return make_error(ec::nats_error, "cannot make a reply inbox");
  inbox_subscription replies{conn.get()};
  auto s = natsConnection_SubscribeSync(&replies.sub, conn.get(),
                                        inbox.c_str());
  natsMsg* request = nullptr;
  if (s == NATS_OK)
    s = natsMsg_Create(&request, subject.c_str(), inbox.c_str(),
                       payload.data(), static_cast<int>(payload.size()));
  if (s == NATS_OK && options.prepare) {
    if (auto err = options.prepare(request)) {
      natsMsg_Destroy(request);
      return err;
    }
  }
  if (s == NATS_OK)
    s = natsConnection_PublishMsg(conn.get(), request);
  natsMsg_Destroy(request);
  if (s != NATS_OK)
    return make_error(ec::nats_error, "cannot ask on " + subject + ": "
                                        + describe(s));
  gathered out;
  out.expected = std::max<std::uint32_t>(options.min_instances, 1);
  auto deadline = clock_type::now()
                  + std::chrono::milliseconds(options.timeout_ms);
  auto grace_end = clock_type::time_point::max();
  for (;;) {
    auto until = std::min(deadline, grace_end);
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, replies.sub, ms_until(until));
    if (s == NATS_TIMEOUT)
      break;  // the deadline, or the grace after a lone answer
    if (s != NATS_OK)
      return no_answer(subject, options.timeout_ms, s);
    if (natsMsg_IsNoResponders(msg)) {
      natsMsg_Destroy(msg);
      if (out.replies.empty())
        return no_answer(subject, options.timeout_ms, NATS_NO_RESPONDERS);
      continue;
    }
    gathered_reply r;
    r.bytes.assign(natsMsg_GetData(msg),
                   static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    protocol::reply_origin origin;
    if (!protocol::decode(r.bytes.data(), r.bytes.size(), origin)) {
      r.instance = std::move(origin.instance);
      r.instances = origin.instances;
    }
    if (answered_already(out.replies, r.instance))
      continue;  // a second answer of one instance: the first stands
    out.expected = std::max(out.expected, r.instances);
    out.replies.push_back(std::move(r));
    if (out.replies.size() >= out.expected) {
      if (out.expected > 1 || options.min_instances > 0)
        break;  // as many as the answers (or the caller) know of
      if (grace_end == clock_type::time_point::max())
        grace_end = clock_type::now()
                    + std::chrono::milliseconds(options.grace_ms);
    }
  }
  if (out.replies.empty())
    return no_answer(subject, options.timeout_ms, NATS_TIMEOUT);
  return out;
}

} // namespace fraud::service
