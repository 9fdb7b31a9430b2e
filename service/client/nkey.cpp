#include "service/client/nkey.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace fraud::service::nkey {

namespace {

constexpr unsigned char seed_prefix = 18 << 3;  // 'S'
constexpr std::size_t key_bytes = 32;
constexpr std::size_t signature_bytes = 64;
constexpr std::size_t seed_chars = 58;        // base32 of 2 + 32 + 2 bytes
constexpr std::size_t public_key_chars = 56;  // base32 of 1 + 32 + 2 bytes
// Far more than any key file nsc writes; a bigger file is something else.
constexpr off_t max_seed_file_bytes = 64 * 1024;

// Bytes that held a seed, cleared when they go: a copy left in freed
// memory can end up in a core file or a swapped-out page.
struct secret {
  std::string bytes;
  secret() = default;
  secret(const secret&) = delete;
  secret& operator=(const secret&) = delete;
  ~secret() {
    OPENSSL_cleanse(bytes.data(), bytes.size());
  }
  const unsigned char* data() const {
    return reinterpret_cast<const unsigned char*>(bytes.data());
  }
};

struct pkey_free {
  void operator()(EVP_PKEY* p) const {
    EVP_PKEY_free(p);
  }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const {
    EVP_MD_CTX_free(c);
  }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

// Each kind with nkeys' PrefixByte for it: the letter its public key
// starts with.
struct kind {
  key_type type;
  unsigned char prefix;
  const char* name;
};
constexpr kind kinds[] = {
  {key_type::user, 20 << 3, "user"},           // 'U'
  {key_type::account, 0, "account"},           // 'A'
  {key_type::operator_, 14 << 3, "operator"},  // 'O'
};

const kind& kind_of(key_type type) {
  for (auto& k : kinds)
    if (k.type == type)
      return k;
  return kinds[0];
}

unsigned char prefix_of(key_type type) {
  return kind_of(type).prefix;
}

const char* name_of(key_type type) {
  return kind_of(type).name;
}

// The kind whose prefix is `prefix`, if any of ours.
const kind* kind_with_prefix(unsigned char prefix) {
  for (auto& k : kinds)
    if (k.prefix == prefix)
      return &k;
  return nullptr;
}

// nkeys' EncodeSeed spreads the seed and key-type prefixes over two bytes
// so that both show in the text: "SU", "SA", "SO".
std::string seed_prefix_bytes(key_type type) {
  auto p = prefix_of(type);
  return {static_cast<char>(seed_prefix | (p >> 5)),
          static_cast<char>((p & 31) << 3)};
}

// CRC-16/XMODEM, as nkeys' crc16.go computes it from a table.
std::uint16_t crc16(const unsigned char* p, std::size_t n) {
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= static_cast<std::uint16_t>(p[i] << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
  }
  return crc;
}

constexpr char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

} // namespace

std::string base32_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() * 8 + 4) / 5);  // no reallocation: it may be a seed
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32_alphabet[(acc >> bits) & 31];
    }
  }
  if (bits > 0)
    out += base32_alphabet[(acc << (5 - bits)) & 31];
  return out;
}

namespace {

// Decodes unpadded RFC 4648 base32 into `out` (reserved first, so that no
// reallocation leaves a copy of a seed behind). Only the canonical text of
// some bytes is accepted: upper case, and unused trailing bits zero, so
// that one key has one spelling.
bool base32_decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size() * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    std::uint32_t v = 0;
    if (c >= 'A' && c <= 'Z')
      v = static_cast<std::uint32_t>(c - 'A');
    else if (c >= '2' && c <= '7')
      v = static_cast<std::uint32_t>(c - '2' + 26);
    else
      return false;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return bits < 5 && (acc & ((1u << bits) - 1)) == 0;
}

// prefix + payload + CRC16 (little-endian), in base32.
std::string encode(std::string prefix, const unsigned char* payload) {
  secret raw;
  raw.bytes = std::move(prefix);
  raw.bytes.reserve(raw.bytes.size() + key_bytes + 2);
  raw.bytes.append(reinterpret_cast<const char*>(payload), key_bytes);
  auto crc = crc16(raw.data(), raw.bytes.size());
  raw.bytes += static_cast<char>(crc & 0xff);
  raw.bytes += static_cast<char>(crc >> 8);
  return base32_encode(raw.bytes);
}

