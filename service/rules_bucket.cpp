#include "service/rules_bucket.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/runtime/log.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

namespace {

using nlohmann::json;

constexpr char change_suffix[] = ".change.";  // <log>.change.
constexpr char text_suffix[] = ".text.";      // <log>.text.
constexpr char change_prefix[] = "lists.change.";

json to_json(const signature& s) {
  return json{{"author", s.author},
              {"reason", s.reason},
              {"at_ms", s.at_ms},
              {"signer", s.signer}};
}

signature signature_of(const json& j) {
  return signature{j.value("author", ""), j.value("reason", ""),
                   j.value("at_ms", std::int64_t{0}), j.value("signer", "")};
}

json to_json(const bucket_version& v) {
  return json{{"version", v.version},
              {"text", v.text},
              {"rules", v.rules},
              {"who", to_json(v.who)}};
}

bucket_version version_of(const json& j) {
  return bucket_version{j.at("version").get<std::uint64_t>(),
                        j.at("text").get<std::string>(),
                        j.value("rules", std::uint32_t{0}),
                        signature_of(j.value("who", json::object()))};
}

// JSON text; an error rather than an exception for what JSON cannot hold
// (a --rules file that is not UTF-8).
fraud::expected<std::string> dump(const json& j, const char* what) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    return make_error(ec::bad_request,
                      std::string{what} + " cannot be kept: " + e.what());
  }
}

fraud::expected<std::string> encode(const bucket_rules_change& c) {
  return dump(json{{"request", c.request},
                   {"base", c.base},
                   {"kind", c.kind},
                   {"version", to_json(c.version)},
                   {"activated", to_json(c.activated)},
                   {"floor", c.floor}},
              "the rule text");
}

fraud::expected<std::string> encode(const bucket_list_change& c) {
  return dump(json{{"id", c.id},
                   {"part", c.part},
                   {"parts", c.parts},
                   {"list", c.list},
                   {"add", c.add},
                   {"values", c.values},
                   {"who", to_json(c.who)}},
              "the list change");
}

using entry_value = decltype(bucket_entry::value);

// "<id>.<k>.<n>" of a text part's key, or nothing.
std::optional<bucket_text_part> text_key(std::string_view rest) {
  auto second = rest.rfind('.');
  if (second == std::string_view::npos || second == 0)
    return std::nullopt;
  auto first = rest.rfind('.', second - 1);
  if (first == std::string_view::npos)
    return std::nullopt;
  bucket_text_part p;
  p.id = std::string{rest.substr(0, first)};
  try {
    p.part = static_cast<std::uint32_t>(
      std::stoul(std::string{rest.substr(first + 1, second - first - 1)}));
    p.parts = static_cast<std::uint32_t>(
      std::stoul(std::string{rest.substr(second + 1)}));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!valid_request_id(p.id) || p.part >= p.parts)
    return std::nullopt;
  return p;
}

} // namespace

fraud::expected<entry_value>
rules_bucket::decode(std::string_view key, std::string_view value) const {
  auto texts = log_ + text_suffix;
  if (key.rfind(texts, 0) == 0) {
    auto p = text_key(key.substr(texts.size()));
    if (!p)
      return make_error(ec::store_error, std::string{key} + ": not a part");
    p->bytes = std::string{value};
    return entry_value{std::move(*p)};
  }
  auto changes = log_ + change_suffix;
  bool lists = log_ == "rules" && key.rfind(change_prefix, 0) == 0;
  if (key.rfind(changes, 0) != 0 && !lists)
    return make_error(ec::not_found, std::string{key});
  auto j = json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(ec::store_error, std::string{key} + ": not JSON");
  try {
    if (key.rfind(changes, 0) == 0) {
      bucket_rules_change c;
      c.request = j.value("request", "");
      c.base = j.at("base").get<std::uint64_t>();
      c.kind = j.at("kind").get<std::string>();
      c.version = version_of(j.at("version"));
      c.activated = signature_of(j.value("activated", json::object()));
      c.floor = j.value("floor", std::uint64_t{0});
      return entry_value{std::move(c)};
    }
    if (key.rfind(change_prefix, 0) == 0) {
      bucket_list_change c;
      c.id = j.at("id").get<std::string>();
      c.part = j.value("part", std::uint32_t{0});
      c.parts = j.value("parts", std::uint32_t{1});
      c.list = j.at("list").get<std::string>();
      c.add = j.at("add").get<bool>();
      c.values = j.at("values").get<std::vector<std::string>>();
      c.who = signature_of(j.value("who", json::object()));
      return entry_value{std::move(c)};
    }
  } catch (const json::exception& e) {
    return make_error(ec::store_error, std::string{key} + ": " + e.what());
  }
  return make_error(ec::not_found, std::string{key});
}

