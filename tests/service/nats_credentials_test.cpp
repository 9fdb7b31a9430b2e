// How every client takes its NATS credentials: secrets from files or the
// environment, one kind at a time, and URLs printed without user info.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

#include "service/client/local_credentials.hpp"
#include "service/client/nats_credentials.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using service::redact_url;

TEST(redact_url, drops_user_info_and_keeps_the_rest) {
  EXPECT_EQ(redact_url("nats://u:secret@h:4222"), "nats://h:4222");
  EXPECT_EQ(redact_url("tls://token@h:4443"), "tls://h:4443");
  EXPECT_EQ(redact_url("nats://a:b@h1:1,nats://c:d@h2:2"),
            "nats://h1:1,nats://h2:2");
  EXPECT_EQ(redact_url("nats://h:4222"), "nats://h:4222");
  EXPECT_EQ(redact_url("u:p@h:1"), "h:1");
  EXPECT_EQ(redact_url("nats://u:p@ss@h:1"), "nats://h:1");  // '@' in it
}

class credentials_env : public ::testing::Test {
protected:
  void SetUp() override {
    for (auto* v : {"FRAUD_NATS_USER", "FRAUD_NATS_PASSWORD",
                    "FRAUD_NATS_TOKEN", "FRAUD_NATS_NKEY", "FRAUD_NATS_CREDS",
                    "FRAUD_NATS_INBOX_PREFIX", "FRAUD_CREDENTIALS"})
      ::unsetenv(v);
  }
  std::string file(const std::string& name, const std::string& text) {
    auto path = dir.file(name);
    std::ofstream{path} << text;
    return path;
  }
  test::temp_dir dir;
};

TEST_F(credentials_env, secrets_come_from_files_or_the_environment) {
  service::nats_credentials c;
  c.user = "scorer";
  c.password_file = file("pw", "from-file\n");
  ASSERT_FALSE(service::resolve(c));
  EXPECT_EQ(c.password, "from-file");
  EXPECT_TRUE(service::authenticates(c));

  ::setenv("FRAUD_NATS_USER", "env-user", 1);
  ::setenv("FRAUD_NATS_PASSWORD", "env-pw", 1);
  service::nats_credentials e;
  ASSERT_FALSE(service::resolve(e));
  EXPECT_EQ(e.user, "env-user");
  EXPECT_EQ(e.password, "env-pw");
}

TEST_F(credentials_env, refuses_what_cannot_work_without_quoting_secrets) {
  service::nats_credentials empty;
  empty.token_file = file("token", "");
  auto err = service::resolve(empty);
  ASSERT_TRUE(err);
  EXPECT_NE(err.what().find("empty"), std::string::npos);

  service::nats_credentials two;
  two.user = "u";
  two.token_file = file("t", "tok-123\n");
  err = service::resolve(two);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.what().find("tok-123"), std::string::npos);

  ::setenv("FRAUD_NATS_PASSWORD", "pw-without-user", 1);
  service::nats_credentials lone;
  err = service::resolve(lone);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.what().find("pw-without-user"), std::string::npos);

  service::nats_credentials half_tls;
  half_tls.tls_cert = "client.pem";
  EXPECT_TRUE(service::resolve(half_tls));
}

TEST_F(credentials_env, a_client_with_nothing_registered_is_left_as_it_is) {
  auto old_home = std::getenv("HOME") ? std::string{std::getenv("HOME")} : "";
  ::setenv("HOME", dir.path().c_str(), 1);
  service::nats_credentials c;
  std::string url = "nats://127.0.0.1:4";
  EXPECT_FALSE(service::use_local_credentials(c, url,
                                              service::nats_role::viewer));
  EXPECT_TRUE(c.nkey_file.empty());
  std::string none;
  EXPECT_FALSE(service::use_local_credentials(c, none,
                                              service::nats_role::viewer));
  EXPECT_EQ(none, "nats://127.0.0.1:4222");
  // A registered directory gives the role's key and inbox.
  auto creds = dir.file("creds");
  ASSERT_EQ(::mkdir(creds.c_str(), 0700), 0);
  std::ofstream{creds + "/viewer.nk"} << "SU...\n";
  std::ofstream{creds + "/server"} << "nats://127.0.0.1:4\n";
  ASSERT_FALSE(service::register_local_server(4, creds));
  service::nats_credentials d;
  std::string found;
  ASSERT_FALSE(service::use_local_credentials(d, found,
                                              service::nats_role::viewer));
  EXPECT_EQ(found, "nats://127.0.0.1:4");
  EXPECT_EQ(d.nkey_file, creds + "/viewer.nk");
  EXPECT_EQ(d.inbox_prefix, "_INBOX.viewer");
  // A role the directory has no key for is an error, not anonymity.
  service::nats_credentials a;
  EXPECT_TRUE(service::use_local_credentials(a, found,
                                             service::nats_role::analyst));
  service::unregister_local_server(4, creds);
  EXPECT_FALSE(service::registered_credentials("nats://127.0.0.1:4"));
  ::setenv("HOME", old_home.c_str(), 1);
}

} // namespace
