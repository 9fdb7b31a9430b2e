#include "service/partition_owner.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <random>
#include <utility>
#include <unistd.h>

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

namespace {

constexpr const char* instance_prefix = "i.";
constexpr const char* partition_prefix = "p.";

std::string partition_key(int p) {
  return partition_prefix + std::to_string(p);
}

std::int64_t ms_to_ns(std::int64_t ms) { return ms * 1'000'000; }

// How long a claim must stand in the watch, unopposed, before it is served
// (see the header: nats-server 2.9.10 may acknowledge two racing claims).
constexpr std::int64_t settle_ns = 10'000'000;

// After a claim of a lease thought expired fails: when to try again (the
// servers expire a lease a little after its TTL, not before).
constexpr std::int64_t claim_retry_ns = 100'000'000;

} // namespace

std::string default_instance_id() {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == 0)
    std::snprintf(host, sizeof(host), "fraudd");
  std::string id;
  for (char* c = host; *c != 0; ++c)  // a valid key token
    id += (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '_')
            ? *c
            : '-';
  return id + "-" + std::to_string(::getpid());
}

partition_owner::partition_owner(partition_owner_options opts,
                                 partition_callbacks cb)
  : opts_(std::move(opts)), cb_(std::move(cb)),
    deadlines_(new std::atomic<std::int64_t>[static_cast<std::size_t>(
      opts_.partitions)]),
    leases_(static_cast<std::size_t>(opts_.partitions)) {
  for (int p = 0; p < opts_.partitions; ++p)
    deadlines_[static_cast<std::size_t>(p)].store(0);
  std::random_device rd;
  char nonce[17];
  std::snprintf(nonce, sizeof(nonce), "%08x%08x", rd(), rd());
  incarnation_ = opts_.instance_id + "/" + nonce;
  counts_.instance = opts_.instance_id;
}

fraud::expected<std::unique_ptr<partition_owner>>
partition_owner::start(natsConnection* conn, partition_owner_options opts,
                       partition_callbacks callbacks) {
  if (!valid_kv_key(opts.instance_id) || opts.instance_id.find('.') != std::string::npos
      || opts.instance_id.find('/') != std::string::npos)
    return make_error(ec::config_error,
                      "instance id '" + opts.instance_id
                        + "': letters, digits, '-', '_' and '=' only");
  std::unique_ptr<partition_owner> self{
    new partition_owner(std::move(opts), std::move(callbacks))};
  const auto& o = self->opts_;
  // Created (or found) with a generous wait: a new R3 stream needs its
  // servers to agree. The handle used from then on waits at most TTL/6
  // for each call (see the timing argument in the header).
  kv_bucket_options bo;
  bo.name = o.bucket;
  bo.replicas = o.replicas;
  bo.ttl_ms = o.ttl.count();
  bo.history = 1;
  bo.timeout_ms = 10'000;
  if (auto created = retry_while_cluster_starts(
        "lease bucket " + o.bucket, [&] { return kv_bucket::open(conn, bo); });
      !created)
    return created.error();
  // The watch is made with a longer wait: creating its consumer goes
  // through the JetStream metadata leader, which takes longer than a write
  // on a loaded machine. Not too long: the thread that renews waits for
  // it, and a renewal every TTL/4 plus this wait stays within the TTL/4
  // margin of the deadline.
  bo.timeout_ms = static_cast<int>(std::max<std::int64_t>(200, o.ttl.count() / 3));
  {
    auto watching = kv_bucket::open(conn, bo);
    if (!watching)
      return with_context(watching.error(), "lease bucket");
    self->watch_bucket_ = std::move(*watching);
  }
  bo.timeout_ms = static_cast<int>(std::max<std::int64_t>(100, o.ttl.count() / 8));
  auto bucket = kv_bucket::open(conn, bo);
  if (!bucket)
    return with_context(bucket.error(), "lease bucket");
  self->bucket_ = std::move(*bucket);
  if (auto err = self->watch())
    return err;
  // Announced before the thread starts: the others count this instance
  // from now on.
  // A bucket just created answers once its stream has a leader and the
  // servers know it: "no responders" for a moment, on a loaded machine
  // for a second or two.
  auto announced = retry_while_cluster_starts(
    "announcing this instance",
    [&] {
      return self->bucket_->put(instance_prefix + self->opts_.instance_id,
                                self->incarnation_);
    },
    {}, std::chrono::milliseconds(200));
  if (!announced)
    return announced.error();
  self->announced_ns_ = steady_ns();
  self->started_ns_ = self->announced_ns_;
  self->thread_ = std::thread{[s = self.get()] { s->run(); }};
  FRAUD_LOG(info, "cluster", "instance {} joined (bucket {}, {} partitions, "
            "lease TTL {} ms)", self->opts_.instance_id, self->opts_.bucket,
            self->opts_.partitions, self->opts_.ttl.count());
  return self;
}

