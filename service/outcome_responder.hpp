// Answers the outcome subjects over NATS (README: Review queue and
// outcomes): fraud.labels and fraud.cases.resolve (changes: signed by an
// analyst fraudd trusts, PERMISSION_DENIED otherwise), and the queries
// fraud.query.cases, fraud.query.labels and fraud.query.performance.
//
// One subscription a subject, so each has its own nats.c thread and its
// own SQLite connection (read-write for the two changes, read-only for the
// queries): a slow performance count never holds up a label, and none of
// them touches scoring. Plain subscriptions, like the other queries: in a
// cluster every instance stores every label, the instance holding a case
// resolves it (the others answer NOT_FOUND), and clients gather the
// answers (service/client/outcome_merge.hpp). fraud.labels may also be
// published without a reply subject: the labels are stored and counted
// all the same.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nats/nats.h>

#include "service/client/signed_change.hpp"
#include "service/outcome_db.hpp"
#include "service/query_responder.hpp"

namespace fraud::service {

class outcome_responder {
public:
  /// Reads ctx's stats, db_path, limits and origin; `verifier` must
  /// outlive this.
  outcome_responder(natsConnection* conn, query_context ctx,
                    change_verifier& verifier);
  ~outcome_responder();

  fraud::error start();

private:
  struct handler;
  using answer_fn = void (outcome_responder::*)(natsMsg*, outcome_db&);

  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure);
  void answer_labels(natsMsg* msg, outcome_db& db);
  void answer_resolve(natsMsg* msg, outcome_db& db);
  void answer_cases(natsMsg* msg, outcome_db& db);
  void answer_labels_query(natsMsg* msg, outcome_db& db);
  void answer_performance(natsMsg* msg, outcome_db& db);
  // The verified analyst of a change, "name (key)", or why not.
  fraud::expected<std::string> signer_of(natsMsg* msg);
  // Encodes `r` (an error instead when it would not fit), counts an error
  // and replies, if anyone asked.
  template <class Reply>
  void finish(natsMsg* msg, Reply& r);
  protocol::reply_origin origin() const;
  page_bounds bounds(std::uint32_t limit) const;

  natsConnection* conn_;
  query_context ctx_;
  change_verifier& verifier_;
  std::size_t reply_bytes_ = protocol::max_reply_bytes;  // set by start()
  std::vector<std::unique_ptr<handler>> handlers_;
};

} // namespace fraud::service
