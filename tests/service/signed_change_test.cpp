// Signed changes: what an analyst signs, the headers it travels in, the
// keyring of analysts fraudd trusts, and every way a change that is not
// what a trusted analyst signed just now is refused.
#include <cctype>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <vector>

#include <gtest/gtest.h>
#include <nats/nats.h>

#include "service/client/nkey.hpp"
#include "service/client/signed_change.hpp"
#include "service/embedded_nats.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using service::analyst_keyring;
using service::change_signature;
using service::change_verifier;
namespace nkey = fraud::service::nkey;

constexpr std::int64_t now = 1'700'000'000'000;
constexpr std::int64_t skew = change_verifier::default_max_skew_ms;
constexpr char subject[] = "fraud.rules.set";
constexpr char body[] = "rule big: decline when amount > 1000";

struct analyst {
  std::string name, seed, public_key;
};

analyst make_analyst(const std::string& name) {
  analyst a{name, nkey::generate_user_seed(), {}};
  auto pub = nkey::public_key(a.seed);
  EXPECT_TRUE(pub);
  a.public_key = pub ? *pub : "";
  return a;
}

change_signature sign(const analyst& a, std::int64_t at = now,
                      std::string_view subj = subject,
                      std::string_view text = body) {
  auto sig = service::sign_change(a.seed, subj, text, at);
  EXPECT_TRUE(sig) << to_string(sig.error());
  return sig ? *sig : change_signature{};
}

class signed_changes : public ::testing::Test {
protected:
  signed_changes() : verifier_(keyring()) {
  }

  analyst_keyring keyring() {
    analyst_keyring ring;
    EXPECT_FALSE(ring.add(alice_.name, alice_.public_key));
    return ring;
  }

  // The refusal's words, or "accepted".
  std::string refusal(const change_signature& sig, std::int64_t at = now,
                      std::string_view subj = subject,
                      std::string_view text = body) {
    auto who = verifier_.verify(subj, text, sig, at);
    if (who)
      return "accepted";
    EXPECT_EQ(who.error().code(), ec::permission_denied);
    return who.error().what();
  }

