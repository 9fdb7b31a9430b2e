// Card state from the cluster's key-value bucket against SQLite (issue
// 14): what a card activation pays to read its snapshot, and what the
// snapshot writer pays to write a batch. A real three-server nats-server
// cluster on loopback (R3 bucket, the shipped configuration), written
// through server 0 and read through server 1, as an instance taking over
// a dead one's cards would; the SQLite file in a temporary directory, read
// through the read pool fraudd uses.
//
//   snapshot_store_bench [--cards N] [--reads R] [--batch B]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/result_fields.hpp"
#include "bench/synthetic.hpp"
#include "models/card_snapshot.hpp"
#include "models/scoring.hpp"
#include "protocol/codec.hpp"
#include "service/client/nats_connection.hpp"
#include "service/kv_snapshot_store.hpp"
#include "service/snapshot_db.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/nats_cluster.hpp"

namespace {

using namespace fraud;
using rows = std::vector<std::pair<std::string_view, std::string_view>>;
using clock_type = std::chrono::steady_clock;

std::int64_t since_ns(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now() - t0)
    .count();
}

// A card's snapshot as a card actor saves it: a few days of synthetic
// history and the encoded first decisions of its last two transactions.
struct snapshots {
  std::vector<std::string> ids, with_decisions;
  std::size_t bytes_without = 0, bytes_with = 0;
};

