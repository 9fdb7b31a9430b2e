#include "protocol/label_file.hpp"

#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "protocol/dataset.hpp"

namespace fraud::protocol {

namespace {

fraud::error bad_file(const std::string& path, std::string why) {
  return fraud::error::in_field(ec::bad_request, "file",
                                path + ": " + std::move(why));
}

// Nothing when `in` does not start with a dataset header and `required`
// is false.
std::optional<fraud::expected<std::vector<label>>>
read_dataset(std::istream& in, const std::string& path,
             const std::string& source, std::int64_t at_ms, bool required) {
  dataset_reader reader{in};
  dataset_header header;
  if (!reader.read_header(header)) {
    if (!required)
      return std::nullopt;
    return fraud::expected<std::vector<label>>{bad_file(path, reader.error())};
  }
  std::vector<label> out;
  out.reserve(header.transactions);
  labeled_transaction r;
  while (reader.next(r))
    out.push_back(label{r.tx.tx_id,
                        r.label == fraud_label::legitimate ? outcome::legit
                                                           : outcome::fraud,
                        source, at_ms,
                        r.label == fraud_label::legitimate
                          ? std::string{}
                          : to_string(r.label)});
  if (!reader.error().empty())
    return fraud::expected<std::vector<label>>{bad_file(path, reader.error())};
  return fraud::expected<std::vector<label>>{std::move(out)};
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in{line};
  // The note is the rest of the line: it may hold commas.
  while (out.size() < 4 && std::getline(in, field, ','))
    out.push_back(field);
  if (std::getline(in, field))
    out.push_back(field);
  return out;
}

fraud::expected<std::vector<label>>
read_csv(std::istream& in, const std::string& path, const std::string& source,
         std::int64_t at_ms) {
  std::vector<label> out;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#'
        || (n == 1 && line.rfind("tx_id,", 0) == 0))
      continue;
    auto bad = [&](std::string why) {
      return bad_file(path, "line " + std::to_string(n) + ": "
                              + std::move(why));
    };
    auto f = split(line);
    if (f.size() < 2)
      return bad("expected tx_id,outcome[,source[,at_ms[,note]]]");
    label l{f[0], outcome::unspecified, source, at_ms, ""};
    if (!parse_outcome(f[1], l.result))
      return bad("outcome must be fraud or legit, not '" + f[1] + "'");
    if (f.size() > 2 && !f[2].empty())
      l.source = f[2];
    if (f.size() > 3 && !f[3].empty()) {
      auto* b = f[3].data();
      auto [end, err] = std::from_chars(b, b + f[3].size(), l.at_ms);
      if (err != std::errc{} || end != b + f[3].size() || l.at_ms < 0)
        return bad("at_ms must be Unix milliseconds, not '" + f[3] + "'");
    }
    if (f.size() > 4)
      l.note = f[4];
    // The checks fraudd makes, here too, so a bad line is found before
    // anything is sent.
    labels_add one{{l}};
    std::string bytes;
    encode(one, bytes);
    labels_add checked;
    // (The clock is fraudd's to check: any time will do here.)
    if (auto err = decode(bytes.data(), bytes.size(), checked,
                          std::numeric_limits<std::int64_t>::max()))
      return bad(err.field().substr(err.field().find('.') + 1) + " "
                 + err.what());
    out.push_back(std::move(l));
  }
  return out;
}

} // namespace

fraud::expected<std::vector<label>>
read_label_file(const std::string& path, label_file_format format,
                const std::string& source, std::int64_t at_ms) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return bad_file(path, "cannot be read");
  if (format != label_file_format::csv) {
    bool required = format == label_file_format::dataset;
    if (auto got = read_dataset(in, path, source, at_ms, required))
      return std::move(*got);
    in.clear();  // not a dataset: CSV, from the start
    in.seekg(0);
  }
  return read_csv(in, path, source, at_ms);
}

} // namespace fraud::protocol
