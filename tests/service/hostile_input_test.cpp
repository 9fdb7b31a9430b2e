// Hostile input on every subject fraudd answers (issue 13): a seeded
// corpus per subject (tests/support/hostile_corpus.hpp) sent to a real
// fraudd, which must answer every request with its subject's reply
// (tests/service/hostile_subjects.hpp), either an error in words or a
// legitimate answer; never approve a transaction it rejects; stay up; and
// stop cleanly with nothing from the sanitizers (make test-asan runs this
// under AddressSanitizer and UBSan).
//
// FRAUD_HOSTILE_INPUTS (inputs per subject) and FRAUD_HOSTILE_SEED change
// the run; a failure names the seed, subject and input to replay it.
#include "tests/service/fraudd_fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <signal.h>

#include "protocol/query_codec.hpp"
#include "protocol/rules_codec.hpp"
#include "protocol/subjects.hpp"
#include "tests/service/hostile_subjects.hpp"

namespace {

using namespace fraud;
using test::outcome;
using test::verdict;

// Enough for every kind to come up many times (the mix repeats every 20
// inputs, huge ones every 40) and short enough under ASan on two cores.
// The plain build's ctest runs the first quarter of the same corpus, to
// see a regression early; make test-asan runs all of it.
#ifdef __SANITIZE_ADDRESS__
constexpr std::size_t default_inputs = 1200;
#else
constexpr std::size_t default_inputs = 300;
#endif
constexpr std::uint64_t default_seed = 13;
// Generous: an answer takes milliseconds; this only bounds a hang.
constexpr int reply_timeout_ms = 30'000;
// Missing replies after which the run stops: each costs the timeout.
constexpr std::size_t max_missing = 3;

std::uint64_t from_env(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10)
                                    : fallback;
}