  analyst alice_ = make_analyst("alice");
  analyst mallory_ = make_analyst("mallory");
  change_verifier verifier_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(signed_change, signs_a_text_binding_subject_time_nonce_and_body) {
  EXPECT_EQ(service::change_signing_text("fraud.rules.set", "", "17", "ab"),
            "fraud-change-v1\nfraud.rules.set\n17\nab\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto a = make_analyst("alice");
  auto sig = sign(a);
  EXPECT_EQ(sig.signer, a.public_key);
  EXPECT_EQ(sig.signed_at, std::to_string(now));
  EXPECT_EQ(sig.nonce.size(), 32u);
  EXPECT_EQ(sig.signature.size(), 128u);
  EXPECT_NE(sign(a).nonce, sig.nonce);
  EXPECT_FALSE(service::sign_change("not a seed", subject, body, now));
}

TEST_F(signed_changes, accepts_a_fresh_signature_and_names_its_analyst) {
  auto who = verifier_.verify(subject, body, sign(alice_), now);
  ASSERT_TRUE(who) << to_string(who.error());
  EXPECT_EQ(who->name, "alice");
  EXPECT_EQ(who->public_key, alice_.public_key);
  // At the edges of the window, both ways.
  EXPECT_EQ(refusal(sign(alice_, now - skew)), "accepted");
  EXPECT_EQ(refusal(sign(alice_, now + skew)), "accepted");
}

TEST_F(signed_changes, refuses_a_changed_body_or_subject) {
  auto sig = sign(alice_);
  EXPECT_TRUE(contains(refusal(sig, now, subject, "rule big: approve"),
                       "bad signature"));
  EXPECT_TRUE(contains(refusal(sig, now, subject, std::string{body} + " "),
                       "bad signature"));
  // A set cannot be replayed as a rollback.
  EXPECT_TRUE(
    contains(refusal(sig, now, "fraud.rules.rollback"), "bad signature"));
  auto moved = sig;
  moved.signed_at = std::to_string(now + 1);
  EXPECT_TRUE(contains(refusal(moved), "bad signature"));
  auto renonced = sig;
  renonced.nonce[0] = renonced.nonce[0] == '0' ? '1' : '0';
  EXPECT_TRUE(contains(refusal(renonced), "bad signature"));
  EXPECT_EQ(refusal(sig), "accepted") << "refusals used no nonce";
}

TEST_F(signed_changes, refuses_a_signer_it_does_not_trust) {
  auto why = refusal(sign(mallory_));
  EXPECT_TRUE(contains(why, "signer " + mallory_.public_key
                              + " is not an analyst key fraudd trusts"))
    << why;
  // Claiming alice's key with mallory's signature.
  auto forged = sign(mallory_);
  forged.signer = alice_.public_key;
  EXPECT_TRUE(contains(refusal(forged), "bad signature"));
}

TEST_F(signed_changes, refuses_a_signature_far_from_its_clock) {
  auto stale = refusal(sign(alice_, now - skew - 1));
  EXPECT_TRUE(contains(stale, "is more than 120 s from fraudd's clock"))
    << stale;
  EXPECT_TRUE(contains(stale, "behind")) << stale;
  auto future = refusal(sign(alice_, now + 10 * 60 * 1000));
  EXPECT_TRUE(contains(future, "is more than 120 s from fraudd's clock"));
  EXPECT_TRUE(contains(future, "600 s ahead")) << future;
}

TEST_F(signed_changes, refuses_a_replayed_request) {
  auto sig = sign(alice_);
  EXPECT_EQ(refusal(sig), "accepted");
  EXPECT_EQ(refusal(sig, now + 1000), "nonce already used (a replayed request)");
  EXPECT_EQ(refusal(sig, now + skew), "nonce already used (a replayed request)");
  EXPECT_TRUE(contains(refusal(sig, now + skew + 1), "from fraudd's clock"));
}

TEST_F(signed_changes, a_clock_stepped_back_does_not_reopen_a_forgotten_nonce) {
  auto sig = sign(alice_);
  EXPECT_EQ(refusal(sig), "accepted");
  EXPECT_EQ(refusal(sign(alice_, now + skew + 10), now + skew + 10),
            "accepted");
  EXPECT_EQ(verifier_.remembered_nonces(), 1u) << "the first one expired";
  EXPECT_NE(refusal(sig, now), "accepted");
}

TEST(signed_change, refuses_rather_than_forgets_when_its_memory_is_full) {
  auto alice = make_analyst("alice");
  analyst_keyring ring;
  ASSERT_FALSE(ring.add("alice", alice.public_key));
  change_verifier verifier{std::move(ring), skew, 2};
  EXPECT_TRUE(verifier.verify(subject, body, sign(alice), now));
  EXPECT_TRUE(verifier.verify(subject, body, sign(alice), now));
  auto full = verifier.verify(subject, body, sign(alice), now);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ec::limit_exceeded);
  EXPECT_EQ(verifier.remembered_nonces(), 2u);
  // Once the window has passed, the memory frees itself.
  auto later = now + skew + 1;
  EXPECT_TRUE(verifier.verify(subject, body, sign(alice, later), later));
  EXPECT_EQ(verifier.remembered_nonces(), 1u);
}

TEST(signed_change, an_empty_keyring_refuses_every_change) {
  auto alice = make_analyst("alice");
  change_verifier verifier{analyst_keyring{}};
  auto who = verifier.verify(subject, body, sign(alice), now);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code(), ec::permission_denied);
  EXPECT_TRUE(contains(who.error().what(),
                       "no analyst keys are configured (--analyst-keys)"));
}