// Base32 with a valid trailing CRC16, or an error saying which it lacks.
// The text is never quoted: it may be a seed.
fraud::error decode_checked(std::string_view text, std::size_t chars,
                            const char* what, std::string& raw) {
  if (text.size() != chars)
    return make_error(ec::config_error, std::string{"not "} + what + " ("
                                          + std::to_string(chars)
                                          + " characters, it has "
                                          + std::to_string(text.size()) + ")");
  if (!base32_decode(text, raw) || raw.size() < 3)
    return make_error(ec::config_error,
                      std::string{"not "} + what + " (not base32 text)");
  auto n = raw.size() - 2;
  auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  auto stored = static_cast<std::uint16_t>(p[n] | (p[n + 1] << 8));
  if (crc16(p, n) != stored)
    return make_error(ec::config_error,
                      std::string{"not "} + what
                        + " (its checksum does not match: mistyped or cut?)");
  return {};
}

// The 32-byte ed25519 seed inside the text of a seed of kind `type`.
fraud::error decode_seed(std::string_view text, key_type type, secret& seed) {
  auto what = std::string{"a "} + name_of(type) + " seed";
  secret raw;
  if (auto err = decode_checked(text, seed_chars, what.c_str(), raw.bytes))
    return err;
  auto* p = raw.data();
  // nkeys' DecodeSeed, undone the same way.
  auto seed_byte = static_cast<unsigned char>(p[0] & 248);
  auto prefix =
    static_cast<unsigned char>(((p[0] & 7) << 5) | ((p[1] & 248) >> 3));
  if (seed_byte != seed_prefix || prefix != prefix_of(type)) {
    // Which kind it is, so that whoever swapped two key files sees it;
    // the letters of the kind are no secret.
    auto* found = kind_with_prefix(prefix);
    std::string is = "not an operator, account or user seed either";
    if (seed_byte == seed_prefix && found)
      is = std::string{"it is "}
           + (found->type == key_type::user ? "a " : "an ") + found->name
           + " seed";
    return make_error(ec::config_error,
                      "not " + what + " (" + is + "; " + what + " starts S"
                        + base32_alphabet[prefix_of(type) >> 3] + ")");
  }
  seed.bytes.assign(raw.bytes, 2, key_bytes);
  return {};
}

bool decode_public_key(std::string_view text, key_type type,
                       std::array<unsigned char, key_bytes>& key) {
  std::string raw;
  if (decode_checked(text, public_key_chars, "a public key", raw))
    return false;
  if (static_cast<unsigned char>(raw[0]) != prefix_of(type))
    return false;
  std::memcpy(key.data(), raw.data() + 1, key_bytes);
  return true;
}

fraud::expected<pkey_ptr> private_key(const std::string& seed_text,
                                      key_type type) {
  secret seed;
  if (auto err = decode_seed(seed_text, type, seed))
    return err;
  pkey_ptr key{EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                            seed.data(), key_bytes)};
  if (!key)
    return make_error(ec::internal, "OpenSSL cannot make an ed25519 key");
  return key;
}

std::string errno_text() {
  return std::strerror(errno);
}

} // namespace

std::string generate_seed(key_type type) {
  std::array<unsigned char, key_bytes> seed{};
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    std::fputs("fraud: the random source failed while making a key\n",
               stderr);
    std::abort();
  }
  auto out = encode(seed_prefix_bytes(type), seed.data());
  OPENSSL_cleanse(seed.data(), seed.size());
  return out;
}

std::string generate_user_seed() {
  return generate_seed(key_type::user);
}

fraud::expected<std::string> public_key(const std::string& seed,
                                        key_type type) {
  auto key = private_key(seed, type);
  if (!key)
    return key.error();
  std::array<unsigned char, key_bytes> pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key->get(), pub.data(), &len) != 1
      || len != pub.size())
    return make_error(ec::internal, "OpenSSL cannot derive a public key");
  return encode(std::string(1, static_cast<char>(prefix_of(type))),
                pub.data());
}