// Bytes as C escapes, the first `max` of them.
std::string printable(const std::string& s, std::size_t max = 48) {
  std::string out;
  char hex[8];
  for (std::size_t i = 0; i < std::min(max, s.size()); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return s.size() > max ? out + "... (" + std::to_string(s.size()) + " bytes)"
                        : out;
}

// What one subject got and answered.
struct tally {
  std::size_t inputs = 0, errors = 0, answers = 0, failures = 0;
  std::size_t largest = 0;
  std::vector<std::string> examples;  // the first failures

  void count(const verdict& v, const std::string& example) {
    switch (v.what) {
      case outcome::error:
        ++errors;
        break;
      case outcome::answer:
        ++answers;
        break;
      case outcome::failure:
        ++failures;
        if (examples.size() < 5)
          examples.push_back(example + ": " + v.why);
    }
  }
};

class hostile_input_test : public test::fraudd_service {
protected:
  // No cost budget: every fuzzed rule text that compiles runs, however
  // slow (under ASan most would not fit the default 50 us); and no
  // compile rate limit, so that every text reaches the compiler (the
  // limit itself is tested in limits_test).
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    a.insert(a.end(), {"--rules-budget-us", "1000000",
                       "--rules-compiles-per-s", "1000",
                       "--rules-compile-burst", "1000"});
    return a;
  }

  // Every request of this test goes through here: when changes must be
  // signed (issue 13), the signature is added in this one place.
  std::optional<std::string> ask(const std::string& subject,
                                 const std::string& payload) {
    // Changes are signed by alice, so that they reach the compiler and
    // the list code instead of stopping at PERMISSION_DENIED.
    natsMsg* reply = nullptr;
    auto s = test::signed_request(&reply, conn->get(), subject, payload, alice,
                                  reply_timeout_ms);
    if (s != NATS_OK) {
      last_failure_ = service::describe(s);
      return std::nullopt;
    }
    std::string out{natsMsg_GetData(reply),
                    static_cast<std::size_t>(natsMsg_GetDataLength(reply))};
    natsMsg_Destroy(reply);
    return out;
  }

  /// `query`'s reply decoded as `Reply`; nothing when none came or it is
  /// not one.
  template <class Reply, class Query>
  std::optional<Reply> ask_for(const char* subject, const Query& query) {
    std::string payload;
    protocol::encode(query, payload);
    auto bytes = ask(subject, payload);
    Reply r;
    if (!bytes || protocol::decode(bytes->data(), bytes->size(), r))
      return std::nullopt;
    return r;
  }

  std::optional<models::decision> score_tx(const models::transaction& tx) {
    std::string payload;
    protocol::encode_transaction(tx, payload);
    auto bytes = ask(protocol::subjects::tx_prefix + tx.card_id, payload);
    models::decision d;
    protocol::decision_envelope env;
    if (!bytes
        || protocol::decode_decision(bytes->data(), bytes->size(), d, env))
      return std::nullopt;
    return d;
  }

  bool fraudd_alive() {
    return fraudd.pid() > 0 && !fraudd.wait_exit(0);
  }

  std::uint64_t running_version() {
    auto r = ask_for<protocol::rules_get_reply>(
      protocol::subjects::rules_get, protocol::rules_get_request{0});
    return r && !r->error && r->version ? r->version->version : 0;
  }

  // One input on each subject per round, so that rule and list changes
  // land between transactions and queries, as they would in production.
  // Stops early when fraudd dies or stops answering.
  void run(std::size_t per_subject, std::uint64_t seed) {
    std::vector<test::hostile_corpus> corpora;
    for (std::size_t i = 0; i < subjects_.size(); ++i)
      corpora.emplace_back(seed * 1000 + i, subjects_[i].fields,
                           subjects_[i].valid);
    tallies_.assign(subjects_.size(), tally{});
    for (std::size_t n = 0; n < per_subject && missing_ < max_missing; ++n) {
      for (std::size_t i = 0; i < subjects_.size(); ++i) {
        auto input = corpora[i].next();
        auto subject = subjects_[i].subject(corpora[i].rng());
        auto& t = tallies_[i];
        ++t.inputs;
        t.largest = std::max(t.largest, input.bytes.size());
        auto reply = ask(subject, input.bytes);
        if (!reply)
          ++missing_;
        auto v = reply ? subjects_[i].judge(subject, input.bytes, *reply)
                       : verdict{outcome::failure,
                                 "no reply within "
                                   + std::to_string(reply_timeout_ms / 1000)
                                   + " s: " + last_failure_};
        t.count(v, "input " + std::to_string(n) + " ("
                     + test::to_string(input.kind) + ") on "
                     + printable(subject, 120)
                     + "\n    payload: " + printable(input.bytes)
                     + (reply ? "\n    reply: " + printable(*reply) : ""));
      }
      if (n % 50 == 0 || missing_ > 0) {
        ASSERT_TRUE(fraudd_alive()) << "fraudd died after input " << n
                                    << " of each subject:\n"
                                    << fraudd.output();
      }
    }
  }

  // Back to the rules fraudd started with, if a fuzzed change ran: the
  // number of rollbacks that took.
  int restore_rules(std::uint64_t original) {
    if (running_version() == original)
      return 0;
    auto r = ask_for<protocol::rules_change_reply>(
      protocol::subjects::rules_rollback,
      protocol::rules_rollback_request{original, "hostile",
                                       "undo fuzzed rules"});
    EXPECT_TRUE(r && !r->error) << "the rollback failed";
    return 1;
  }

  // Publications on fraud.rejected read, and how many did not decode.
  std::pair<std::size_t, std::size_t> read_rejections() {
    std::size_t read = 0, bad = 0;
    while (auto* msg = next(rejections, 0)) {
      protocol::rejection rej;
      ++read;
      if (protocol::decode_rejection(natsMsg_GetData(msg),
                                     natsMsg_GetDataLength(msg), rej))
        ++bad;
      natsMsg_Destroy(msg);
    }
    return {read, bad};
  }

  // The table the note quotes; a test failure for each subject's failures.
  void report(std::uint64_t seed, const std::string& rules) {
    std::printf("\nhostile inputs, seed %llu; %s\n",
                static_cast<unsigned long long>(seed), rules.c_str());
    std::printf("%-24s %7s %7s %7s %8s %9s\n", "subject", "inputs", "errors",
                "answers", "failures", "largest");
    std::size_t total = 0;
    for (std::size_t i = 0; i < subjects_.size(); ++i) {
      auto& t = tallies_[i];
      total += t.inputs;
      std::printf("%-24s %7zu %7zu %7zu %8zu %8zuK\n",
                  subjects_[i].name.c_str(), t.inputs, t.errors, t.answers,
                  t.failures, t.largest / 1024);
      for (auto& e : t.examples)
        ADD_FAILURE() << subjects_[i].name << ", seed " << seed << ": " << e;
      EXPECT_EQ(t.failures, 0u) << subjects_[i].name;
    }
    std::printf("%-24s %7zu\n", "total", total);
    std::fflush(stdout);
  }

  std::vector<test::subject_case> subjects_ = test::hostile_subjects();
  std::vector<tally> tallies_;
  std::size_t missing_ = 0;
  std::string last_failure_;
};

