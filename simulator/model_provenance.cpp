#include "simulator/model_provenance.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "models/fnv.hpp"

namespace fraud::simulator {

namespace {

constexpr const char* prefix = "fraud_sim.training.";

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// FNV-1a 64 over the whole stream, a buffer at a time.
std::uint64_t fingerprint(std::istream& in) {
  std::uint64_t h = 1469598103934665603ull;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 1099511628211ull;
    }
  }
  return h;
}

bool same_scenario(const protocol::dataset_header& a,
                   const protocol::dataset_header& b) {
  return a.cards == b.cards && a.days == b.days && a.fraud_rate == b.fraud_rate
         && a.start_ms == b.start_ms && a.generator == b.generator;
}

} // namespace

std::optional<dataset_identity> identify_dataset(const std::string& path,
                                                 std::string& error) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  dataset_identity d;
  d.path = path;
  {
    protocol::dataset_reader reader{in};
    if (!reader.read_header(d.header)) {
      error = path + ": " + reader.error();
      return std::nullopt;
    }
  }
  in.clear();
  in.seekg(0);
  d.fingerprint = hex64(fingerprint(in));
  d.rows = d.header.transactions;
  return d;
}

std::map<std::string, std::string>
training_attributes(const dataset_identity& d) {
  auto p = std::string{prefix};
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.17g", d.header.fraud_rate);
  return {{p + "dataset", d.path},
          {p + "fingerprint", d.fingerprint},
          {p + "seed", std::to_string(d.header.seed)},
          {p + "cards", std::to_string(d.header.cards)},
          {p + "days", std::to_string(d.header.days)},
          {p + "fraud_rate", rate},
          {p + "start_ms", std::to_string(d.header.start_ms)},
          {p + "generator", d.header.generator},
          {p + "rows", std::to_string(d.rows)},
          {p + "fraud_rows", std::to_string(d.fraud_rows)}};
}

std::optional<dataset_identity>
training_data_of(const std::map<std::string, std::string>& attributes) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = attributes.find(std::string{prefix} + key);
    return it == attributes.end() ? nullptr : &it->second;
  };
  auto* fp = get("fingerprint");
  auto* seed = get("seed");
  if (!fp || !seed)
    return std::nullopt;
  dataset_identity d;
  d.fingerprint = *fp;
  auto number = [&](const char* key) -> std::uint64_t {
    auto* v = get(key);
    return v ? std::strtoull(v->c_str(), nullptr, 10) : 0;
  };
  if (auto* v = get("dataset"))
    d.path = *v;
  if (auto* v = get("generator"))
    d.header.generator = *v;
  if (auto* v = get("fraud_rate"))
    d.header.fraud_rate = std::strtod(v->c_str(), nullptr);
  if (auto* v = get("start_ms"))
    d.header.start_ms = std::strtoll(v->c_str(), nullptr, 10);
  d.header.seed = number("seed");
  d.header.cards = static_cast<std::uint32_t>(number("cards"));
  d.header.days = static_cast<std::uint32_t>(number("days"));
  d.rows = number("rows");
  d.header.transactions = d.rows;
  d.fraud_rows = number("fraud_rows");
  return d;
}

data_overlap overlap(const dataset_identity& trained_on,
                     const dataset_identity& tested_on) {
  if (trained_on.fingerprint == tested_on.fingerprint)
    return data_overlap::same_data;
  if (trained_on.header.seed != tested_on.header.seed)
    return data_overlap::none;
  return same_scenario(trained_on.header, tested_on.header)
           ? data_overlap::same_data
           : data_overlap::same_seed;
}

std::string describe(const dataset_identity& d) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s (seed %llu, %u cards, %u days, fingerprint %s): %llu "
                "transactions",
                d.path.empty() ? "(unnamed)" : d.path.c_str(),
                static_cast<unsigned long long>(d.header.seed), d.header.cards,
                d.header.days, d.fingerprint.c_str(),
                static_cast<unsigned long long>(d.rows));
  std::string s = buf;
  if (d.fraud_rows > 0)
    s += ", " + std::to_string(d.fraud_rows) + " fraudulent";
  return s;
}

} // namespace fraud::simulator