snapshots make_snapshots(std::uint32_t cards) {
  snapshots out;
  auto rules = models::make_default_ruleset();
  models::evaluation scratch;
  std::string payload;
  for (std::uint32_t c = 0; c < cards; ++c) {
    models::card_state card;
    models::recent_ids recent;
    models::recent_decisions decisions;
    for (std::uint32_t i = 0; i < 20; ++i) {
      auto tx = bench::synthetic_transaction(std::uint64_t{i} * cards + c,
                                             cards, 60'000 / cards + 1);
      auto d = models::score_and_apply(card, tx, *rules, scratch);
      recent.add(tx.tx_id);
      protocol::decision_envelope env;
      env.service_latency_ns = 20'000;
      protocol::encode_decision(d, env, payload);
      decisions.add(tx.tx_id, payload, 2);
    }
    std::string without, with;
    models::save_snapshot(card, recent, without);
    models::save_snapshot(card, recent, decisions, with);
    out.bytes_without += without.size();
    out.bytes_with += with.size();
    out.ids.push_back(bench::card_id(c));
    out.with_decisions.push_back(std::move(with));
  }
  return out;
}

std::unique_ptr<service::nats_connection>
connect(test::nats_cluster& nats, int server) {
  service::nats_options o;
  o.url = nats.url(server);
  o.name = "snapshot-store-bench";
  o.auth.nkey_file = nats.seed_file("scorer");
  o.auth.inbox_prefix = "_INBOX.scorer";
  auto c = service::nats_connection::connect(o);
  if (!c) {
    std::fprintf(stderr, "connect: %s\n", to_string(c.error()).c_str());
    std::exit(1);
  }
  return std::move(*c);
}

// Just after the cluster started an R3 bucket cannot be created for a
// while: retried.
std::unique_ptr<service::kv_snapshot_store>
open_store(service::nats_connection& conn) {
  service::kv_snapshot_options o;
  o.bucket = "fraud-cards-bench";
  o.replicas = 3;
  for (int attempt = 0;; ++attempt) {
    auto s = service::kv_snapshot_store::open(conn.get(), o);
    if (s)
      return std::move(*s);
    if (attempt == 60) {
      std::fprintf(stderr, "bucket: %s\n", to_string(s.error()).c_str());
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Writes every snapshot in batches; microseconds per card.
double write_batches(actors::snapshot_backend& store, const snapshots& s,
                     std::size_t batch) {
  auto t0 = clock_type::now();
  for (std::size_t at = 0; at < s.ids.size(); at += batch) {
    rows r;
    for (std::size_t i = at; i < std::min(at + batch, s.ids.size()); ++i)
      r.emplace_back(s.ids[i], s.with_decisions[i]);
    if (auto err = store.write(r)) {
      std::fprintf(stderr, "write: %s\n", to_string(err).c_str());
      std::exit(1);
    }
  }
  return since_ns(t0) / 1000.0 / static_cast<double>(s.ids.size());
}

simulator::latency_summary read_latency(actors::snapshot_backend& store,
                                        const std::vector<std::string>& ids,
                                        std::uint32_t reads) {
  std::mt19937 rng{14};
  std::vector<std::int64_t> ns;
  ns.reserve(reads);
  for (std::uint32_t i = 0; i < reads; ++i) {
    auto& id = ids[rng() % ids.size()];
    auto t0 = clock_type::now();
    auto got = store.read(id);
    ns.push_back(since_ns(t0));
    if (!got) {
      std::fprintf(stderr, "read: %s\n", to_string(got.error()).c_str());
      std::exit(1);
    }
  }
  return simulator::summarize_latency(ns);
}

} // namespace

int main(int argc, char** argv) {
  std::uint32_t cards = 20'000, reads = 5'000;
  std::size_t batch = 2'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--cards")
      cards = static_cast<std::uint32_t>(value);
    else if (flag == "--reads")
      reads = static_cast<std::uint32_t>(value);
    else if (flag == "--batch")
      batch = value;
    else {
      std::fprintf(stderr, "usage: snapshot_store_bench [--cards N] "
                           "[--reads R] [--batch B]\n");
      return 2;
    }
  }
  auto s = make_snapshots(cards);
  std::printf("snapshots: %u cards, mean %.0f bytes (format 2, two decisions "
              "kept), %.0f bytes without the decisions\n",
              cards, static_cast<double>(s.bytes_with) / cards,
              static_cast<double>(s.bytes_without) / cards);

  test::temp_dir dir;
  auto cluster = test::nats_cluster::start(dir.path());
  if (!cluster) {
    std::fprintf(stderr, "cluster: %s\n", to_string(cluster.error()).c_str());
    return 1;
  }
  auto writer_conn = connect(**cluster, 0);
  auto reader_conn = connect(**cluster, 1);
  auto writer = open_store(*writer_conn);
  auto reader = open_store(*reader_conn);

  // The writer: one synchronous put per card against the batch.
  service::kv_bucket_options bo;
  bo.name = writer->bucket();
  auto sync = service::kv_bucket::open(writer_conn->get(), bo);
  if (!sync) {
    std::fprintf(stderr, "bucket: %s\n", to_string(sync.error()).c_str());
    return 1;
  }
  auto sync_cards = std::min<std::size_t>(2'000, s.ids.size());
  auto t0 = clock_type::now();
  for (std::size_t i = 0; i < sync_cards; ++i)
    if (!(*sync)->put(service::kv_snapshot_store::key_of(s.ids[i]),
                      s.with_decisions[i])) {
      std::fprintf(stderr, "put failed\n");
      return 1;
    }
  auto sync_us = since_ns(t0) / 1000.0 / static_cast<double>(sync_cards);
  auto kv_write_us = write_batches(*writer, s, batch);
  auto db = service::snapshot_db::open(dir.file("cards.db"));
  if (!db) {
    std::fprintf(stderr, "sqlite: %s\n", to_string(db.error()).c_str());
    return 1;
  }
  auto sqlite_write_us = write_batches(**db, s, batch);
  std::printf("write: key-value %.1f us a card synchronously (kvStore_Put), "
              "%.1f us a card in batches of %zu (async publish); SQLite %.1f "
              "us a card in batches of %zu\n",
              sync_us, kv_write_us, batch, sqlite_write_us, batch);

  // Activation: a card that has a snapshot reads it; in a cluster, a card
  // never seen anywhere reads nothing (there is no filter).
  service::snapshot_read_pool pool{dir.file("cards.db")};
  read_latency(pool, s.ids, 200);  // the thread's connection opened
  auto sqlite_read = read_latency(pool, s.ids, reads);
  read_latency(*reader, s.ids, 200);
  auto kv_read = read_latency(*reader, s.ids, reads);
  std::vector<std::string> unknown;
  for (std::uint32_t i = 0; i < 1000; ++i)
    unknown.push_back("never-seen-" + std::to_string(i));
  auto kv_miss = read_latency(*reader, unknown, reads);
  std::printf("activation read: key-value p50 %.1f us p99 %.1f us (a card "
              "with no snapshot p50 %.1f us p99 %.1f us); SQLite p50 %.1f us "
              "p99 %.1f us\n",
              kv_read.p50, kv_read.p99, kv_miss.p50, kv_miss.p99,
              sqlite_read.p50, sqlite_read.p99);
  std::printf("RESULT bench=snapshot_store cards=%u snapshot_bytes=%.0f "
              "snapshot_bytes_no_decisions=%.0f kv_put_us=%.1f kv_batch_us=%.1f "
              "sqlite_batch_us=%.1f %s %s %s\n",
              cards, static_cast<double>(s.bytes_with) / cards,
              static_cast<double>(s.bytes_without) / cards, sync_us,
              kv_write_us, sqlite_write_us,
              bench::fields("kv_read", kv_read).c_str(),
              bench::fields("kv_miss", kv_miss).c_str(),
              bench::fields("sqlite_read", sqlite_read).c_str());
  return 0;
}