partition_owner::~partition_owner() {
  stop();
}

void partition_owner::stop() {
  if (stopping_.exchange(true))
    return;
  if (thread_.joinable())
    thread_.join();
  if (watcher_ != nullptr) {
    kvWatcher_Destroy(watcher_);
    watcher_ = nullptr;
  }
}

fraud::error partition_owner::watch() {
  if (watcher_ != nullptr) {
    kvWatcher_Destroy(watcher_);
    watcher_ = nullptr;
  }
  initial_done_ = false;
  auto s = kvStore_WatchAll(&watcher_, watch_bucket_->get(), nullptr);
  if (s != NATS_OK) {
    watcher_ = nullptr;
    return make_error(ec::nats_error, "watching the lease bucket: " + describe(s));
  }
  last_own_echo_ns_ = steady_ns();
  watch_started_ns_ = last_own_echo_ns_;
  return {};
}

std::int64_t partition_owner::margin_ns() const {
  return ms_to_ns(opts_.ttl.count()) / 4;
}

void partition_owner::check_deadlines() {
  auto now = steady_ns();
  for (int p = 0; p < opts_.partitions; ++p) {
    auto& l = leases_[static_cast<std::size_t>(p)];
    if (l.own && now > l.renewed_sent_ns + ms_to_ns(opts_.ttl.count())
                         - margin_ns())
      lose(p, "lease not renewed in time");
  }
}

std::int64_t partition_owner::earliest_deadline() const {
  auto earliest = std::numeric_limits<std::int64_t>::max();
  for (auto& l : leases_)
    if (l.own)
      earliest = std::min(earliest, l.renewed_sent_ns
                                      + ms_to_ns(opts_.ttl.count())
                                      - margin_ns());
  return earliest;
}

std::string partition_owner::instance_of(const std::string& incarnation) const {
  return incarnation.substr(0, incarnation.find('/'));
}

void partition_owner::run() {
  const std::int64_t tick_ns = ms_to_ns(opts_.ttl.count()) / 4;
  std::int64_t next_tick = steady_ns() + tick_ns;
  while (!stopping_.load()) {
    auto now = steady_ns();
    // Awake at the next tick, or at the first lease deadline if sooner.
    auto wake = next_tick;
    if (auto first = earliest_deadline(); first < wake)
      wake = first + 1'000'000;
    for (auto& l : leases_) {
      if (l.own && !l.serving && l.echo_ns != 0)
        wake = std::min(wake, l.echo_ns + settle_ns);
      if (l.claim_sent_ns != 0)  // its answer is taken within a millisecond
        wake = std::min(wake, now + 1'000'000);
      if (!l.own && !l.owner.empty())
        wake = std::min(wake, l.expires_ns);  // another's lease may expire
    }
    auto wait_ms = std::max<std::int64_t>(1, (wake - now) / 1'000'000);
    kvEntry* e = nullptr;
    natsStatus s = watcher_ != nullptr
                     ? kvWatcher_Next(&e, watcher_, wait_ms)
                     : NATS_TIMEOUT;
    if (watcher_ == nullptr)
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    now = steady_ns();
    if (s == NATS_OK) {
      if (e == nullptr) {
        initial_done_ = true;
      } else {
        // The last of the initial values (nats.c sends the null marker
        // only for a bucket that had values when the watch began).
        if (kvEntry_Delta(e) == 0)
          initial_done_ = true;
        on_entry(e, now);
        kvEntry_Destroy(e);
      }
    } else if (s != NATS_TIMEOUT) {
      FRAUD_LOG_LIMITED(6, warn, "cluster", "lease watch: {}; watching again",
                        describe(s));
      if (auto err = watch())
        FRAUD_LOG_LIMITED(6, err, "cluster", "{}", to_string(err));
    }
    // Deadlines first: whatever else happens, an expiring lease stops
    // being served (the ingresses refuse on their own already).
    collect_writes();
    check_deadlines();
    serve_confirmed(steady_ns());
    bool expired = expire_views(steady_ns());
    if (now >= next_tick) {
      tick(now);
      next_tick = steady_ns() + tick_ns;
    } else if ((s == NATS_OK || expired) && initial_done_) {
      // A release or an instance coming or going: act now, not at the
      // next tick (this is what makes a planned handover fast).
      act_now(now);
    }
  }
  leave();
}

