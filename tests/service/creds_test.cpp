// Issue 13: fraudd connects with a .creds file, the credential of NATS's
// decentralised authentication (JWTs). nats-server runs in operator mode,
// trusting an operator whose account issued the users' JWTs; there is no
// nsc here, so the keys and JWTs are minted by tests/support/jwt, which is
// first checked against tokens nsc made. A client with minted creds
// connects; creds of an account the server does not know, a forged JWT, a
// JWT with someone else's seed, and no credentials at all are refused; a
// real fraudd connected with creds scores a transaction for an authoriser
// whose JWT allows only that, and never prints its seed.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>

#include "protocol/codec.hpp"
#include "service/client/nats_connection.hpp"
#include "service/client/nkey.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/jwt.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;
namespace nkey = service::nkey;
namespace jwt = test::jwt;
using nkey::key_type;

// ---- the minting, against what nsc wrote -----------------------------------

// Published by nats-io/nats-server v2.9.10, made by nsc:
// server/configs/js-op.conf's operator "js-test" and its system account
// "sys", and server/configs/one.creds, a user "one" of account "one"
// (ABVRZ...), with its seed.
constexpr char nsc_operator[] =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiIyUkc0WjJ"
  "KVzYzSUtBS1czSFg0SkpMQVhRN1ZSM0NKVlRQU1FHUVRCU0ZFQjVKTkNISUpRIiwia"
  "WF0IjoxNjE2MTg2MjAxLCJpc3MiOiJPRDRNNklBQUtRU000RFFTTFdaSVZCQUNZVFl"
  "TMlM2WFFTN1U2N1hYWVhKNDRJTE5FMzVZUEdKSyIsIm5hbWUiOiJqcy10ZXN0Iiwic"
  "3ViIjoiT0Q0TTZJQUFLUVNNNERRU0xXWklWQkFDWVRZUzJTNlhRUzdVNjdYWFlYSjQ"
  "0SUxORTM1WVBHSksiLCJuYXRzIjp7InR5cGUiOiJvcGVyYXRvciIsInZlcnNpb24iO"
  "jJ9fQ.VkjSK2BlMmtYfVJSkC9aZEFvjg4BXzbd0oXkQa3Rlkhh8EuSRU7-Tp1zUm1S"
  "veBb6dZXsE51vhIQFQY66fO0Bw";
constexpr char nsc_system_account[] =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiIyQ1dSRk8"
  "0MlZVMk1TVlI0QkhIUFBEVjdJNERaTFZHWURZUlNXQ0pIVUM0Q1dRVkhXWjNBIiwia"
  "WF0IjoxNjE2MTg2MzYxLCJpc3MiOiJPRDRNNklBQUtRU000RFFTTFdaSVZCQUNZVFl"
  "TMlM2WFFTN1U2N1hYWVhKNDRJTE5FMzVZUEdKSyIsIm5hbWUiOiJzeXMiLCJzdWIiO"
  "iJBRDRNMzRPUFJVUFdEWVRJUUxXS01FWlpNNU1LN1BRUURTS05FTENaRFJaWkVWRld"
  "PV1BMRlRVRSIsIm5hdHMiOnsibGltaXRzIjp7InN1YnMiOi0xLCJkYXRhIjotMSwic"
  "GF5bG9hZCI6LTEsImltcG9ydHMiOi0xLCJleHBvcnRzIjotMSwid2lsZGNhcmRzIjp"
  "0cnVlLCJjb25uIjotMSwibGVhZiI6LTF9LCJkZWZhdWx0X3Blcm1pc3Npb25zIjp7I"
  "nB1YiI6e30sInN1YiI6e319LCJ0eXBlIjoiYWNjb3VudCIsInZlcnNpb24iOjJ9fQ."
  "gExWTSaWWSYh9N_KsrOGPAJk0KJUn1VjVo00yfE6NoMXrmjkATDMoDLpKC19mrBNaM"
  "a6RZjhXyTdzJulxzxGBw";
