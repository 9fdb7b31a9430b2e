#include "service/kv_bucket.hpp"

#include <cstring>

#include "service/client/nats_connection.hpp"

namespace fraud::service {

namespace {

constexpr const char* taken_prefix = "taken: ";

// A failed write: "taken" when the bucket refused it for the key's last
// revision, JetStream's own words otherwise.
fraud::error write_error(natsStatus s, const std::string& key) {
  auto words = describe(s);
  if (words.find("wrong last sequence") != std::string::npos)
    return make_error(ec::nats_error,
                      taken_prefix + key + " was written by someone else");
  return make_error(ec::nats_error, "writing " + key + ": " + words);
}

} // namespace

bool kv_taken(const fraud::error& e) {
  return e.code() == ec::nats_error
         && e.what().compare(0, std::strlen(taken_prefix), taken_prefix) == 0;
}

bool valid_kv_key(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.')
    return false;
  char last = 0;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '='
              || c == '/' || c == '.';
    if (!ok || (c == '.' && last == '.'))
      return false;
    last = c;
  }
  return true;
}

fraud::expected<std::unique_ptr<kv_bucket>>
kv_bucket::open(natsConnection* conn, const kv_bucket_options& opts) {
  std::unique_ptr<kv_bucket> b{new kv_bucket};
  b->name_ = opts.name;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = opts.timeout_ms;
  if (auto s = natsConnection_JetStream(&b->js_, conn, &jo); s != NATS_OK)
    return make_error(ec::nats_error, "JetStream: " + describe(s));
  // Bind first: every instance but the first finds the bucket there, and
  // binding needs no rights to create.
  auto s = js_KeyValue(&b->kv_, b->js_, opts.name.c_str());
  if (s == NATS_OK)
    return b;
  if (s != NATS_NOT_FOUND)
    return make_error(ec::nats_error,
                      "bucket " + opts.name + ": " + describe(s));
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = opts.name.c_str();
  cfg.History = static_cast<uint8_t>(opts.history);
  cfg.Replicas = opts.replicas;
  cfg.TTL = opts.ttl_ms * 1'000'000;  // nanoseconds
  cfg.MaxBytes = opts.max_bytes;
  s = js_CreateKeyValue(&b->kv_, b->js_, &cfg);
  if (s != NATS_OK) {
    // Another instance may have created it in between.
    if (js_KeyValue(&b->kv_, b->js_, opts.name.c_str()) == NATS_OK)
      return b;
    return make_error(ec::nats_error,
                      "creating bucket " + opts.name + ": " + describe(s));
  }
  return b;
}

kv_bucket::~kv_bucket() {
  kvStore_Destroy(kv_);
  jsCtx_Destroy(js_);
}

fraud::expected<kv_value> kv_bucket::get(const std::string& key) const {
  kvEntry* e = nullptr;
  auto s = kvStore_Get(&e, kv_, key.c_str());
  if (s == NATS_NOT_FOUND)
    return make_error(ec::not_found, key);
  if (s != NATS_OK)
    return make_error(ec::nats_error, "reading " + key + ": " + describe(s));
  kv_value v;
  v.value.assign(static_cast<const char*>(kvEntry_Value(e)),
                 static_cast<std::size_t>(kvEntry_ValueLen(e)));
  v.revision = kvEntry_Revision(e);
  kvEntry_Destroy(e);
  return v;
}

fraud::expected<std::uint64_t> kv_bucket::create(const std::string& key,
                                                 std::string_view value) {
  std::uint64_t rev = 0;
  auto s = kvStore_Create(&rev, kv_, key.c_str(), value.data(),
                          static_cast<int>(value.size()));
  if (s != NATS_OK)
    return write_error(s, key);
  return rev;
}

fraud::expected<std::uint64_t> kv_bucket::update(const std::string& key,
                                                 std::string_view value,
                                                 std::uint64_t last) {
  std::uint64_t rev = 0;
  auto s = kvStore_Update(&rev, kv_, key.c_str(), value.data(),
                          static_cast<int>(value.size()), last);
  if (s != NATS_OK)
    return write_error(s, key);
  return rev;
}

fraud::expected<std::uint64_t> kv_bucket::put(const std::string& key,
                                              std::string_view value) {
  std::uint64_t rev = 0;
  auto s = kvStore_Put(&rev, kv_, key.c_str(), value.data(),
                       static_cast<int>(value.size()));
  if (s != NATS_OK)
    return write_error(s, key);
  return rev;
}

fraud::error kv_bucket::erase(const std::string& key) {
  auto s = kvStore_Delete(kv_, key.c_str());
  if (s != NATS_OK)
    return make_error(ec::nats_error, "deleting " + key + ": " + describe(s));
  return {};
}

} // namespace fraud::service
