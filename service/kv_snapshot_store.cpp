#include "service/kv_snapshot_store.hpp"

#include <algorithm>
#include <chrono>

#include "service/client/nats_connection.hpp"

namespace fraud::service {

namespace {

constexpr char escape = '=';
constexpr const char* alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding: letters, digits, '-' and '_', all valid in
// a key.
std::string base64url(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(alphabet[(acc << (6 - bits)) & 63]);
  return out;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

bool unbase64url(std::string_view in, std::string& out) {
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto v = sextet(c);
    if (v < 0)
      return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // What is left must be the zero padding of the last sextet, and never a
  // whole sextet: only then was `in` made by base64url() above.
  return bits < 6 && (acc & ((1u << bits) - 1)) == 0;
}

} // namespace

std::string kv_snapshot_store::key_of(std::string_view card_id) {
  if (valid_kv_key(card_id) && card_id.front() != escape)
    return std::string{card_id};
  return escape + base64url(card_id);
}

fraud::expected<std::string> kv_snapshot_store::card_of(std::string_view key) {
  if (key.empty() || key.front() != escape)
    return std::string{key};
  std::string card;
  if (!unbase64url(key.substr(1), card) || key_of(card) != key)
    return make_error(ec::not_found,
                      "key " + std::string{key} + " is no card's");
  return card;
}

fraud::expected<std::unique_ptr<kv_snapshot_store>>
kv_snapshot_store::open(natsConnection* conn, const kv_snapshot_options& opts) {
  std::unique_ptr<kv_snapshot_store> self{new kv_snapshot_store};
  kv_bucket_options bo;
  bo.name = opts.bucket;
  bo.replicas = opts.replicas;
  bo.ttl_ms = 0;  // a card's state lives until it is replaced
  bo.history = 1;
  bo.timeout_ms = opts.read_timeout_ms;
  auto bucket = kv_bucket::open(conn, bo);
  if (!bucket)
    return bucket.error();
  self->bucket_ = std::move(*bucket);
  self->subject_prefix_ = "$KV." + opts.bucket + ".";
  self->write_timeout_ms_ = opts.write_timeout_ms;
  self->list_timeout_ms_ = opts.list_timeout_ms;
  // A context of the writer's own: its error handler and pending list
  // are only ever the writer's batches.
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = opts.write_timeout_ms;
  jo.PublishAsync.MaxPending = opts.max_pending;
  jo.PublishAsync.StallWait = opts.write_timeout_ms;
  jo.PublishAsync.ErrHandler = &kv_snapshot_store::on_publish_error;
  jo.PublishAsync.ErrHandlerClosure = self.get();
  if (auto s = natsConnection_JetStream(&self->async_, conn, &jo);
      s != NATS_OK)
    return make_error(ec::nats_error, "JetStream: " + describe(s));
  return self;
}

kv_snapshot_store::~kv_snapshot_store() {
  // Whatever is still in flight is dropped; its handler must not run on
  // a store that is gone.
  if (async_ != nullptr) {
    natsMsgList left;
    // (nats.c 3.4.1 crashes listing a context that never published.)
    if (published_ && js_PublishAsyncGetPendingList(&left, async_) == NATS_OK)
      natsMsgList_Destroy(&left);
    jsCtx_Destroy(async_);
  }
}

void kv_snapshot_store::on_publish_error(jsCtx*, jsPubAckErr* pae,
                                         void* closure) {
  auto* self = static_cast<kv_snapshot_store*>(closure);
  if (self->publish_errors_.fetch_add(1) == 0) {
    std::lock_guard<std::mutex> guard{self->first_error_mtx_};
    self->first_error_ = pae->ErrText != nullptr ? pae->ErrText
                                                 : describe(pae->Err);
  }
}

fraud::error kv_snapshot_store::write(
  const std::vector<std::pair<std::string_view, std::string_view>>& rows) {
  if (rows.empty())
    return {};
  publish_errors_.store(0);
  published_ = true;
  std::size_t not_sent = 0;
  std::string why;
  std::string subject;
  for (auto& [card, bytes] : rows) {
    subject.assign(subject_prefix_);
    subject.append(key_of(card));
    auto s = js_PublishAsync(async_, subject.c_str(), bytes.data(),
                             static_cast<int>(bytes.size()), nullptr);
    if (s != NATS_OK) {
      if (not_sent++ == 0)
        why = "publishing: " + describe(s);
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = write_timeout_ms_;
  std::size_t unanswered = 0;
  if (auto s = js_PublishAsyncComplete(async_, &po); s != NATS_OK) {
    // Forget what is still unacknowledged: a late ack must not be taken
    // for the next batch's.
    natsMsgList left;
    if (js_PublishAsyncGetPendingList(&left, async_) == NATS_OK) {
      unanswered = static_cast<std::size_t>(left.Count);
      natsMsgList_Destroy(&left);
    }
    if (why.empty())
      why = "waiting for acknowledgements: " + describe(s);
  }
  auto refused = publish_errors_.load();
  if (refused > 0 && why.empty()) {
    std::lock_guard<std::mutex> guard{first_error_mtx_};
    why = first_error_;
  }
  auto failed = not_sent + unanswered + refused;
  if (failed == 0)
    return {};
  return make_error(ec::nats_error,
                    std::to_string(failed) + " of "
                      + std::to_string(rows.size())
                      + " card snapshots not written to bucket "
                      + bucket_->name() + " (" + why + ")");
}

fraud::expected<std::string>
kv_snapshot_store::read(const std::string& card_id) {
  // From the stream's leader, not a direct get: a replica can be a few
  // milliseconds behind, and a card activating just after a handover (its
  // state written ahead by the instance that let it go) or read back after
  // an erase must see the last acknowledged write, never an older one.
  auto v = bucket_->get_latest(key_of(card_id));
  if (v)
    return std::move(v->value);
  if (v.error().code() == ec::not_found)
    return std::string{};
  return with_context(v.error(), "reading the snapshot of " + card_id);
}

fraud::error kv_snapshot_store::erase(const std::string& card_id) {
  return bucket_->erase(key_of(card_id));
}

fraud::error kv_snapshot_store::for_each_card(
  const std::function<void(std::string_view)>& f) {
  // A watcher of our own rather than kvStore_Keys: nats.c 3.4.1's
  // kvStore_Keys subtracts the time since its start from its timeout after
  // every key (not the time since the last one), so a bucket of a few
  // thousand keys times out; and a watcher hands each key over as it
  // comes, without a list of millions in memory.
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.IgnoreDeletes = true;
  wo.MetaOnly = true;
  kvWatcher* w = nullptr;
  auto listing = [&](natsStatus s) {
    return make_error(ec::nats_error, "listing the keys of bucket "
                                        + bucket_->name() + ": "
                                        + describe(s));
  };
  if (auto s = kvStore_WatchAll(&w, bucket_->get(), &wo); s != NATS_OK)
    return listing(s);
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(list_timeout_ms_);
  fraud::error result;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    kvEntry* e = nullptr;
    auto s = kvWatcher_Next(&e, w, std::max<std::int64_t>(left, 1));
    if (s != NATS_OK) {
      result = listing(s);
      break;
    }
    if (e == nullptr)
      break;  // every key present when the watch began has been seen
    auto card = card_of(kvEntry_Key(e));
    if (card)
      f(*card);
    else if (!result)
      result = card.error();  // someone else's key: reported at the end
    kvEntry_Destroy(e);
  }
  kvWatcher_Destroy(w);
  return result;
}

} // namespace fraud::service
