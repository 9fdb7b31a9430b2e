// The decision store's migration from schema 9 to 10 (issue 18): how long
// the first start of this build takes on a version-9 database of N
// decisions (its rows rebuilt without the tx_id index, their keys written
// as one run of each kind), and the file before and after.
//
//   store_migrate_bench [--decisions N]
//
// The rows are synthetic (a 300-byte payload, 10,000 cards): the
// migration reads only ids, tx_ids and card_ids, and copies the rest.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "service/decision_db.hpp"
#include "service/decision_schema.hpp"

namespace {

double megabytes(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<double>(st.st_size) / 1e6;
}

} // namespace

int main(int argc, char** argv) {
  using namespace fraud;
  long long decisions = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string{argv[i]} != "--decisions") {
      std::fprintf(stderr, "usage: store_migrate_bench [--decisions N]\n");
      return 2;
    }
    decisions = std::atoll(argv[i + 1]);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string{tmp && *tmp ? tmp : "/tmp"}
                     + "/fraud-migrate-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl.data());
  auto path = dir + "/decisions.db";
  auto fail = [](const fraud::error& e) {
    std::fprintf(stderr, "%s\n", fraud::to_string(e).c_str());
    return 1;
  };
  {
    auto db = service::sqlite_connection::open(path, true);
    if (!db)
      return fail(db.error());
    if (auto err = service::migrate(**db, 9))
      return fail(err);
    if (auto err = (*db)->exec(
          "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
          "FROM n WHERE i < " + std::to_string(decisions) + ") "
          "INSERT INTO decisions(id, tx_id, card_id, action, decided_at_ms, "
          "rules, payload) SELECT i, 'tx-' || i, 'card-' || (i % 10000), 0, "
          "1700000000000 + i, '', randomblob(300) FROM n; "
          "INSERT INTO decision_batches SELECT min(id), max(id), "
          "min(decided_at_ms), max(decided_at_ms) FROM decisions GROUP BY "
          "id >> 12; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);"))
      return fail(err);
  }
  auto before = megabytes(path);
  auto t0 = std::chrono::steady_clock::now();
  auto store = service::decision_db::open(path);
  if (!store)
    return fail(store.error());
  auto seconds = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - t0)
                   .count();
  store->reset();
  std::printf("migrate: %lld decisions from schema 9 to %lld in %.1f s, "
              "%.0f MB before, %.0f MB after\n",
              decisions, static_cast<long long>(service::decision_schema_version),
              seconds, before, megabytes(path));
  std::printf("RESULT bench=store_migrate decisions=%lld seconds=%.2f "
              "mb_before=%.0f mb_after=%.0f\n",
              decisions, seconds, before, megabytes(path));
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
