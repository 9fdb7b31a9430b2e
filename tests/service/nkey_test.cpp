// NATS NKeys: the encoding nats-io/nkeys publishes, signatures nats.c
// makes from our seeds, key files kept private, and a real nats-server
// letting in the holder of a configured key and nobody else.
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nats/nats.h>

#include "service/client/nkey.hpp"
#include "service/embedded_nats.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
namespace nkey = fraud::service::nkey;
namespace fs = std::filesystem;

// From nats-io/nkeys: the README's example pair, and the seed of
// creds_utils_test.go with the user its JWT names.
constexpr char readme_seed[] =
  "SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY";
constexpr char readme_public[] =
  "UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT";
constexpr char creds_seed[] =
  "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI";
constexpr char creds_public[] =
  "UDE6WTGLTTPCRJRJCKBJRGVNZTLIVR7LEEELR4CYWWWBKJS7XYIKXDUU";
// A well-formed seed of another kind: an account's (bytes 0..31).
constexpr char account_seed[] =
  "SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHI";
// The account that issued creds_utils_test.go's JWT.
constexpr char account_public[] =
  "AADWLTHICV4SUAGF6EKNVEW5BBP7YRDIBGWGGHZ5JBDOQYA7GUFM6AQU";

// From nats-io/nats-server: operator keys of v2.9.10's
// test/configs/nkeys/sigkeys.txt (seeds and their public keys, in order)
// and test.seed (the operator op.jwt names); the account that issues
// server/auth_callout_test.go's tokens (the comments beside the accounts
// of config_check_test.go name seeds that are not those accounts').
const std::pair<const char*, const char*> operator_pairs[] = {
  {"SOAO7RDW6CLJORHHBS4DPYYIIIAASEIUJ5WWS5FMWLNTFHUCKQ5CAC45AA",
   "ODSKR7MYFQZ5MMAJ6FPMEETCTE3RIHOFLTYPJRMAVVN4OLV2YYAMHCAC"},
  {"SOAEL3NFOTU6YK3DBTEKQYZ2C5IWSVZWWZCQDASBUOHJKBFLVANK27JMMQ",
   "ODSKACSRBWP537DZDRVJ657JOIGOPOQ6KG7T4HN6OK4F6IECGXDAHNP2"},
  {"SOACSMP662P2BZDKVF6WCB6FIQYORADDWWWEAI55QY24CQRTY4METUING4",
   "ODSKI36LZB44OY5IVCR6P52FZJZYMYWZVWNUDTLEZ5TK2PN3OEMRTABR"},
  {"SOAFYNORQLQFJYBYNUGC5D7SH2MXMUX5BFEWWGHN3EK4VGG5TPT5DZP7QU",
   "OCAT33MTVU2VUOIMGNGUNXJ66AH2RLSDAF3MUBCYAY5QMIL65NQM6XQG"},
};
const std::pair<const char*, const char*> account_pairs[] = {
  {"SAANDLKMXL6CUS3CP52WIXBEDN6YJ545GDKC65U5JZPPV6WH6ESWUA6YAI",
   "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA"},
};

std::string public_of(const std::string& seed,
                      nkey::key_type type = nkey::key_type::user) {
  auto pub = nkey::public_key(seed, type);
  EXPECT_TRUE(pub) << to_string(pub.error());
  return pub ? *pub : std::string{};
}

// The seed with one character replaced by another base32 letter.
std::string with_char(std::string s, std::size_t at) {
  s[at] = s[at] == 'A' ? 'B' : 'A';
  return s;
}

