// The usual alternative: a stateless scorer that keeps every card's state
// in SQLite and, per transaction, reads it, scores with the same models::
// rules, and writes it back in one SQLite transaction; then replies and
// publishes exactly as fraudd does (the same sink, the same protobuf).
//
// Built the way such services usually are: one NATS callback thread, WAL
// with synchronous=NORMAL (as fraudd's decision store), prepared
// statements. The state is stored as one blob, which is the cheapest a
// row-per-card design can be; a column per field would only cost more.
#include <cstring>
#include <string>
#include <type_traits>

#include <CLI/CLI.hpp>

#include "bench/nats_responder.hpp"
#include "models/scoring.hpp"
#include "protocol/codec.hpp"
#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "service/latency_histogram.hpp"
#include "service/nats_decision_sink.hpp"
#include "service/sqlite_connection.hpp"
#include "protocol/subjects.hpp"

namespace {

using namespace fraud;

static_assert(std::is_trivially_copyable_v<models::card_state>,
              "card_state is stored as its bytes");

struct scorer {
  std::unique_ptr<service::sqlite_connection> db;
  service::sqlite_statement begin, commit, select, upsert;
  std::shared_ptr<const models::ruleset> rules =
    models::make_default_ruleset();
  actors::counters stats;
  service::latency_histogram latency;
  std::unique_ptr<service::nats_decision_sink> sink;
  models::evaluation scratch;

  fraud::error open(const std::string& path) {
    auto opened = service::sqlite_connection::open(path, true);
    if (!opened)
      return opened.error();
    db = std::move(*opened);
    if (auto err = db->exec("CREATE TABLE IF NOT EXISTS card_state ("
                            "card_id TEXT PRIMARY KEY, state BLOB NOT NULL)"))
      return err;
    for (auto [stmt, sql] :
         {std::pair{&begin, "BEGIN IMMEDIATE"}, std::pair{&commit, "COMMIT"},
          std::pair{&select,
                    "SELECT state FROM card_state WHERE card_id = ?1"},
          std::pair{&upsert, "INSERT INTO card_state (card_id, state) "
                             "VALUES (?1, ?2) ON CONFLICT (card_id) DO "
                             "UPDATE SET state = excluded.state"}}) {
      auto st = db->prepare(sql);
      if (!st)
        return st.error();
      *stmt = std::move(*st);
    }
    return fraud::error{};
  }

  static bool run(service::sqlite_statement& st) {
    auto rc = st.step();
    st.reset();
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }

  void reject(natsConnection* nc, const char* reply,
              const fraud::error& error, std::int64_t received_ns) {
    stats.rejected_invalid.add();
    if (reply == nullptr)
      return;
    protocol::decision_envelope env;
    env.decided_at_ms = service::wall_ms();
    env.service_latency_ns = service::steady_ns() - received_ns;
    thread_local std::string payload;
    protocol::encode_rejected_decision("", "", error, env, payload);
    natsConnection_Publish(nc, reply, payload.data(),
                           static_cast<int>(payload.size()));
  }

  void handle(natsConnection* nc, natsMsg* msg) {
    actors::score_request request;
    request.received_ns = service::steady_ns();
    auto error = protocol::decode_transaction(
      natsMsg_GetData(msg), natsMsg_GetDataLength(msg), request.tx);
    if (!error
        && protocol::subjects::card_token(natsMsg_GetSubject(msg), 0)
             != request.tx.card_id)
      error = fraud::error::in_field(fraud::ec::subject_mismatch,
                                   "card_id", "differs from the subject");
    if (error) {
      reject(nc, natsMsg_GetReply(msg), error, request.received_ns);
      return;
    }
    if (const char* reply = natsMsg_GetReply(msg))
      request.reply_to = reply;
    models::card_state card;
    run(begin);
    select.bind(1, request.tx.card_id);
    if (select.step() == SQLITE_ROW) {
      auto blob = select.blob(0);
      if (blob.size() == sizeof(card))
        std::memcpy(static_cast<void*>(&card), blob.data(), sizeof(card));
    }
    select.reset();
    auto d = models::score_and_apply(card, request.tx, *rules, scratch);
    upsert.bind(1, request.tx.card_id);
    upsert.bind_blob(2, std::string_view{reinterpret_cast<const char*>(&card),
                                         sizeof(card)});
    if (!run(upsert) || !run(commit)) {
      stats.store_errors.add();
      db->rollback();
    }
    sink->deliver(d, request);
  }
};

void on_request(natsConnection* nc, natsSubscription*, natsMsg* msg,
                void* closure) {
  static_cast<scorer*>(closure)->handle(nc, msg);
  natsMsg_Destroy(msg);
}

} // namespace

int main(int argc, char** argv) {
  bench::block_stop_signals();
  bench::responder_options opts;
  opts.name = "sqlite-scorer";
  std::string db_path = "sqlite_scorer.db";
  CLI::App app{"sqlite_scorer: the stateless scorer with card state in "
               "SQLite"};
  bench::declare_responder_options(app, opts);
  app.add_option("--db", db_path, "SQLite file (created)")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  scorer s;
  if (auto err = s.open(db_path)) {
    std::fprintf(stderr, "sqlite-scorer: %s\n",
                 fraud::to_string(err).c_str());
    return 1;
  }
  opts.on_connect = [&s](natsConnection* conn) {
    s.sink = std::make_unique<service::nats_decision_sink>(
      conn, conn, s.stats, s.latency, nullptr);
  };
  return bench::run_responder(opts, on_request, &s);
}
