// Answers fraud.rules.{set,get,rollback,history,shadow},
// fraud.lists.{add,remove,get}, fraud.rates.{set,get,rollback,history} and
// fraud.model.{set,get,rollback,history} over NATS request-reply.
//
// A subscription each (fraud.rules.*, fraud.lists.*, fraud.rates.*,
// fraud.model.*), so
// nats.c gives the control plane threads of its own: a rule change never waits behind
// scoring or queries, and scoring never waits for it (the switch is one
// swap in the ruleset slot). Not in a queue group: every fraudd on the
// subjects applies a change. Every request gets a reply.
//
// A change (rules set and rollback, lists add and remove, rates and model
// set and rollback) must be signed by an analyst key fraudd trusts (service/client/signed_change.hpp): it
// is checked before anything is decoded or compiled, refused with
// PERMISSION_DENIED otherwise, and the verified analyst is kept with the
// change beside the request's free-text author.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nats/nats.h>

#include "actors/counters.hpp"
#include "service/client/signed_change.hpp"
#include "service/live_model.hpp"
#include "service/live_rates.hpp"
#include "service/live_rules.hpp"
#include "service/shadow_queries.hpp"

namespace fraud::service {

class rules_responder {
public:
  /// `rules`, `stats`, `verifier`, `rates` and `model` must outlive this;
  /// without `rates`, fraud.rates.* is not answered, nor fraud.model.*
  /// without `model`.
  rules_responder(natsConnection* conn, live_rules& rules,
                  actors::counters& stats, std::string db_path,
                  change_verifier& verifier, live_rates* rates = nullptr,
                  live_model* model = nullptr);
  ~rules_responder();

  fraud::error start();

private:
  struct handler;

  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure);
  // Decodes a Request, answers it, encodes the Reply into `out` (within
  // reply_bytes_) and counts it; true when the reply is an error.
  template <class Request, class Reply, class Answer>
  bool serve(natsMsg* msg, Answer answer, std::string& out);
  void count_limited(const fraud::error& error);
  void answer_rules(const std::string& verb, natsMsg* msg);
  bool answer_shadow(const std::string& verb, natsMsg* msg, std::string& out);
  void answer_lists(const std::string& verb, natsMsg* msg);
  // fraud.rates.* and fraud.model.*: a versioned text's set, get,
  // history, and (the model's) rollback.
  template <class Live>
  void answer_versioned(const std::string& verb, natsMsg* msg, Live& live);
  void reply(natsMsg* msg, const std::string& payload, bool failed);
  // Who signed a change, as "name (key)", or why it may not be made.
  fraud::expected<std::string> signer_of(natsMsg* msg);

  natsConnection* conn_;
  live_rules& rules_;
  actors::counters& stats_;
  std::string db_path_;
  change_verifier& verifier_;
  live_rates* rates_;
  live_model* model_;
  std::size_t reply_bytes_ = protocol::max_reply_bytes;  // set by start()
  std::unique_ptr<shadow_queries> shadow_;  // used on the rules thread only
  std::vector<std::unique_ptr<handler>> handlers_;
};

} // namespace fraud::service