bool partition_owner::may_act(std::int64_t now) const {
  if (!initial_done_)
    return false;
  // Joining a running cluster: partitions handed over to this instance are
  // claimed at once. Starting a cluster (no partition held by anyone):
  // a moment for the instances starting together to see each other, so
  // that the first does not take everything only to hand most of it over.
  bool running = std::any_of(leases_.begin(), leases_.end(), [&](auto& l) {
    return !l.owner.empty() && l.owner != incarnation_;
  });
  return running || now - started_ns_ >= ms_to_ns(opts_.ttl.count()) / 4;
}

void partition_owner::act_now(std::int64_t now) {
  if (!may_act(now))
    return;
  // A lease whose last write is ours though we do not hold it: a claim
  // whose answer was lost, written after all. Nobody else may take it
  // until it expires, so it is claimed on that write (a compare-and-set:
  // its answer says when the lease runs from) and then kept or handed
  // over as the plan says.
  for (std::size_t i = 0; i < leases_.size(); ++i) {
    auto& l = leases_[i];
    if (!l.own && l.claim_sent_ns == 0 && l.owner == incarnation_)
      send_claim(static_cast<int>(i), l.revision);
  }
  std::vector<partition_view> view(leases_.size());
  for (std::size_t i = 0; i < view.size(); ++i) {
    // A claim in flight counts as this instance's.
    view[i].owner = leases_[i].claim_sent_ns != 0 ? incarnation_
                                                  : leases_[i].owner;
    view[i].orphaned = leases_[i].orphaned && leases_[i].claim_sent_ns == 0;
  }
  auto plan = plan_partitions(incarnation_, live_incarnations(), view);
  for (int p : plan.release)
    release(p);
  for (int p : plan.claim)
    claim(p);
}

void partition_owner::on_entry(kvEntry* e, std::int64_t now) {
  std::string key = kvEntry_Key(e);
  auto op = kvEntry_Operation(e);
  std::string value;
  if (op == kvOp_Put && kvEntry_ValueLen(e) > 0)
    value.assign(static_cast<const char*>(kvEntry_Value(e)),
                 static_cast<std::size_t>(kvEntry_ValueLen(e)));
  auto rev = kvEntry_Revision(e);
  if (key.rfind(instance_prefix, 0) == 0) {
    auto id = key.substr(2);
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = std::find_if(instances_.begin(), instances_.end(),
                           [&](auto& x) { return instance_of(x.first) == id; });
    if (op != kvOp_Put || value.empty()) {
      if (it != instances_.end())
        instances_.erase(it);
    } else if (it != instances_.end()) {
      *it = {value, now};
    } else {
      instances_.emplace_back(value, now);
    }
    if (value == incarnation_)
      last_own_echo_ns_ = now;
    std::uint32_t live = 1;
    for (auto& x : instances_)
      if (x.first != incarnation_)
        ++live;
    live_.store(live);
    return;
  }
  if (key.rfind(partition_prefix, 0) != 0)
    return;
  int p = -1;
  try {
    p = std::stoi(key.substr(2));
  } catch (...) {
    return;
  }
  if (p < 0 || p >= opts_.partitions)
    return;  // another deployment's P: README says how to change P
  auto& l = leases_[static_cast<std::size_t>(p)];
  if (l.own && rev < l.revision)
    return;  // the echo of one of our earlier writes
  if (l.own && value == incarnation_) {
    // Our claim or renewal is in the stream, and nothing after it. A later
    // revision than we know is ours too (only this process writes its
    // incarnation): a write whose answer was lost, or written twice while
    // the servers changed leader. Renewals go on from it.
    std::lock_guard<std::mutex> guard{mtx_};
    l.revision = rev;
    l.owner = incarnation_;
    if (l.echo_ns == 0)
      l.echo_ns = now;
    return;
  }
  if (l.own)
    lose(p, "taken by another instance");
  std::lock_guard<std::mutex> guard{mtx_};
  l.owner = value;
  l.orphaned = false;  // written: released ("") or held
  l.revision = rev;
  l.seen_ns = now;
  l.expires_ns = now + ms_to_ns(opts_.ttl.count());
}