constexpr char nsc_user[] =
  "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJHRUNQVEp"
  "ISE1TM01DTUtMVFBHWUdBTzQ1R1E2TjZRUFlXUTRHUExBRUIzM1ZDUkpOUlZRIiwia"
  "WF0IjoxNjE2MjQ3MjMyLCJpc3MiOiJBQlZSWktKNlo3TklNUElZSlJDSEVZRlJVTzd"
  "FTk42TldPS1FERkxGREZWUFNNMzZVUFgyVUNQUCIsIm5hbWUiOiJvbmUiLCJzdWIiO"
  "iJVRENJQkdHR0hDSkJRUE9PNFNDSkpCSFpEUjM3TlFHR0NJV01ORzJEREFLSjZXTUt"
  "CTUFLWElNTyIsIm5hdHMiOnsicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsImRhd"
  "GEiOi0xLCJwYXlsb2FkIjotMSwidHlwZSI6InVzZXIiLCJ2ZXJzaW9uIjoyfX0.VLh"
  "SDtGZEF_jdvgmhgkdISXAt5wFMMZxxwm5w8UrsnlM1hkUvtxBlTe4IP0xJIf4xf8JO"
  "R2Bmf73xUGJKUZECQ";

// The keys those tokens name, and the user's seed.
const struct {
  std::string operator_key =
    "OD4M6IAAKQSM4DQSLWZIVBACYTYS2S6XQS7U67XXYXJ44ILNE35YPGJK";
  std::string system_account_key =
    "AD4M34OPRUPWDYTIQLWKMEZZM5MK7PQQDSKNELCZDRZZEVFWOWPLFTUE";
  std::string account_key =
    "ABVRZKJ6Z7NIMPIYJRCHEYFRUO7ENN6NWOKQDFLFDFVPSM36UPX2UCPP";
  std::string user_key =
    "UDCIBGGGHCJBQPOO4SCJJBHZDR37NQGGCIWMNG2DDAKJ6WMKBMAKXIMO";
  std::string user_seed =
    "SUAPCDMU5TSHHLWUUZSOUABJXP2GXRCZVEOVWPSVM5XRSXYGQMRRFDYNMY";
} nsc;

jwt::parts parts_of(const std::string& token) {
  auto p = jwt::decode(token);
  EXPECT_TRUE(p) << token;
  return p ? *p : jwt::parts{};
}

TEST(jwt, payloads_are_byte_for_byte_what_nsc_wrote) {
  struct published {
    std::string token, payload;
    std::string issuer;
    key_type kind;
  };
  published tokens[] = {
    {nsc_operator,
     jwt::operator_payload({nsc.operator_key, "js-test", 1616186201},
                           nsc.operator_key),
     nsc.operator_key, key_type::operator_},
    {nsc_system_account,
     jwt::account_payload({nsc.system_account_key, "sys", 1616186361},
                          nsc.operator_key),
     nsc.operator_key, key_type::operator_},
    {nsc_user,
     jwt::user_payload({nsc.user_key, "one", 1616247232}, nsc.account_key,
                       {}),
     nsc.account_key, key_type::account},
  };
  for (auto& t : tokens) {
    auto p = parts_of(t.token);
    EXPECT_EQ(p.header, R"({"typ":"JWT","alg":"ed25519-nkey"})");
    EXPECT_EQ(t.payload, p.payload) << "the jti is a hash of the rest";
    EXPECT_TRUE(jwt::verify(t.token, t.issuer, t.kind)) << p.payload;
    EXPECT_FALSE(jwt::verify(t.token, nsc.user_key, key_type::user));
  }
}