void write_text(const std::string& path, const std::string& text,
                mode_t mode) {
  { std::ofstream(path) << text; }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

// The seed read_seed_file finds in `path`; "" and a failure if none.
std::string seed_in(const std::string& path) {
  auto seed = nkey::read_seed_file(path);
  if (!seed) {
    ADD_FAILURE() << path << ": " << to_string(seed.error());
    return {};
  }
  return *seed;
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(nkey, derives_the_public_keys_nkeys_publishes) {
  EXPECT_EQ(public_of(readme_seed), readme_public);
  EXPECT_EQ(public_of(creds_seed), creds_public);
  EXPECT_TRUE(nkey::is_user_public_key(readme_public));
  EXPECT_TRUE(nkey::is_user_public_key(creds_public));
}

TEST(nkey, generates_user_seeds_in_nkeys_form) {
  auto seed = nkey::generate_user_seed();
  EXPECT_EQ(seed.size(), 58u);
  EXPECT_EQ(seed.substr(0, 2), "SU");
  auto pub = public_of(seed);
  EXPECT_EQ(pub.size(), 56u);
  EXPECT_EQ(pub[0], 'U');
  EXPECT_TRUE(nkey::is_user_public_key(pub));
  EXPECT_EQ(public_of(seed), pub) << "one seed, one key";
  EXPECT_NE(nkey::generate_user_seed(), seed);
}

TEST(nkey, refuses_malformed_seeds_without_quoting_them) {
  std::string good = readme_seed;
  std::vector<std::string> bad = {
    with_char(good, 20),           // checksum no longer matches
    with_char(good, good.size() - 3),
    good.substr(0, 57),            // cut
    good + "A",                    // too long
    "su" + good.substr(2),         // not upper case
    good.substr(0, 30) + "1" + good.substr(31),  // not base32
    account_seed,                  // a seed, not a user's
    readme_public,                 // a public key is no seed
    "",
  };
  // The last character holds 3 bits of the checksum and 2 unused bits:
  // setting an unused one gives the same bytes in a second spelling.
  auto last = good.back();
  auto value = last >= 'A' ? last - 'A' : last - '2' + 26;
  bad.push_back(good.substr(0, 57)
                + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[value ^ 1]);
  for (auto& seed : bad) {
    auto pub = nkey::public_key(seed);
    ASSERT_FALSE(pub) << seed;
    EXPECT_EQ(pub.error().code(), ec::config_error);
    EXPECT_EQ(pub.error().what().find(good.substr(2, 20)), std::string::npos)
      << "the seed is in the error: " << pub.error().what();
    EXPECT_FALSE(nkey::sign(seed, "data")) << seed;
  }
  auto wrong_kind = nkey::public_key(account_seed);
  EXPECT_NE(wrong_kind.error().what().find("not a user seed"),
            std::string::npos)
    << wrong_kind.error().what();
}

TEST(nkey, recognises_only_user_public_keys) {
  EXPECT_FALSE(nkey::is_user_public_key(account_public));
  EXPECT_FALSE(nkey::is_user_public_key(readme_seed));
  EXPECT_FALSE(nkey::is_user_public_key(with_char(readme_public, 10)));
  EXPECT_FALSE(nkey::is_user_public_key(std::string{readme_public} + "A"));
  EXPECT_FALSE(nkey::is_user_public_key(""));
  EXPECT_FALSE(nkey::is_user_public_key(std::string(56, 'U')));
  EXPECT_FALSE(nkey::is_user_public_key(std::string(100000, 'A')));
}

TEST(nkey, signatures_verify_only_for_the_same_key_and_bytes) {
  auto seed = nkey::generate_user_seed();
  auto pub = public_of(seed);
  auto sig = nkey::sign(seed, "rules v7");
  ASSERT_TRUE(sig) << to_string(sig.error());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(nkey::verify(pub, "rules v7", *sig));
  EXPECT_FALSE(nkey::verify(pub, "rules v8", *sig));
  EXPECT_FALSE(nkey::verify(pub, "rules v7 ", *sig));
  auto flipped = *sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(nkey::verify(pub, "rules v7", flipped));
  EXPECT_FALSE(nkey::verify(pub, "rules v7", sig->substr(0, 63)));
  EXPECT_FALSE(nkey::verify(pub, "rules v7", *sig + "x"));
  EXPECT_FALSE(nkey::verify(pub, "rules v7", ""));
  EXPECT_FALSE(nkey::verify(public_of(nkey::generate_user_seed()), "rules v7",
                            *sig));
  EXPECT_FALSE(nkey::verify("not a key", "rules v7", *sig));
  EXPECT_FALSE(nkey::verify(seed, "rules v7", *sig));
  // Empty data and bytes that are not text sign as well.
  std::string binary{"\0\x01\xff", 3};
  for (auto data : {std::string{}, binary}) {
    auto s = nkey::sign(seed, data);
    ASSERT_TRUE(s);
    EXPECT_TRUE(nkey::verify(pub, data, *s));
  }
}

TEST(nkey, derives_the_operator_and_account_keys_nats_server_publishes) {
  for (auto [seed, pub] : operator_pairs)
    EXPECT_EQ(public_of(seed, nkey::key_type::operator_), pub) << seed;
  for (auto [seed, pub] : account_pairs)
    EXPECT_EQ(public_of(seed, nkey::key_type::account), pub) << seed;
}

TEST(nkey, generates_operator_and_account_seeds_in_nkeys_form) {
  struct kind {
    nkey::key_type type;
    const char* seed_prefix;
    char key_prefix;
  };
  for (auto k : {kind{nkey::key_type::operator_, "SO", 'O'},
                 kind{nkey::key_type::account, "SA", 'A'},
                 kind{nkey::key_type::user, "SU", 'U'}}) {
    auto seed = nkey::generate_seed(k.type);
    EXPECT_EQ(seed.size(), 58u);
    EXPECT_EQ(seed.substr(0, 2), k.seed_prefix);
    auto pub = public_of(seed, k.type);
    EXPECT_EQ(pub.size(), 56u);
    EXPECT_EQ(pub[0], k.key_prefix);
    EXPECT_EQ(public_of(seed, k.type), pub) << "one seed, one key";
    EXPECT_NE(nkey::generate_seed(k.type), seed);
    EXPECT_EQ(nkey::is_user_public_key(pub), k.type == nkey::key_type::user);
    auto sig = nkey::sign(seed, "claims", k.type);
    ASSERT_TRUE(sig) << to_string(sig.error());
    EXPECT_TRUE(nkey::verify(pub, "claims", *sig, k.type));
    EXPECT_FALSE(nkey::verify(pub, "claimz", *sig, k.type));
  }
}

// A key of one kind never passes for another: an account seed cannot sign
// a change as if it were an analyst's, nor a user's an account's JWT.
TEST(nkey, refuses_a_key_of_another_kind) {
  using nkey::key_type;
  auto op = nkey::generate_seed(key_type::operator_);
  auto acct = nkey::generate_seed(key_type::account);
  auto user = nkey::generate_user_seed();
  struct mismatch {
    std::string seed;
    key_type wanted;
    const char* says;
  };
  for (auto& m : {mismatch{op, key_type::user, "it is an operator seed"},
                  mismatch{acct, key_type::user, "it is an account seed"},
                  mismatch{user, key_type::account, "it is a user seed"},
                  mismatch{acct, key_type::operator_, "it is an account seed"},
                  mismatch{op, key_type::account, "it is an operator seed"}}) {
    auto pub = nkey::public_key(m.seed, m.wanted);
    ASSERT_FALSE(pub) << m.says;
    EXPECT_EQ(pub.error().code(), ec::config_error);
    EXPECT_NE(pub.error().what().find(m.says), std::string::npos)
      << pub.error().what();
    EXPECT_EQ(pub.error().what().find(m.seed.substr(2, 20)), std::string::npos)
      << "the seed is in the error: " << pub.error().what();
    EXPECT_FALSE(nkey::sign(m.seed, "data", m.wanted)) << m.says;
  }
  // Nor do public keys: a signature checks out only under its own kind.
  auto acct_pub = public_of(acct, key_type::account);
  auto sig = nkey::sign(acct, "data", key_type::account);
  ASSERT_TRUE(sig);
  EXPECT_FALSE(nkey::verify(acct_pub, "data", *sig));
  EXPECT_FALSE(nkey::verify(acct_pub, "data", *sig, key_type::operator_));
  EXPECT_TRUE(nkey::verify(acct_pub, "data", *sig, key_type::account));
}

// nats.c reads our seeds as nkeys does: what it signs with one, we verify,
// and since ed25519 is deterministic its signature is ours byte for byte.
// nats.c signs with account seeds too (not operator ones).
TEST(nkey, nats_c_signs_with_our_seeds) {
  ASSERT_EQ(nats_Open(-1), NATS_OK);
  using nkey::key_type;
  for (auto [seed, type] :
       {std::pair{nkey::generate_user_seed(), key_type::user},
        std::pair{std::string{readme_seed}, key_type::user},
        std::pair{nkey::generate_seed(key_type::account), key_type::account},
        std::pair{std::string{account_pairs[0].first}, key_type::account}}) {
    std::string text = "fraud-change-v1\nfraud.rules.set\n1700000000000\n";
    unsigned char* sig = nullptr;
    int len = 0;
    ASSERT_EQ(nats_Sign(seed.c_str(), text.c_str(), &sig, &len), NATS_OK)
      << nats_GetLastError(nullptr);
    std::string theirs{reinterpret_cast<char*>(sig),
                       static_cast<std::size_t>(len)};
    std::free(sig);
    EXPECT_TRUE(nkey::verify(public_of(seed, type), text, theirs, type));
    auto ours = nkey::sign(seed, text, type);
    ASSERT_TRUE(ours) << to_string(ours.error());
    EXPECT_EQ(*ours, theirs);
  }
}

TEST(nkey, writes_a_private_seed_file_and_reads_it_back) {
  test::temp_dir dir;
  auto path = dir.file("alice.nk");
  auto seed = nkey::generate_user_seed();
  ASSERT_FALSE(nkey::write_seed_file(path, seed));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(contents(path), seed + "\n") << "what nats.c reads";
  EXPECT_EQ(seed_in(path), seed);
}

TEST(nkey, refuses_a_seed_file_others_may_read) {
  test::temp_dir dir;
  auto path = dir.file("alice.nk");
  std::string seed = readme_seed;
  for (mode_t mode : {0644, 0640, 0604, 0620, 0666}) {
    write_text(path, seed + "\n", mode);
    auto read = nkey::read_seed_file(path);
    ASSERT_FALSE(read) << std::oct << mode;
    EXPECT_EQ(read.error().code(), ec::config_error);
    EXPECT_NE(read.error().what().find("chmod 600 " + path),
              std::string::npos)
      << read.error().what();
    EXPECT_EQ(read.error().what().find(seed), std::string::npos);
  }
  for (mode_t mode : {0600, 0400}) {
    write_text(path, seed + "\n", mode);
    EXPECT_EQ(seed_in(path), seed) << std::oct << mode;
  }
}

TEST(nkey, reads_the_seed_out_of_an_nsc_style_file) {
  test::temp_dir dir;
  auto path = dir.file("user.nk");
  std::string seed = creds_seed;
  write_text(path,
             "# made by nsc\r\n"
             "\r\n"
             "-----BEGIN USER NKEY SEED-----\r\n"
             "   " + seed + "  \r\n"
             "------END USER NKEY SEED------\r\n"
             "SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY\n",
             0600);
  EXPECT_EQ(seed_in(path), seed) << "the first SU line, trimmed";
}

TEST(nkey, says_what_is_wrong_with_a_seed_file) {
  test::temp_dir dir;
  auto none = dir.file("none.nk");
  write_text(none, "# nothing here\nUD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQ"
                   "MQHTBNLHJJXT\n",
             0600);
  auto read = nkey::read_seed_file(none);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().what().find("no user seed"), std::string::npos)
    << read.error().what();

  auto broken = dir.file("broken.nk");
  auto bad_seed = with_char(readme_seed, 30);
  write_text(broken, "\n\n" + bad_seed + "\n" + creds_seed + "\n", 0600);
  read = nkey::read_seed_file(broken);
  ASSERT_FALSE(read) << "nats.c would sign with the first SU line";
  EXPECT_NE(read.error().what().find(broken + ", line 3"), std::string::npos)
    << read.error().what();
  EXPECT_EQ(read.error().what().find(bad_seed.substr(2, 20)),
            std::string::npos);

  read = nkey::read_seed_file(dir.file("missing.nk"));
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().what().find("missing.nk"), std::string::npos);

  read = nkey::read_seed_file(dir.path());
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().what().find("not a regular file"), std::string::npos)
    << read.error().what();

  // A FIFO is refused, not waited on.
  auto fifo = dir.file("fifo.nk");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  read = nkey::read_seed_file(fifo);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().what().find("not a regular file"), std::string::npos);
}