namespace {

// A write, tried again while JetStream has no responder for the bucket's
// stream: a bucket another instance has just made has a stream whose
// replicas are still being placed (seen in tests as instances start at
// once). Nothing was written then, so writing again is safe.
template <class Write>
fraud::expected<std::uint64_t> retried(int timeout_ms, Write write) {
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms);
  const std::string no_responders = natsStatus_GetText(NATS_NO_RESPONDERS);
  for (;;) {
    auto w = write();
    if (w || w.error().what().find(no_responders) == std::string::npos
        || std::chrono::steady_clock::now() > deadline)
      return w;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string change_key(const bucket_list_change& c) {
  return change_prefix + c.id + "." + std::to_string(c.part);
}

} // namespace

std::uint64_t bucket_rules::made_by(const std::string& request) const {
  if (request.empty())
    return 0;
  for (auto& [id, version] : recent)
    if (id == request)
      return version;
  return 0;
}

fold_result fold(bucket_rules& state, const bucket_rules_change& c) {
  if (auto made = state.made_by(c.request))
    return fold_result{made, false};
  if (c.base != state.last_version)
    return fold_result{};
  if (c.kind == "set") {
    state.running = c.version;
    state.running.version = state.last_version + 1;
  } else if (c.kind != "floor") {  // rollback, start
    if (c.version.version == 0)
      return fold_result{};
    state.running = c.version;
  }
  if (c.kind != "floor") {
    state.kind = c.kind;
    state.activated = c.activated;
  }
  state.last_version = std::max({state.last_version, state.running.version,
                                 c.floor});
  state.remember(c.request, state.running.version);
  return fold_result{state.running.version, c.kind != "floor"};
}

void bucket_rules::remember(const std::string& request,
                            std::uint64_t version) {
  if (request.empty())
    return;
  recent.emplace_back(request, version);
  if (recent.size() > max_recent)
    recent.erase(recent.begin(),
                 recent.begin()
                   + static_cast<std::ptrdiff_t>(recent.size() - max_recent));
}

std::vector<bucket_list_change> split(const bucket_list_change& whole) {
  // Printable ASCII values: JSON escapes at most each character (" and \),
  // and adds quotes and a comma; the rest of the record is small.
  constexpr std::size_t record = 4096;
  std::vector<bucket_list_change> parts;
  std::size_t bytes = max_entry_bytes;  // start a part at the first value
  for (auto& v : whole.values) {
    auto cost = 2 * v.size() + 3;
    if (bytes + cost > max_entry_bytes - record) {
      parts.push_back(whole);
      parts.back().values.clear();
      bytes = 0;
    }
    parts.back().values.push_back(v);
    bytes += cost;
  }
  if (parts.empty())
    parts.push_back(whole);  // no values: still one (empty) change
  for (std::size_t k = 0; k < parts.size(); ++k) {
    parts[k].part = static_cast<std::uint32_t>(k);
    parts[k].parts = static_cast<std::uint32_t>(parts.size());
  }
  return parts;
}

std::string random_request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx",
                static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return out;
}

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

fraud::expected<std::unique_ptr<rules_bucket>>
rules_bucket::open(natsConnection* conn, const kv_bucket_options& opts,
                   const std::string& log) {
  auto kv = kv_bucket::open(conn, opts);
  if (!kv)
    return kv.error();
  std::unique_ptr<rules_bucket> self{new rules_bucket};
  self->kv_ = std::move(*kv);
  self->log_ = log;
  self->timeout_ms_ = opts.timeout_ms;
  return self;
}

rules_bucket::~rules_bucket() {
  stop();
  if (watcher_ != nullptr)
    kvWatcher_Destroy(watcher_);
}

fraud::expected<std::uint64_t>
rules_bucket::propose(const bucket_rules_change& c) {
  auto text = encode(c);
  if (!text)
    return text.error();
  // A key of its own: never overwritten, so a replay sees every entry.
  auto key = log_ + change_suffix + c.request + "." + random_request_id();
  return retried(timeout_ms_, [&] { return kv_->put(key, *text); });
}