TEST(jwt, a_creds_file_is_what_nsc_writes) {
  std::string one_creds =
    "-----BEGIN NATS USER JWT-----\n" + std::string{nsc_user} + "\n"
    "------END NATS USER JWT------\n"
    "\n"
    "************************* IMPORTANT *************************\n"
    "NKEY Seed printed below can be used to sign and prove identity.\n"
    "NKEYs are sensitive and should be treated as secrets.\n"
    "\n"
    "-----BEGIN USER NKEY SEED-----\n"
    "SUAPCDMU5TSHHLWUUZSOUABJXP2GXRCZVEOVWPSVM5XRSXYGQMRRFDYNMY\n"
    "------END USER NKEY SEED------\n"
    "\n"
    "*************************************************************\n";
  EXPECT_EQ(jwt::creds_text(nsc_user, nsc.user_seed), one_creds);
  EXPECT_EQ(*nkey::public_key(nsc.user_seed), nsc.user_key);
  test::temp_dir dir;
  auto path = dir.file("one.creds");
  ASSERT_FALSE(jwt::write_creds_file(path, nsc_user, nsc.user_seed));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), one_creds);
  EXPECT_TRUE(jwt::write_creds_file(path, nsc_user, nsc.user_seed))
    << "an existing file is not replaced";
}