TEST(nkey, never_overwrites_a_file_nor_follows_a_link) {
  test::temp_dir dir;
  auto existing = dir.file("existing.nk");
  write_text(existing, "precious\n", 0600);
  auto err = nkey::write_seed_file(existing, nkey::generate_user_seed());
  ASSERT_TRUE(err);
  EXPECT_NE(err.what().find("already exists"), std::string::npos)
    << err.what();
  EXPECT_EQ(contents(existing), "precious\n");

  auto link = dir.file("link.nk");
  fs::create_symlink(existing, link);
  EXPECT_TRUE(nkey::write_seed_file(link, nkey::generate_user_seed()));
  EXPECT_EQ(contents(existing), "precious\n");

  auto dangling = dir.file("dangling.nk");
  auto target = dir.file("target.nk");
  fs::create_symlink(target, dangling);
  EXPECT_TRUE(nkey::write_seed_file(dangling, nkey::generate_user_seed()));
  EXPECT_FALSE(fs::exists(target)) << "the link was followed";

  auto bad = nkey::write_seed_file(dir.file("bad.nk"), account_seed);
  EXPECT_TRUE(bad) << "only user seeds are written";
  EXPECT_FALSE(fs::exists(dir.file("bad.nk")));
}

// A nats-server that lets in only `public_key`.
std::unique_ptr<service::embedded_nats>
start_nats_for(const test::temp_dir& dir, const std::string& public_key) {
  service::embedded_nats_options o;
  o.binary = test::nats_server_binary();
  o.work_dir = dir.path();
  o.extra_config = "authorization { users = [ {nkey: \"" + public_key
                   + "\"} ] }\n";
  auto server = service::embedded_nats::start(o);
  if (!server) {
    ADD_FAILURE() << to_string(server.error());
    return nullptr;
  }
  return std::move(*server);
}

