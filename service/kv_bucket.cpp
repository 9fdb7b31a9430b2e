#include "service/kv_bucket.hpp"

#include <cstring>
#include <string>
#include <utility>

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
  b->conn_ = conn;
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
  if (async_ != nullptr) {
    // The handler must not run on a bucket that is gone: what is still
    // unanswered gets a moment, then is forgotten.
    if (async_sent_) {
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = 1000;
      if (js_PublishAsyncComplete(async_, &po) != NATS_OK) {
        natsMsgList left;
        if (js_PublishAsyncGetPendingList(&left, async_) == NATS_OK)
          natsMsgList_Destroy(&left);
      }
    }
    jsCtx_Destroy(async_);
  }
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

fraud::expected<kv_bucket::last_entry>
kv_bucket::last_of(const std::string& key) const {
  natsMsg* msg = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto stream = "KV_" + name_;
  auto subject = "$KV." + name_ + "." + key;
  auto s = js_GetLastMsg(&msg, js_, stream.c_str(), subject.c_str(), nullptr,
                         &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
    return make_error(ec::not_found, key);
  if (s != NATS_OK)
    return make_error(ec::nats_error, "reading " + key + ": " + describe(s));
  const char* op = nullptr;
  last_entry e;
  e.gone = natsMsgHeader_Get(msg, "KV-Operation", &op) == NATS_OK
           && op != nullptr
           && (std::strcmp(op, "DEL") == 0 || std::strcmp(op, "PURGE") == 0);
  if (!e.gone && natsMsg_GetDataLength(msg) > 0)
    e.value.value.assign(natsMsg_GetData(msg),
                         static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  e.value.revision = natsMsg_GetSequence(msg);
  natsMsg_Destroy(msg);
  return e;
}

fraud::expected<kv_value> kv_bucket::get_latest(const std::string& key) const {
  auto e = last_of(key);
  if (!e)
    return e.error();
  // A delete or purge marker: no value, as get() says.
  if (e->gone)
    return make_error(ec::not_found, key);
  return std::move(e->value);
}

fraud::expected<std::uint64_t> kv_bucket::create(const std::string& key,
                                                 std::string_view value) {
  // As nats.c's kvStore_Create, but keeping JetStream's words and asking
  // the leader: kvStore_Create looks the key up after a refused write by a
  // direct get (which a replica that lacks the write answers "not found")
  // and then clears the error text, so "taken" came back as a bare "Error".
  auto written = update(key, value, 0);
  if (written || !kv_taken(written.error()))
    return written;
  // Taken by a delete marker only: a deleted key may be created again,
  // over the marker's revision.
  auto last = last_of(key);
  if (last && last->gone)
    return update(key, value, last->value.revision);
  return written;
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

fraud::error kv_bucket::update_async(const std::string& key,
                                     std::string_view value,
                                     std::uint64_t last, int max_wait_ms) {
  {
    std::lock_guard<std::mutex> guard{async_mtx_};
    if (async_ == nullptr) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.PublishAsync.AckHandler = &kv_bucket::on_async_ack;
      jo.PublishAsync.AckHandlerClosure = this;
      jo.PublishAsync.StallWait = max_wait_ms;
      if (auto s = natsConnection_JetStream(&async_, conn_, &jo); s != NATS_OK) {
        async_ = nullptr;
        return make_error(ec::nats_error, "JetStream: " + describe(s));
      }
    }
    async_sent_ = true;  // (nats.c 3.4.1 crashes listing a context never used)
  }
  natsMsg* msg = nullptr;
  auto subject = "$KV." + name_ + "." + key;
  auto s = natsMsg_Create(&msg, subject.c_str(), nullptr, value.data(),
                          static_cast<int>(value.size()));
  if (s != NATS_OK)
    return make_error(ec::nats_error, "writing " + key + ": " + describe(s));
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = max_wait_ms;
  if (last == 0)
    po.ExpectNoMessage = true;  // as create(): only if the key has no value
  else
    po.ExpectLastSubjectSeq = last;
  s = js_PublishMsgAsync(async_, &msg, &po);
  natsMsg_Destroy(msg);  // null once nats.c owns it
  if (s != NATS_OK)
    return make_error(ec::nats_error, "writing " + key + ": " + describe(s));
  return {};
}

void kv_bucket::on_async_ack(jsCtx*, natsMsg* msg, jsPubAck* pa,
                             jsPubAckErr* pae, void* closure) {
  auto* self = static_cast<kv_bucket*>(closure);
  kv_async_result r;
  std::string_view subject = natsMsg_GetSubject(msg);
  auto prefix = 4 + self->name_.size() + 1;  // "$KV.<bucket>."
  if (subject.size() > prefix)
    r.key.assign(subject.substr(prefix));
  const char* last = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Expected-Last-Subject-Sequence", &last)
        == NATS_OK && last != nullptr)
    r.last = std::strtoull(last, nullptr, 10);
  if (pa != nullptr) {
    r.revision = pa->Sequence;
  } else if (pae != nullptr && pae->ErrCode == JSStreamWrongLastSequenceErr) {
    r.error = make_error(ec::nats_error,
                         taken_prefix + r.key + " was written by someone else");
  } else {
    std::string why = pae == nullptr ? "no answer"
                      : pae->ErrText != nullptr ? pae->ErrText
                                                : describe(pae->Err);
    r.error = make_error(ec::nats_error, "writing " + r.key + ": " + why);
  }
  natsMsg_Destroy(msg);
  std::lock_guard<std::mutex> guard{self->results_mtx_};
  self->async_results_.push_back(std::move(r));
}

std::vector<kv_async_result> kv_bucket::take_async_results() {
  std::lock_guard<std::mutex> guard{results_mtx_};
  return std::exchange(async_results_, {});
}

fraud::error kv_bucket::erase(const std::string& key) {
  auto s = kvStore_Delete(kv_, key.c_str());
  if (s != NATS_OK)
    return make_error(ec::nats_error, "deleting " + key + ": " + describe(s));
  return {};
}

} // namespace fraud::service