TEST(jwt, permissions_are_written_as_go_writes_them) {
  jwt::user_permissions p;
  p.pub.allow = {"fraud.decisions.>", "fraud.rejected"};
  p.sub.allow = {"fraud.tx.*"};
  p.sub.deny = {"a&b<c"};
  p.resp = jwt::response_permission{1, 60'000'000'000};
  auto payload =
    jwt::user_payload({nsc.user_key, "scorer", 1}, nsc.account_key, p);
  EXPECT_NE(payload.find(R"("nats":{"pub":{"allow":["fraud.decisions.\u003e",)"
                         R"("fraud.rejected"]},"sub":{"allow":["fraud.tx.*"],)"
                         R"("deny":["a\u0026b\u003cc"]},)"
                         R"("resp":{"max":1,"ttl":60000000000},"subs":-1,)"),
            std::string::npos)
    << payload;
}

TEST(jwt, minted_tokens_verify_and_forgeries_do_not) {
  auto op = nkey::generate_seed(key_type::operator_);
  auto op_key = *nkey::public_key(op, key_type::operator_);
  auto acct = nkey::generate_seed(key_type::account);
  auto acct_key = *nkey::public_key(acct, key_type::account);
  auto user_key = *nkey::public_key(nkey::generate_user_seed());
  auto op_jwt = jwt::operator_jwt(op, "fraud-test");
  auto acct_jwt = jwt::account_jwt(op, acct_key, "fraud");
  auto user_jwt = jwt::user_jwt(acct, user_key, "fraudd", {});
  ASSERT_TRUE(op_jwt && acct_jwt && user_jwt);
  EXPECT_TRUE(jwt::verify(*op_jwt, op_key, key_type::operator_));
  EXPECT_TRUE(jwt::verify(*acct_jwt, op_key, key_type::operator_));
  EXPECT_TRUE(jwt::verify(*user_jwt, acct_key, key_type::account));
  EXPECT_NE(parts_of(*user_jwt).payload.find("\"iss\":\"" + acct_key),
            std::string::npos);
  auto forged =
    jwt::resign(*user_jwt, nkey::generate_seed(key_type::account),
                key_type::account);
  ASSERT_TRUE(forged);
  EXPECT_EQ(parts_of(*forged).payload, parts_of(*user_jwt).payload);
  EXPECT_FALSE(jwt::verify(*forged, acct_key, key_type::account));
  // Each JWT is signed by its issuer's kind of key, and no other.
  EXPECT_FALSE(jwt::account_jwt(acct, acct_key, "self"));
  EXPECT_FALSE(jwt::user_jwt(op, user_key, "from the operator", {}));
  EXPECT_FALSE(jwt::decode("a.b"));
  EXPECT_FALSE(jwt::decode("a.b.c.d"));
  EXPECT_FALSE(jwt::decode("a.b+.c"));
}

// ---- nats-server in operator mode -----------------------------------------

// The roles of deploy/nats/nats-server.conf, as JWT permissions.
jwt::user_permissions scorer_permissions() {
  jwt::user_permissions p;
  p.pub.allow = {"fraud.decisions.>", "fraud.rejected"};
  p.sub.allow = {"fraud.tx.*",    "fraud.p.>",     "fraud.query.>",
                 "fraud.stats",   "fraud.rules.*", "fraud.lists.*",
                 "fraud.rates.*", "fraud.model.*", "fraud.labels",
                 "fraud.cases.*"};
  p.resp = jwt::response_permission{1, 60'000'000'000};  // 1m
  return p;
}

jwt::user_permissions authoriser_permissions() {
  jwt::user_permissions p;
  p.pub.allow = {"fraud.tx.*"};
  p.sub.allow = {"_INBOX.authoriser.>"};
  return p;
}

// fraudd's decision on a transaction `id` of `card`, asked as `c`; nothing
// when no Decision came back.
std::optional<models::decision> decision_for(service::nats_connection& c,
                                             const std::string& card,
                                             const std::string& id) {
  std::string payload;
  protocol::encode_transaction(test::card_tx(card, 1, id), payload);
  natsMsg* reply = nullptr;
  if (natsConnection_Request(&reply, c.get(), ("fraud.tx." + card).c_str(),
                             payload.data(), static_cast<int>(payload.size()),
                             5000)
      != NATS_OK)
    return std::nullopt;
  models::decision d;
  protocol::decision_envelope env;
  auto decoded = protocol::decode_decision(
    natsMsg_GetData(reply), natsMsg_GetDataLength(reply), d, env);
  natsMsg_Destroy(reply);
  return decoded.ok() ? std::optional{d} : std::nullopt;
}

// An operator, its account "fraud", and a nats-server that trusts them.
// No system account: with the memory resolver nats-server 2.9.10 only
// warns that there should be one.
class operator_mode : public ::testing::Test {
protected:
  void SetUp() override {
    auto op_jwt = jwt::operator_jwt(operator_seed, "fraud-test");
    auto acct_jwt = jwt::account_jwt(operator_seed, account_key, "fraud");
    ASSERT_TRUE(op_jwt && acct_jwt);
    service::embedded_nats_options o;
    o.binary = test::nats_server_binary();
    o.work_dir = dir.path();
    o.extra_config =
      jwt::operator_mode_config(*op_jwt, {{account_key, *acct_jwt}});
    auto server = service::embedded_nats::start(o);
    ASSERT_TRUE(server) << to_string(server.error());
    nats = std::move(*server);
  }

  struct user {
    std::string seed, token, creds;
  };

  // A new user of the account `issuer_seed`: its JWT and .creds file.
  user make_user(const std::string& name, const jwt::user_permissions& p,
                 const std::string& issuer_seed) {
    user u{nkey::generate_user_seed(), {}, dir.file(name + ".creds")};
    auto token = jwt::user_jwt(issuer_seed, *nkey::public_key(u.seed), name, p);
    EXPECT_TRUE(token) << to_string(token.error());
    if (token)
      u.token = *token;
    EXPECT_FALSE(jwt::write_creds_file(u.creds, u.token, u.seed));
    return u;
  }
  user make_user(const std::string& name, const jwt::user_permissions& p) {
    return make_user(name, p, account_seed);
  }

  fraud::expected<std::unique_ptr<service::nats_connection>>
  connect(const std::string& creds, const std::string& inbox_prefix = {}) {
    service::nats_options o;
    o.url = nats->url();
    o.name = "creds-test";
    o.max_reconnect = 0;
    o.auth.creds_file = creds;
    o.auth.inbox_prefix = inbox_prefix;
    return service::nats_connection::connect(o);
  }

  test::temp_dir dir;
  std::string operator_seed = nkey::generate_seed(key_type::operator_);
  std::string account_seed = nkey::generate_seed(key_type::account);
  std::string account_key = *nkey::public_key(account_seed, key_type::account);
  std::unique_ptr<service::embedded_nats> nats;
};

TEST_F(operator_mode, a_user_with_minted_creds_connects) {
  auto alice = make_user("alice", {});
  auto c = connect(alice.creds);
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ((*c)->flush(2000), NATS_OK);
}

TEST_F(operator_mode, creds_the_operator_did_not_vouch_for_are_refused) {
  // A user of an account the server does not know.
  auto rogue_account = nkey::generate_seed(key_type::account);
  auto stranger = make_user("stranger", {}, rogue_account);
  // A JWT naming the trusted account as issuer, signed by another.
  auto mallory = make_user("mallory", {});
  auto forged = jwt::resign(mallory.token, rogue_account, key_type::account);
  ASSERT_TRUE(forged);
  auto forgery = dir.file("forged.creds");
  ASSERT_FALSE(jwt::write_creds_file(forgery, *forged, mallory.seed));
  // A good JWT with someone else's seed: the server's nonce is signed
  // with the wrong key.
  auto bob = make_user("bob", {});
  auto borrowed = dir.file("borrowed.creds");
  ASSERT_FALSE(jwt::write_creds_file(borrowed, mallory.token, bob.seed));
  for (auto& creds : {stranger.creds, forgery, borrowed}) {
    auto c = connect(creds);
    EXPECT_FALSE(c) << creds;
    if (!c) {
      EXPECT_NE(to_string(c.error()).find("Authorization"), std::string::npos)
        << to_string(c.error());
    }
  }
  EXPECT_TRUE(connect(mallory.creds)) << "mallory's own creds still work";
}

TEST_F(operator_mode, a_client_without_credentials_is_refused) {
  service::nats_options o;
  o.url = nats->url();
  o.max_reconnect = 0;
  auto c = service::nats_connection::connect(o);
  ASSERT_FALSE(c);
  EXPECT_NE(to_string(c.error()).find("Authorization"), std::string::npos)
    << to_string(c.error());
}

TEST_F(operator_mode, fraudd_connects_with_creds_and_scores_for_an_authoriser) {
  auto scorer = make_user("fraudd", scorer_permissions());
  auto authoriser = make_user("switch-1", authoriser_permissions());
  test::fraudd_process fraudd;
  ASSERT_TRUE(fraudd.start({"--nats", nats->url(), "--nats-creds",
                            scorer.creds, "--db", dir.file("fraud.db")}))
    << fraudd.output();
  auto c = connect(authoriser.creds, "_INBOX.authoriser");
  ASSERT_TRUE(c) << to_string(c.error());
  auto& switch1 = **c;
  auto d = decision_for(switch1, "card-1", "t1");
  ASSERT_TRUE(d) << "no decision: " << fraudd.output();
  EXPECT_EQ(d->tx_id, "t1");
  // The authoriser's JWT lets it do nothing else: not watch decisions.
  auto before = switch1.async_errors();
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, switch1.get(),
                                         "fraud.decisions.>"),
            NATS_OK);
  switch1.flush(2000);
  EXPECT_TRUE(test::eventually(
    [&] { return switch1.async_errors() > before; }, 2s))
    << "an authoriser may watch decisions";
  natsSubscription_Destroy(sub);
  EXPECT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
  // The scorer's subjects are all fraudd needed.
  EXPECT_EQ(fraudd.output().find("Not Permitted"), std::string::npos)
    << fraudd.output();
  EXPECT_EQ(fraudd.output().find(scorer.seed), std::string::npos)
    << fraudd.output();
  EXPECT_EQ(fraudd.output().find(scorer.seed.substr(0, 12)),
            std::string::npos);
}

} // namespace