TEST_F(hostile_input_test, every_subject_answers_every_input_and_approves_no_bad_one) {
  // The replies judged here quote hostile bytes: libprotobuf's complaints
  // about them would bury the report.
  protocol::set_protobuf_log_handler(nullptr);
  auto seed = from_env("FRAUD_HOSTILE_SEED", default_seed);
  auto original = running_version();
  ASSERT_NE(original, 0u) << "cannot read the running rule version";

  run(from_env("FRAUD_HOSTILE_INPUTS", default_inputs), seed);
  if (HasFatalFailure())
    return;
  EXPECT_EQ(missing_, 0u) << "requests without a reply";

  // Nothing approved that the original rules decline: whatever rules the
  // fuzzed changes left running, the original ones again, and impossible
  // travel (New York, then London ten minutes later) still declined.
  auto history = ask_for<protocol::rules_history_reply>(
    protocol::subjects::rules_history, protocol::rules_history_request{1});
  auto fuzzed = running_version();
  int rollbacks = restore_rules(original);
  ASSERT_EQ(running_version(), original);
  ASSERT_TRUE(score_tx(test::card_tx("zz-final-check", 0, "final-ny")));
  auto london = score_tx(test::in_country(
    test::located(test::card_tx("zz-final-check", 10, "final-london"),
                  test::london),
    "GB"));
  ASSERT_TRUE(london);
  EXPECT_EQ(london->action, models::action::decline)
    << "the original rules no longer decline impossible travel";

  auto [rejections_read, rejections_bad] = read_rejections();
  EXPECT_EQ(rejections_bad, 0u) << "of " << rejections_read
                                << " fraud.rejected publications";
  // Each approval's transaction was valid: the judge checked it.
  auto stats = ask_for<protocol::stats_reply>(protocol::subjects::stats,
                                              protocol::stats_query{});
  ASSERT_TRUE(stats);

  report(seed,
         std::to_string(history && !history->versions.empty()
                          ? history->versions[0].version
                          : 0)
           + " rule versions stored, rules-" + std::to_string(fuzzed)
           + " running at the end; rolled back to rules-"
           + std::to_string(original) + ": " + std::to_string(rollbacks)
           + "; transactions approved " + std::to_string(stats->approved)
           + " (all valid), rejected " + std::to_string(stats->rejected)
           + " (" + std::to_string(rejections_read) + " published)");

  EXPECT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
  auto out = fraudd.output();
  for (const char* bad : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                          "runtime error:", "UndefinedBehaviorSanitizer"})
    EXPECT_EQ(out.find(bad), std::string::npos) << bad << "\n" << out;
}

} // namespace