TEST_F(signed_changes, says_an_unsigned_or_incomplete_change_is_refused) {
  EXPECT_EQ(refusal(change_signature{}),
            "unsigned change: sign it with an analyst NKey (fraudctl "
            "--nats-nkey)");
  auto good = sign(alice_);
  for (auto field : {&change_signature::signer, &change_signature::signed_at,
                     &change_signature::nonce, &change_signature::signature}) {
    auto sig = good;
    (sig.*field).clear();
    EXPECT_TRUE(contains(refusal(sig), "incomplete signature: no Fraud-"));
  }
}

// Header values are anyone's text: none crashes, none is accepted, and
// none is echoed back at length.
TEST_F(signed_changes, refuses_garbage_headers) {
  auto good = sign(alice_);
  std::string huge(1 << 20, 'A');
  std::string with_nul{"1700000000000\0" "1", 15};
  std::vector<std::pair<std::string change_signature::*, std::string>> bad = {
    {&change_signature::signer, "U"},
    {&change_signature::signer, huge},
    {&change_signature::signer, alice_.seed},
    {&change_signature::signer, "u" + alice_.public_key.substr(1)},
    {&change_signature::signer, alice_.public_key + "\n"},
    {&change_signature::signed_at, "-1700000000000"},
    {&change_signature::signed_at, "+1700000000000"},
    {&change_signature::signed_at, "17e11"},
    {&change_signature::signed_at, " " + good.signed_at},
    {&change_signature::signed_at, std::string(40, '9')},
    {&change_signature::signed_at, huge},
    {&change_signature::signed_at, with_nul},
    {&change_signature::nonce, good.nonce.substr(1)},
    {&change_signature::nonce, good.nonce + "0"},
    {&change_signature::nonce, std::string(32, 'g')},
    {&change_signature::nonce, std::string(32, 'A')},
    {&change_signature::nonce, huge},
    {&change_signature::signature, good.signature.substr(2)},
    {&change_signature::signature, good.signature + "00"},
    {&change_signature::signature, std::string(128, 'z')},
    {&change_signature::signature, std::string(128, '0')},
    {&change_signature::signature, huge},
  };
  // An upper-case spelling of the same signature is a second spelling.
  std::string upper = good.signature;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  bad.emplace_back(&change_signature::signature, upper);
  for (auto& [field, value] : bad) {
    auto sig = good;
    sig.*field = value;
    auto why = refusal(sig);
    EXPECT_NE(why, "accepted") << value.substr(0, 80);
    EXPECT_LT(why.size(), 300u) << why.substr(0, 300);
  }
  EXPECT_EQ(refusal(good), "accepted") << "no refusal used the nonce";
}

TEST(signed_change, headers_survive_a_trip_through_nats_server) {
  test::temp_dir dir;
  auto server = test::start_nats(dir.path());
  ASSERT_TRUE(server);
  natsConnection* conn = nullptr;
  natsSubscription* sub = nullptr;
  natsMsg* out = nullptr;
  natsMsg* in = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, server->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, conn, subject), NATS_OK);
  auto alice = make_analyst("alice");
  auto sig = sign(alice);
  ASSERT_EQ(natsMsg_Create(&out, subject, nullptr, body,
                           static_cast<int>(std::strlen(body))),
            NATS_OK);
  ASSERT_FALSE(service::set_change_headers(out, sig));
  ASSERT_EQ(natsConnection_PublishMsg(conn, out), NATS_OK);
  ASSERT_EQ(natsSubscription_NextMsg(&in, sub, 5000), NATS_OK);
  auto got = service::read_change_headers(in);
  EXPECT_EQ(got.signer, sig.signer);
  EXPECT_EQ(got.signed_at, sig.signed_at);
  EXPECT_EQ(got.nonce, sig.nonce);
  EXPECT_EQ(got.signature, sig.signature);
  analyst_keyring ring;
  ASSERT_FALSE(ring.add("alice", alice.public_key));
  change_verifier verifier{std::move(ring)};
  std::string received{natsMsg_GetData(in),
                       static_cast<std::size_t>(natsMsg_GetDataLength(in))};
  auto who = verifier.verify(natsMsg_GetSubject(in), received, got, now);
  EXPECT_TRUE(who) << to_string(who.error());
  natsMsg_Destroy(in);
  natsMsg_Destroy(out);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(conn);
}