// Connects with nats.c, as `public_key` proven by the seed in `seed_file`
// (or with no credentials when it is empty), and makes one round trip.
natsStatus connect_as(const std::string& url, const std::string& public_key,
                      const std::string& seed_file) {
  natsOptions* opts = nullptr;
  natsConnection* conn = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK)
    s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK)
    s = natsOptions_SetAllowReconnect(opts, false);
  if (s == NATS_OK)
    s = natsOptions_SetTimeout(opts, 2000);
  if (s == NATS_OK && !public_key.empty())
    s = natsOptions_SetNKeyFromSeed(opts, public_key.c_str(),
                                    seed_file.c_str());
  if (s == NATS_OK)
    s = natsConnection_Connect(&conn, opts);
  if (s == NATS_OK)
    s = natsConnection_FlushTimeout(conn, 2000);
  natsConnection_Destroy(conn);
  natsOptions_Destroy(opts);
  return s;
}

struct key_file {
  std::string seed, public_key, path;
};

key_file make_key_file(const test::temp_dir& dir, const std::string& name) {
  key_file k{nkey::generate_user_seed(), {}, dir.file(name)};
  k.public_key = public_of(k.seed);
  EXPECT_FALSE(nkey::write_seed_file(k.path, k.seed));
  return k;
}