bool partition_owner::expire_views(std::int64_t now) {
  // Nothing reports an expiry: a lease whose last write was seen a TTL ago
  // has expired on the servers (it was written before it was seen), so it
  // is free to claim. A claim of one that has not expired after all only
  // fails, and is tried again shortly.
  bool any = false;
  std::lock_guard<std::mutex> guard{mtx_};
  // An instance renews its announcement with its leases: one not seen
  // for a TTL is gone as surely as its leases are.
  const std::int64_t ttl_ns = ms_to_ns(opts_.ttl.count());
  auto gone = std::remove_if(instances_.begin(), instances_.end(),
                             [&](auto& x) {
                               return x.first != incarnation_
                                      && now - x.second > ttl_ns;
                             });
  if (gone != instances_.end()) {
    instances_.erase(gone, instances_.end());
    std::uint32_t live = 1;
    for (auto& x : instances_)
      if (x.first != incarnation_)
        ++live;
    live_.store(live);
    any = true;
  }
  for (auto& l : leases_)
    if (!l.own && !l.owner.empty() && now >= l.expires_ns) {
      l.owner.clear();
      l.orphaned = true;
      any = true;
    }
  return any;
}

void partition_owner::tick(std::int64_t now) {
  // The watch shows our own announcements: when it has not for a while,
  // it is stuck (a lost consumer): watch again.
  const std::int64_t ttl_ns = ms_to_ns(opts_.ttl.count());
  if (now - last_own_echo_ns_ > ttl_ns) {
    FRAUD_LOG_LIMITED(6, warn, "cluster", "lease watch silent for {} ms; "
                      "watching again", (now - last_own_echo_ns_) / 1'000'000);
    if (auto err = watch())
      FRAUD_LOG_LIMITED(6, err, "cluster", "{}", to_string(err));
  }
  if (auto r = bucket_->put(instance_prefix + opts_.instance_id, incarnation_))
    announced_ns_ = now;
  else
    FRAUD_LOG_LIMITED(6, warn, "cluster", "announcing: {}",
                      to_string(r.error()));
  // Renewals are sent together and answered while this thread goes on
  // (collect_writes): a tick never holds up a claim or a release.
  collect_writes();
  for (int p = 0; p < opts_.partitions; ++p) {
    auto& l = leases_[static_cast<std::size_t>(p)];
    if (l.own && l.renew_sent_ns == 0)
      renew(p);
  }
  now = steady_ns();
  expire_views(now);
  if (!initial_done_ && now - watch_started_ns_ >= ttl_ns / 4)
    initial_done_ = true;  // an empty bucket: nothing was to come
  act_now(now);
}

void partition_owner::renew(int p) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  auto sent = steady_ns();
  if (auto err = bucket_->update_async(partition_key(p), incarnation_,
                                       l.revision, write_wait_ms())) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ++counts_.renewal_failures;
    }
    FRAUD_LOG_LIMITED(6, warn, "cluster", "partition {}: renewal not sent "
                      "({}); retrying until its deadline", p, to_string(err));
    return;
  }
  l.renew_sent_ns = sent;
  l.renew_last = l.revision;
}

