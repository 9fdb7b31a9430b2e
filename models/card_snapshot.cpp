#include "models/card_snapshot.hpp"

#include <cstring>

#include "models/fnv.hpp"

namespace fraud::models {

namespace {

class writer {
public:
  explicit writer(std::string& out) : out_(out) {
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<std::uint8_t>(v));
  }
  void zigzag(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1)
           ^ static_cast<std::uint64_t>(v >> 63));
  }
  void bytes(std::string_view v) {
    varint(v.size());
    out_.append(v);
  }
  template <class T>
  void fixed(T v) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    out_.append(buf, sizeof(T));
  }

private:
  std::string& out_;
};

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::uint8_t u8() {
    if (pos_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto b = u8();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return v;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t zigzag() {
    auto v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  template <class T>
  T fixed() {
    T v{};
    if (pos_ + sizeof(T) > in_.size()) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view bytes(std::uint64_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    auto v = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  void fail() { ok_ = false; }

private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// FNV-1a over the snapshot: a flipped bit anywhere is noticed on load.
std::uint32_t checksum(std::string_view bytes) {
  return fnv1a_32(bytes);
}

} // namespace

struct snapshot_codec {
  template <class Window>
  static void save(writer& w, const Window& win) {
    w.u8(win.empty() ? 1 : 0);
    if (win.empty())
      return;
    w.zigzag(win.head_);
    auto used_at = [&](std::size_t i) {
      if constexpr (Window::has_sums)
        return win.counts_[i] != 0 || win.sums_[i] != 0;
      else
        return win.counts_[i] != 0;
    };
    std::uint8_t used = 0;
    for (std::size_t i = 0; i < Window::buckets; ++i)
      used += used_at(i) ? 1 : 0;
    w.u8(used);
    for (std::size_t i = 0; i < Window::buckets; ++i) {
      if (!used_at(i))
        continue;
      w.u8(static_cast<std::uint8_t>(i));
      w.varint(win.counts_[i]);
      if constexpr (Window::has_sums)
        w.varint(win.sums_[i]);
    }
  }

  template <class Window>
  static void load(reader& r, Window& win) {
    win = Window{};
    if (r.u8() == 1)
      return;
    win.head_ = r.zigzag();
    if (win.head_ == Window::no_head) {
      r.fail();
      return;
    }
    auto used = r.u8();
    for (std::uint8_t k = 0; k < used && r.ok(); ++k) {
      auto i = r.u8();
      if (i >= Window::buckets) {
        r.fail();
        return;
      }
      win.counts_[i] = static_cast<std::uint16_t>(r.varint());
      if constexpr (Window::has_sums)
        win.sums_[i] = static_cast<std::uint32_t>(r.varint());
    }
  }

  static void save(const card_state& c, const recent_ids& ids,
                   const recent_decisions& decisions, std::string& out) {
    out.clear();
    writer w{out};
    w.u8('F');
    w.u8('S');
    w.u8(snapshot_format_version);
    w.u8(c.has_location_ ? 1 : 0);
    w.varint(c.tx_count_);
    w.zigzag(c.last_event_ms_);
    if (c.has_location_) {
      w.fixed(c.last_lat_);
      w.fixed(c.last_lon_);
      w.zigzag(c.last_located_ms_);
    }
    w.fixed(c.mean_amount_);
    w.fixed(c.mean_log_);
    w.fixed(c.var_log_);
    // Devices fill slots 0.. in order before the ring wraps, so the first
    // device_count slots are all there is.
    w.u8(c.device_count_);
    w.u8(c.next_device_);
    for (std::size_t i = 0; i < c.device_count_; ++i)
      w.fixed(c.devices_[i]);
    std::uint8_t countries = 0;
    for (auto n : c.country_counts_)
      countries += n > 0 ? 1 : 0;
    w.u8(countries);
    for (std::size_t i = 0; i < card_state::max_countries; ++i) {
      if (c.country_counts_[i] == 0)
        continue;
      w.u8(static_cast<std::uint8_t>(i));
      w.u8(static_cast<std::uint8_t>(c.countries_[i][0]));
      w.u8(static_cast<std::uint8_t>(c.countries_[i][1]));
      w.varint(c.country_counts_[i]);
    }
    save(w, c.w1m_);
    save(w, c.w1h_);
    save(w, c.w24h_);
    save(w, c.probes_10m_);
    // Version 3: money in the home currency (models/card_state.hpp).
    for (char ch : c.home_currency_)
      w.u8(static_cast<std::uint8_t>(ch));
    w.zigzag(c.first_event_ms_);
    save(w, c.cp_high_1h_);
    // Version 4: the week's large purchases of goods.
    save(w, c.goods_high_7d_);
    w.u8(ids.next_);
    for (auto id : ids.ids_)
      w.fixed(id);
    // Version 2: the first decisions of the latest transactions, so that a
    // re-send reaching another instance after a failover is answered from
    // the card's memory.
    w.u8(static_cast<std::uint8_t>(decisions.size()));
    decisions.for_each([&](std::string_view tx_id, std::string_view d) {
      w.bytes(tx_id);
      w.bytes(d);
    });
    w.fixed(checksum(out));
  }

  static error load(std::string_view bytes, card_state& out_card,
                    recent_ids& out_ids, recent_decisions* out_decisions) {
    if (bytes.size() < 8)
      return error{ec::malformed, "not a card snapshot"};
    std::uint32_t stored;
    std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
    bytes.remove_suffix(4);
    if (checksum(bytes) != stored)
      return error{ec::malformed, "card snapshot fails its checksum: corrupted"};
    reader r{bytes};
    if (r.u8() != 'F' || r.u8() != 'S')
      return error{ec::malformed, "not a card snapshot"};
    auto version = r.u8();
    if (version < 1 || version > snapshot_format_version)
      return error{ec::malformed, "card snapshot format version "
                                    + std::to_string(version)
             + " is not known (this build reads 1 to "
                     + std::to_string(snapshot_format_version) + ")"};
    card_state c;
    recent_ids ids;
    c.has_location_ = r.u8() == 1;
    c.tx_count_ = static_cast<std::uint32_t>(r.varint());
    c.last_event_ms_ = r.zigzag();
    if (c.has_location_) {
      c.last_lat_ = r.fixed<double>();
      c.last_lon_ = r.fixed<double>();
      c.last_located_ms_ = r.zigzag();
    }
    c.mean_amount_ = r.fixed<double>();
    c.mean_log_ = r.fixed<double>();
    c.var_log_ = r.fixed<double>();
    c.device_count_ = r.u8();
    c.next_device_ = r.u8();
    if (c.device_count_ > card_state::max_devices
        || c.next_device_ >= card_state::max_devices)
      return error{ec::malformed, "card snapshot has a bad device table"};
    for (std::size_t i = 0; i < c.device_count_; ++i)
      c.devices_[i] = r.fixed<std::uint64_t>();
    auto countries = r.u8();
    if (countries > card_state::max_countries)
      return error{ec::malformed, "card snapshot has a bad country table"};
    for (std::uint8_t k = 0; k < countries && r.ok(); ++k) {
      auto i = r.u8();
      if (i >= card_state::max_countries)
        return error{ec::malformed, "card snapshot has a bad country slot"};
      c.countries_[i][0] = static_cast<char>(r.u8());
      c.countries_[i][1] = static_cast<char>(r.u8());
      c.country_counts_[i] = static_cast<std::uint16_t>(r.varint());
    }
    load(r, c.w1m_);
    load(r, c.w1h_);
    load(r, c.w24h_);
    load(r, c.probes_10m_);
    if (version >= 3) {
      for (auto& ch : c.home_currency_)
        ch = static_cast<char>(r.u8());
      bool none = c.home_currency_[0] == 0 && c.home_currency_[1] == 0
                  && c.home_currency_[2] == 0;
      bool code = true;
      for (char ch : c.home_currency_)
        code = code && ch >= 'A' && ch <= 'Z';
      if (!none && !code)
        return error{ec::malformed, "card snapshot has a bad home currency"};
      c.first_event_ms_ = r.zigzag();
      load(r, c.cp_high_1h_);
    } else {
      // Before version 3 the card's first time was not kept: counting its
      // history from now makes its usual daily spend high, never low, so
      // that a restored card is not taken for a spree (the estimate comes
      // right as days pass).
      c.first_event_ms_ = c.last_event_ms_;
    }
    // Before version 4 large purchases of goods were not remembered: a
    // restored card's week starts empty, as a new card's does.
    if (version >= 4)
      load(r, c.goods_high_7d_);
    ids.next_ = r.u8();
    if (ids.next_ >= recent_ids::capacity)
      r.fail();
    for (auto& id : ids.ids_)
      id = r.fixed<std::uint32_t>();
    recent_decisions decisions;
    if (version >= 2) {
      auto n = r.u8();
      if (n > recent_decisions::max_capacity)
        return error{ec::malformed, "card snapshot keeps too many decisions"};
      for (std::uint8_t k = 0; k < n && r.ok(); ++k) {
        auto tx_id = r.bytes(r.varint());
        auto d = r.bytes(r.varint());
        if (r.ok())
          decisions.add(tx_id, d, recent_decisions::max_capacity);
      }
      if (r.ok() && decisions.size() != n)
        return error{ec::malformed, "card snapshot has a decision too large"};
    }
    if (!r.ok())
      return error{ec::malformed, "card snapshot is truncated or corrupted"};
    if (!r.at_end())
      return error{ec::malformed, "card snapshot has trailing bytes"};
    out_card = c;
    out_ids = ids;
    if (out_decisions != nullptr)
      *out_decisions = std::move(decisions);
    return {};
  }
};

void save_snapshot(const card_state& card, const recent_ids& recent,
                   const recent_decisions& decisions, std::string& out) {
  snapshot_codec::save(card, recent, decisions, out);
}

void save_snapshot(const card_state& card, const recent_ids& recent,
                   std::string& out) {
  snapshot_codec::save(card, recent, recent_decisions{}, out);
}

error load_snapshot(std::string_view bytes, card_state& card,
                    recent_ids& recent, recent_decisions& decisions) {
  return snapshot_codec::load(bytes, card, recent, &decisions);
}

error load_snapshot(std::string_view bytes, card_state& card,
                    recent_ids& recent) {
  return snapshot_codec::load(bytes, card, recent, nullptr);
}

} // namespace fraud::models
