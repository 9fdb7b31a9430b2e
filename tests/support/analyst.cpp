#include "tests/support/analyst.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/nkey.hpp"
#include "service/client/signed_change.hpp"

namespace fraud::test {

analyst make_analyst(const temp_dir& dir, const std::string& name) {
  analyst a;
  a.name = name;
  a.seed = service::nkey::generate_user_seed();
  auto key = service::nkey::public_key(a.seed);
  if (!key) {
    ADD_FAILURE() << to_string(key.error());
    return {};
  }
  a.public_key = *key;
  a.seed_file = dir.file(name + ".nk");
  if (auto err = service::nkey::write_seed_file(a.seed_file, a.seed)) {
    ADD_FAILURE() << to_string(err);
    return {};
  }
  a.keyring = dir.file(name + ".analysts");
  std::ofstream{a.keyring} << name << " " << a.public_key << "\n";
  return a;
}

natsStatus signed_request(natsMsg** reply, natsConnection* conn,
                          const std::string& subject,
                          const std::string& payload, const analyst& who,
                          int timeout_ms) {
  natsMsg* msg = nullptr;
  auto s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                          static_cast<int>(payload.size()));
  if (s != NATS_OK)
    return s;
  if (protocol::subjects::is_change(subject) && !who.seed.empty()) {
    auto sig = service::sign_change(who.seed, subject, payload,
                                    service::wall_ms());
    if (!sig || service::set_change_headers(msg, *sig)) {
      natsMsg_Destroy(msg);
      return NATS_ERR;
    }
  }
  s = natsConnection_RequestMsg(reply, conn, msg, timeout_ms);
  natsMsg_Destroy(msg);
  return s;
}

} // namespace fraud::test