void partition_owner::collect_writes() {
  for (auto& r : bucket_->take_async_results()) {
    if (r.key.rfind(partition_prefix, 0) != 0)
      continue;
    int p = -1;
    try {
      p = std::stoi(r.key.substr(2));
    } catch (...) {
      continue;
    }
    if (p < 0 || p >= opts_.partitions)
      continue;
    auto& l = leases_[static_cast<std::size_t>(p)];
    if (!l.own && l.claim_sent_ns != 0 && r.last == l.claim_last) {
      if (!r.error) {
        claimed(p, r.revision);
      } else if (kv_taken(r.error) && r.last > 0) {
        send_claim(p, 0);  // released, then expired since: create
      } else {
        if (!kv_taken(r.error))
          FRAUD_LOG_LIMITED(6, warn, "cluster", "partition {}: claim failed: "
                            "{}", p, to_string(r.error));
        claim_refused(p);
      }
      continue;
    }
    if (!l.own || l.renew_sent_ns == 0 || r.last != l.renew_last)
      continue;  // released or lost meanwhile: its answer no longer matters
    auto sent = std::exchange(l.renew_sent_ns, 0);
    if (!r.error) {
      std::lock_guard<std::mutex> guard{mtx_};
      l.revision = std::max(l.revision, r.revision);
      l.renewed_sent_ns = sent;
      l.seen_ns = std::max(l.seen_ns, sent);
      ++counts_.renewals;
      deadlines_[static_cast<std::size_t>(p)].store(
        sent + ms_to_ns(opts_.ttl.count()) - margin_ns());
      continue;
    }
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ++counts_.renewal_failures;
    }
    if (kv_taken(r.error)) {
      // Refused for its revision: by another's write, or by one of ours (a
      // renewal that timed out here but was written). The watch may not
      // have shown that write yet (it lags while a server is down), so
      // the key itself decides: ours, its revision is adopted and the next
      // tick renews on it; another's, the partition is lost.
      // A key that cannot be read now is left to its deadline.
      if (!(l.revision > r.last && l.owner == incarnation_)
          && key_says(p, r.last) == key_verdict::theirs) {
        lose(p, "taken by another instance");
        claim_refused(p);  // whose: the watch will say, or it expires
      }
      continue;
    }
    FRAUD_LOG_LIMITED(6, warn, "cluster", "partition {}: renewal failed ({}); "
                      "retrying until its deadline", p, to_string(r.error));
  }
}

partition_owner::key_verdict
partition_owner::key_says(int p, std::uint64_t refused_last) {
  // Read from the stream's leader: a direct get may be answered by a
  // server that has just come back and is behind, which would show our
  // own older write and make us give up a lease we hold.
  auto current = bucket_->get_latest(partition_key(p));
  if (!current && current.error().code() == ec::not_found)
    return key_verdict::theirs;  // expired: claimed again, if still free
  if (!current) {
    FRAUD_LOG_LIMITED(6, warn, "cluster", "partition {}: renewal refused and "
                      "the lease unreadable ({}); retrying until its "
                      "deadline", p, to_string(current.error()));
    return key_verdict::unknown;
  }
  if (current->value != incarnation_)
    return key_verdict::theirs;
  if (current->revision <= refused_last) {
    // Ours, at no later revision than the one refused: a write of ours
    // still being applied. The watch, or the next renewal, will say.
    FRAUD_LOG_LIMITED(6, info, "cluster", "partition {}: renewal refused "
                      "on revision {} that the leader shows as ours; "
                      "retrying until its deadline", p, refused_last);
    return key_verdict::unknown;
  }
  auto& l = leases_[static_cast<std::size_t>(p)];
  std::lock_guard<std::mutex> guard{mtx_};
  l.revision = std::max(l.revision, current->revision);
  l.owner = incarnation_;
  FRAUD_LOG_LIMITED(6, info, "cluster", "partition {}: a renewal that timed "
                    "out was written (revision {}); renewing on it", p,
                    current->revision);
  return key_verdict::ours;
}