// A nats-server that lets in alice only; mallory has a key file too.
struct alice_only_server {
  test::temp_dir dir;
  key_file alice = make_key_file(dir, "alice.nk");
  key_file mallory = make_key_file(dir, "mallory.nk");
  std::unique_ptr<service::embedded_nats> nats =
    start_nats_for(dir, alice.public_key);
};

TEST(nkey, nats_server_lets_in_the_holder_of_a_configured_key) {
  alice_only_server s;
  ASSERT_TRUE(s.nats);
  EXPECT_EQ(connect_as(s.nats->url(), s.alice.public_key, s.alice.path),
            NATS_OK)
    << nats_GetLastError(nullptr);
}

TEST(nkey, nats_server_refuses_a_key_it_does_not_know) {
  alice_only_server s;
  ASSERT_TRUE(s.nats);
  EXPECT_NE(connect_as(s.nats->url(), s.mallory.public_key, s.mallory.path),
            NATS_OK);
  EXPECT_NE(std::string{nats_GetLastError(nullptr)}.find("Authorization"),
            std::string::npos)
    << nats_GetLastError(nullptr);
}

// Knowing a trusted public key is not enough: the server's nonce must be
// signed with its seed.
TEST(nkey, nats_server_refuses_a_trusted_key_signed_with_another_seed) {
  alice_only_server s;
  ASSERT_TRUE(s.nats);
  EXPECT_NE(connect_as(s.nats->url(), s.alice.public_key, s.mallory.path),
            NATS_OK);
}

TEST(nkey, nats_server_refuses_a_client_without_credentials) {
  alice_only_server s;
  ASSERT_TRUE(s.nats);
  EXPECT_NE(connect_as(s.nats->url(), "", ""), NATS_OK);
}

} // namespace