TEST(signed_change, a_message_without_headers_reads_as_unsigned) {
  // No connection opens the library here: destroying a message needs it.
  ASSERT_EQ(nats_Open(-1), NATS_OK);
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsMsg_Create(&msg, subject, nullptr, body, 3), NATS_OK);
  auto got = service::read_change_headers(msg);
  EXPECT_TRUE(got.signer.empty() && got.signed_at.empty()
              && got.nonce.empty() && got.signature.empty());
  natsMsg_Destroy(msg);
}

TEST(analyst_keyring, reads_names_and_keys_with_comments) {
  auto alice = make_analyst("alice");
  auto bob = make_analyst("bob");
  auto ring = analyst_keyring::parse("# fraud analysts\n"
                                     "\n"
                                     "alice " + alice.public_key + "\n"
                                     "  bob.smith@bank\t" + bob.public_key
                                       + "   # since May\r\n",
                                     "keys");
  ASSERT_TRUE(ring) << to_string(ring.error());
  EXPECT_EQ(ring->size(), 2u);
  ASSERT_NE(ring->name_of(alice.public_key), nullptr);
  EXPECT_EQ(*ring->name_of(alice.public_key), "alice");
  ASSERT_NE(ring->name_of(bob.public_key), nullptr);
  EXPECT_EQ(*ring->name_of(bob.public_key), "bob.smith@bank");
  EXPECT_EQ(ring->name_of(make_analyst("eve").public_key), nullptr);
}

TEST(analyst_keyring, names_the_line_of_each_mistake) {
  auto alice = make_analyst("alice");
  auto bob = make_analyst("bob");
  auto head = "# analysts\nalice " + alice.public_key + "\n\n";
  struct mistake {
    std::string line, words;
  } mistakes[] = {
    {"bob", "expected \"<name> <public key>\""},
    {"bob " + bob.public_key + " extra", "expected \"<name> <public key>\""},
    {"b*b " + bob.public_key, "an analyst name is"},
    {std::string(65, 'b') + " " + bob.public_key, "an analyst name is"},
    {"bob " + bob.public_key.substr(1), "not a user public key"},
    {"bob A" + bob.public_key.substr(1), "not a user public key"},
    {"bob " + bob.seed, "is a seed, a secret"},
    {"alice " + bob.public_key, "alice is listed twice"},
    {"carol " + alice.public_key, "is already alice's"},
  };
  for (auto& m : mistakes) {
    auto ring = analyst_keyring::parse(head + m.line + "\n", "keys.txt");
    ASSERT_FALSE(ring) << m.line;
    EXPECT_EQ(ring.error().code(), ec::config_error);
    auto what = ring.error().what();
    EXPECT_TRUE(contains(what, "keys.txt:4: ")) << what;
    EXPECT_TRUE(contains(what, m.words)) << what;
    EXPECT_FALSE(contains(what, bob.seed)) << what;
  }
}

TEST(analyst_keyring, refuses_a_file_others_may_change) {
  test::temp_dir dir;
  auto path = dir.file("analysts");
  auto alice = make_analyst("alice");
  { std::ofstream(path) << "alice " << alice.public_key << "\n"; }
  ASSERT_EQ(::chmod(path.c_str(), 0664), 0);
  auto ring = analyst_keyring::load(path);
  ASSERT_FALSE(ring);
  EXPECT_TRUE(contains(ring.error().what(), "chmod go-w " + path))
    << ring.error().what();
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ring = analyst_keyring::load(path);
  ASSERT_TRUE(ring) << to_string(ring.error());
  EXPECT_EQ(ring->size(), 1u);
  auto missing = analyst_keyring::load(dir.file("missing"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(contains(missing.error().what(), "missing"));
}

} // namespace