bool is_user_public_key(std::string_view key) {
  std::array<unsigned char, key_bytes> raw{};
  return decode_public_key(key, key_type::user, raw);
}

fraud::expected<std::string> sign(const std::string& seed,
                                  std::string_view data, key_type type) {
  auto key = private_key(seed, type);
  if (!key)
    return key.error();
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  std::string sig(signature_bytes, '\0');
  std::size_t len = sig.size();
  if (!ctx
      || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get())
           != 1
      || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                        &len,
                        reinterpret_cast<const unsigned char*>(data.data()),
                        data.size())
           != 1
      || len != signature_bytes)
    return make_error(ec::internal, "OpenSSL cannot sign with ed25519");
  return sig;
}

bool verify(const std::string& public_key, std::string_view data,
            std::string_view signature, key_type type) {
  std::array<unsigned char, key_bytes> raw{};
  if (signature.size() != signature_bytes
      || !decode_public_key(public_key, type, raw))
    return false;
  pkey_ptr key{EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           raw.data(), raw.size())};
  md_ctx_ptr ctx{EVP_MD_CTX_new()};
  return key && ctx
         && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                                 key.get())
              == 1
         && EVP_DigestVerify(
              ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
              signature.size(),
              reinterpret_cast<const unsigned char*>(data.data()), data.size())
              == 1;
}

fraud::expected<std::string> read_seed_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO planted at `path` must not hang us before
  // fstat can refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return make_error(ec::config_error,
                      "cannot open key file " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = errno_text();
    ::close(fd);
    return make_error(ec::config_error, "cannot stat " + path + ": " + err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ec::config_error,
                      "key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return make_error(ec::config_error,
                      std::string{"permissions "} + mode + " of key file "
                        + path
                        + " are too open: a key must be private to its "
                          "owner; chmod 600 "
                        + path);
  }
  if (st.st_size > max_seed_file_bytes) {
    ::close(fd);
    return make_error(ec::config_error,
                      "key file " + path + " is too large to hold a seed");
  }
  secret content;
  content.bytes.resize(static_cast<std::size_t>(max_seed_file_bytes) + 1);
  std::size_t got = 0;
  while (got < content.bytes.size()) {
    auto n = ::read(fd, content.bytes.data() + got, content.bytes.size() - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = errno_text();
      ::close(fd);
      return make_error(ec::config_error, "cannot read " + path + ": " + err);
    }
    if (n == 0)
      break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > static_cast<std::size_t>(max_seed_file_bytes))
    return make_error(ec::config_error,
                      "key file " + path + " is too large to hold a seed");
  std::string_view text{content.bytes.data(), got};
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{}
                                         : text.substr(end + 1);
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
      continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (line.substr(0, 2) != "SU")
      continue;
    // The first SU line is the one nats.c would use: if it is not a seed,
    // say so rather than look further and sign with another.
    secret raw;
    if (auto err = decode_seed(line, key_type::user, raw))
      return with_context(err, path + ", line " + std::to_string(line_no));
    return std::string{line};
  }
  return make_error(ec::config_error,
                    "no user seed (a line starting SU) in " + path);
}

fraud::error write_seed_file(const std::string& path, const std::string& seed) {
  secret raw;
  if (auto err = decode_seed(seed, key_type::user, raw))
    return with_context(err, "not writing " + path);
  // O_EXCL refuses any existing name, a dangling link included; O_NOFOLLOW
  // says the same again for whoever reads this.
  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return make_error(ec::config_error,
                        path + " already exists: a key file is never "
                               "overwritten");
    return make_error(ec::config_error,
                      "cannot create " + path + ": " + errno_text());
  }
  auto write_all = [fd](const char* p, std::size_t n) {
    while (n > 0) {
      auto w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  };
  bool ok = write_all(seed.data(), seed.size()) && write_all("\n", 1)
            && ::fsync(fd) == 0;
  auto err = errno_text();
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return make_error(ec::config_error, "cannot write " + path + ": " + err);
  }
  return {};
}

} // namespace fraud::service::nkey