fraud::error rules_bucket::put_text(const std::string& id,
                                    std::string_view text) {
  auto parts = std::max<std::size_t>(
    1, (text.size() + max_entry_bytes - 1) / max_entry_bytes);
  for (std::size_t k = 0; k < parts; ++k) {
    auto key = log_ + text_suffix + id + "." + std::to_string(k) + "."
               + std::to_string(parts);
    std::string bytes{text.substr(k * max_entry_bytes, max_entry_bytes)};
    auto w = retried(timeout_ms_, [&] { return kv_->create(key, bytes); });
    if (!w && !kv_taken(w.error()))
      return with_context(w.error(), "part " + std::to_string(k + 1) + " of "
                                       + std::to_string(parts) + " of the text");
  }
  return {};
}

fraud::expected<std::uint64_t>
rules_bucket::append(const bucket_list_change& part) {
  auto text = encode(part);
  if (!text)
    return text.error();
  return retried(timeout_ms_,
                 [&] { return kv_->create(change_key(part), *text); });
}

fraud::error rules_bucket::watch() {
  kvWatchOptions o;
  kvWatchOptions_Init(&o);
  o.IgnoreDeletes = true;  // nothing here deletes; an operator's purge is
                           // not a change to apply
  o.Timeout = timeout_ms_;
  if (auto s = kvStore_WatchAll(&watcher_, kv_->get(), &o); s != NATS_OK)
    return make_error(ec::nats_error, "watching bucket " + kv_->name() + ": "
                                        + describe(s));
  return {};
}

fraud::expected<std::optional<bucket_entry>>
rules_bucket::next(std::int64_t timeout_ms, bool& initial_done) {
  initial_done = false;
  kvEntry* e = nullptr;
  auto s = kvWatcher_Next(&e, watcher_, timeout_ms);
  if (s != NATS_OK)
    return make_error(s == NATS_TIMEOUT ? ec::timeout : ec::nats_error,
                      "watching bucket " + kv_->name() + ": " + describe(s));
  if (e == nullptr) {
    initial_done = true;
    return std::optional<bucket_entry>{};
  }
  std::string_view key = kvEntry_Key(e);
  std::string_view value{static_cast<const char*>(kvEntry_Value(e)),
                         static_cast<std::size_t>(kvEntry_ValueLen(e))};
  auto decoded = kvEntry_Operation(e) == kvOp_Put
                   ? decode(key, value)
                   : fraud::expected<entry_value>{make_error(ec::not_found)};
  std::optional<bucket_entry> out;
  if (decoded)
    out = bucket_entry{kvEntry_Revision(e), std::move(*decoded)};
  else if (decoded.error().code() != ec::not_found)
    FRAUD_LOG_LIMITED(6, err, "rules", "bucket {}: skipped {}", kv_->name(),
                      decoded.error().what());
  kvEntry_Destroy(e);
  return out;
}

fraud::expected<std::vector<bucket_entry>> rules_bucket::replay() {
  std::vector<bucket_entry> out;
  for (;;) {
    bool done = false;
    auto e = next(timeout_ms_, done);
    if (!e)
      return with_context(e.error(), "reading what the bucket holds");
    if (done)
      break;
    if (*e)
      out.push_back(std::move(**e));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.revision < b.revision;
  });
  return out;
}

fraud::expected<std::optional<bucket_entry>>
rules_bucket::poll(std::int64_t timeout_ms) {
  bool done = false;
  auto e = next(timeout_ms, done);
  if (!e && e.error().code() == ec::timeout)
    return std::optional<bucket_entry>{};
  return e;
}

void rules_bucket::follow(std::function<void(bucket_entry)> apply) {
  follower_ = std::thread{[this, apply = std::move(apply)] {
    while (!stopping_) {
      bool done = false;
      auto e = next(60'000, done);
      if (e && *e)
        apply(std::move(**e));
      else if (!e && e.error().code() != ec::timeout && !stopping_) {
        // The ordered consumer under the watcher recovers from a lost
        // server by itself; this is for what it cannot (logged, retried).
        FRAUD_LOG_LIMITED(6, warn, "rules", "{}", e.error().what());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }};
}

void rules_bucket::stop() {
  stopping_ = true;
  if (watcher_ != nullptr)
    kvWatcher_Stop(watcher_);  // wakes the follower's kvWatcher_Next
  if (follower_.joinable())
    follower_.join();
}

} // namespace fraud::service