void partition_owner::await_writes(int p) {
  // A release on the revision a renewal in flight is about to replace
  // would be refused, and a claim in flight may yet make it ours: their
  // answers first (they come within TTL/8).
  auto& l = leases_[static_cast<std::size_t>(p)];
  const auto give_up = steady_ns() + ms_to_ns(opts_.ttl.count()) / 4;
  auto in_flight = [&] {
    return (l.own && l.renew_sent_ns != 0) || (!l.own && l.claim_sent_ns != 0);
  };
  while (in_flight() && steady_ns() < give_up) {
    collect_writes();
    if (in_flight())
      std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

int partition_owner::write_wait_ms() const {
  return static_cast<int>(std::max<std::int64_t>(100, opts_.ttl.count() / 8));
}

void partition_owner::claim(int p) {
  // A released lease holds "" at a revision: taken with a compare-and-set
  // on that revision; a never-taken or expired one has no value at all:
  // created (last 0). Sent without waiting, as renewals are: the answer
  // comes to collect_writes(), and claims to several partitions are in
  // flight together.
  auto& l = leases_[static_cast<std::size_t>(p)];
  send_claim(p, l.revision > 0 && l.owner.empty() ? l.revision : 0);
}

void partition_owner::send_claim(int p, std::uint64_t last) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  auto sent = steady_ns();
  if (auto err = bucket_->update_async(partition_key(p), incarnation_, last,
                                       write_wait_ms())) {
    FRAUD_LOG_LIMITED(6, warn, "cluster", "partition {}: claim not sent: {}",
                      p, to_string(err));
    claim_refused(p);
    return;
  }
  l.claim_sent_ns = sent;
  l.claim_last = last;
}

void partition_owner::claim_refused(int p) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  l.claim_sent_ns = 0;
  std::lock_guard<std::mutex> guard{mtx_};
  if (!l.owner.empty() && l.owner != incarnation_)
    return;  // the watch has shown who has it
  l.owner = "?";  // someone has it: the watch will say who, or it expires
  l.seen_ns = steady_ns();
  l.expires_ns = l.seen_ns + claim_retry_ns;
}

void partition_owner::claimed(int p, std::uint64_t revision) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  auto sent = std::exchange(l.claim_sent_ns, 0);
  if (l.revision > revision && l.owner != incarnation_) {
    // The watch already shows a write after ours: someone else's claim
    // that raced ours and came last (see the header).
    return;
  }
  // The watch may have shown our claim already (then unopposed so far,
  // from when it was seen), or a later write of ours (one whose answer
  // was lost: the lease is ours at that revision), or will.
  bool echoed = l.revision >= revision && l.owner == incarnation_;
  revision = std::max(revision, l.revision);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    l.own = true;
    l.orphaned = false;
    l.owner = incarnation_;
    l.revision = revision;
    l.renewed_sent_ns = sent;
    if (!echoed)
      l.seen_ns = sent;
    ++counts_.claims;
  }
  deadlines_[static_cast<std::size_t>(p)].store(
    sent + ms_to_ns(opts_.ttl.count()) - margin_ns());
  // Served once the watch shows the claim unopposed (serve_confirmed).
  l.serving = false;
  l.echo_ns = echoed ? l.seen_ns : 0;
  l.renew_sent_ns = 0;
}

void partition_owner::serve_confirmed(std::int64_t now) {
  for (int p = 0; p < opts_.partitions; ++p) {
    auto& l = leases_[static_cast<std::size_t>(p)];
    if (!l.own || l.serving || l.echo_ns == 0 || now - l.echo_ns < settle_ns)
      continue;
    l.serving = true;
    if (auto err = cb_.serve(p, deadline(p))) {
      FRAUD_LOG(err, "cluster", "partition {}: cannot serve ({}); released",
                p, to_string(err));
      deadlines_[static_cast<std::size_t>(p)].store(0);
      std::lock_guard<std::mutex> guard{mtx_};
      l.own = false;
      l.serving = false;
      if (auto rr = bucket_->update(partition_key(p), "", l.revision))
        l.revision = *rr;
      l.owner.clear();
      continue;
    }
    FRAUD_LOG(info, "cluster", "partition {}: owned (lease revision {})", p,
              l.revision);
  }
}

void partition_owner::release(int p) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  if (!l.own && l.claim_sent_ns != 0)
    await_writes(p);
  if (!l.own)
    return;
  if (l.serving && cb_.before_handover)
    cb_.before_handover(p);  // still served: not part of the gap
  auto began = steady_ns();
  // Stop taking the partition's transactions, finish those in flight,
  // write its cards' state; only then let another instance have it.
  if (l.serving)
    cb_.stop_serving(p, true);
  l.serving = false;
  deadlines_[static_cast<std::size_t>(p)].store(0);
  await_writes(p);
  if (!l.own)
    return;  // the renewal found it taken: nothing of ours to release
  // Once JetStream did not answer, the remaining releases of a leave are
  // not written (each would wait as long): those leases expire by TTL.
  fraud::expected<std::uint64_t> r =
    make_error(ec::nats_error, "JetStream did not answer");
  if (!unanswered_release_)
    r = bucket_->update(partition_key(p), "", l.revision);
  if (!r && !kv_taken(r.error()) && stopping_.load())
    unanswered_release_ = true;
  std::lock_guard<std::mutex> guard{mtx_};
  l.own = false;
  l.owner.clear();
  if (r)
    l.revision = *r;
  ++counts_.releases;
  FRAUD_LOG(info, "cluster", "partition {}: handed over in {} ms{}", p,
            (steady_ns() - began) / 1'000'000,
            r ? "" : " (release not written: it expires by TTL)");
}

void partition_owner::lose(int p, const char* why) {
  auto& l = leases_[static_cast<std::size_t>(p)];
  if (!l.own)
    return;
  deadlines_[static_cast<std::size_t>(p)].store(0);
  if (l.serving)
    cb_.stop_serving(p, false);
  l.serving = false;
  l.renew_sent_ns = 0;
  std::lock_guard<std::mutex> guard{mtx_};
  l.own = false;
  ++counts_.lost;
  FRAUD_LOG(warn, "cluster", "partition {}: lost ({}); no longer answered", p,
            why);
}

void partition_owner::leave() {
  // Not counted from now on: the others' shares grow before the first
  // release reaches them, so they claim what is released at once.
  if (auto err = bucket_->erase(instance_prefix + opts_.instance_id))
    FRAUD_LOG(warn, "cluster", "leaving: {}", to_string(err));
  for (int p = 0; p < opts_.partitions; ++p)
    release(p);
  FRAUD_LOG(info, "cluster", "instance {} left", opts_.instance_id);
}

std::vector<std::string> partition_owner::live_incarnations() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> live{incarnation_};
  for (auto& x : instances_)
    if (x.first != incarnation_)
      live.push_back(x.first);
  return live;
}

cluster_status partition_owner::status() const {
  auto now = steady_ns();
  std::lock_guard<std::mutex> guard{mtx_};
  cluster_status s = counts_;
  for (auto& [inc, seen] : instances_)
    s.instances.emplace_back(instance_of(inc), (now - seen) / 1'000'000);
  if (std::none_of(instances_.begin(), instances_.end(),
                   [&](auto& x) { return x.first == incarnation_; }))
    s.instances.emplace_back(opts_.instance_id, (now - announced_ns_) / 1'000'000);
  for (int p = 0; p < opts_.partitions; ++p) {
    auto& l = leases_[static_cast<std::size_t>(p)];
    partition_status ps;
    ps.partition = p;
    ps.owner = l.owner == "?" ? "?" : instance_of(l.owner);
    ps.revision = l.revision;
    ps.age_ms = l.seen_ns == 0 ? -1 : (now - l.seen_ns) / 1'000'000;
    s.partitions.push_back(std::move(ps));
    if (l.own)
      s.owned.push_back(p);
  }
  return s;
}

} // namespace fraud::service

