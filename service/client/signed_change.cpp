#include "service/client/signed_change.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "service/client/nats_connection.hpp"
#include "service/client/nkey.hpp"

namespace fraud::service {

namespace {

constexpr std::size_t nonce_bytes = 16;
constexpr std::size_t signature_bytes = 64;
// Up to year 33658: any clock fraudd will see, and no overflow.
constexpr std::size_t max_signed_at_digits = 15;
constexpr std::size_t max_name_chars = 64;
constexpr std::size_t public_key_chars = 56;
constexpr off_t max_keyring_bytes = 1024 * 1024;

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

// The bytes of exactly `n` bytes' worth of lower-case hex, or false. One
// spelling per value: what is signed is compared as text.
bool from_hex(std::string_view text, std::size_t n, std::string& out) {
  if (text.size() != 2 * n)
    return false;
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

bool parse_ms(std::string_view text, std::int64_t& ms) {
  if (text.empty() || text.size() > max_signed_at_digits)
    return false;
  ms = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    ms = ms * 10 + (c - '0');
  }
  return true;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(),
                 nullptr)
      != 1) {
    // Only an allocation can fail here. Carrying on would sign, or accept,
    // one text for every body: stop instead, as a failed new would.
    std::fputs("fraud: SHA-256 failed\n", stderr);
    std::abort();
  }
  return to_hex(md.data(), len);
}

// "120 s"; "1500 ms" where seconds would round too much.
std::string duration_words(std::int64_t ms) {
  return ms % 1000 == 0 || ms >= 10'000 ? std::to_string(ms / 1000) + " s"
                                        : std::to_string(ms) + " ms";
}

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@'
         || c == '-';
}

bool is_analyst_name(const std::string& name) {
  if (name.empty() || name.size() > max_name_chars)
    return false;
  for (char c : name)
    if (!is_name_char(c))
      return false;
  return true;
}

fraud::error denied(std::string what) {
  return make_error(ec::permission_denied, std::move(what));
}

} // namespace

std::string change_signing_text(std::string_view subject,
                                std::string_view body,
                                std::string_view signed_at,
                                std::string_view nonce) {
  std::string text = "fraud-change-v1\n";
  text.append(subject).append("\n");
  text.append(signed_at).append("\n");
  text.append(nonce).append("\n");
  text += sha256_hex(body);
  return text;
}

fraud::expected<change_signature> sign_change(const std::string& seed,
                                              std::string_view subject,
                                              std::string_view body,
                                              std::int64_t now_ms) {
  change_signature sig;
  auto signer = nkey::public_key(seed);
  if (!signer)
    return signer.error();
  sig.signer = std::move(*signer);
  std::array<unsigned char, nonce_bytes> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    return make_error(ec::internal, "the random source failed");
  sig.nonce = to_hex(nonce.data(), nonce.size());
  sig.signed_at = std::to_string(now_ms);
  auto raw = nkey::sign(seed, change_signing_text(subject, body,
                                                  sig.signed_at, sig.nonce));
  if (!raw)
    return raw.error();
  sig.signature = to_hex(reinterpret_cast<const unsigned char*>(raw->data()),
                         raw->size());
  return sig;
}

fraud::error set_change_headers(natsMsg* msg, const change_signature& sig) {
  for (auto [key, value] : {std::pair{signer_header, &sig.signer},
                            std::pair{signed_at_header, &sig.signed_at},
                            std::pair{nonce_header, &sig.nonce},
                            std::pair{signature_header, &sig.signature}}) {
    auto s = natsMsgHeader_Set(msg, key, value->c_str());
    if (s != NATS_OK)
      return make_error(ec::nats_error, std::string{"cannot set header "}
                                          + key + ": " + describe(s));
  }
  return {};
}

change_signature read_change_headers(natsMsg* msg) {
  // A header given twice reads as its first value: everything that
  // matters in it is signed or checked against the signer's key anyway.
  auto get = [msg](const char* key) {
    const char* value = nullptr;
    if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr)
      return std::string{};
    return std::string{value};
  };
  return {get(signer_header), get(signed_at_header), get(nonce_header),
          get(signature_header)};
}

fraud::expected<analyst_keyring>
analyst_keyring::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return make_error(ec::config_error, "cannot open analyst keys " + path
                                          + ": " + std::strerror(errno));
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0)
    problem = std::string{"cannot stat it: "} + std::strerror(errno);
  else if (!S_ISREG(st.st_mode))
    problem = "not a regular file";
  else if ((st.st_mode & 022) != 0)
    problem = "others may change it, and so make themselves analysts; "
              "chmod go-w "
              + path;
  else if (st.st_size > max_keyring_bytes)
    problem = "too large for a list of keys";
  std::string text;
  if (problem.empty()) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      auto n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        problem = n < 0 ? std::string{"cannot read it: "} + std::strerror(errno)
                        : "it shrank while being read";
        break;
      }
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (!problem.empty())
    return make_error(ec::config_error,
                      "analyst keys " + path + ": " + problem);
  return parse(text, path);
}

fraud::expected<analyst_keyring>
analyst_keyring::parse(std::string_view text, const std::string& origin) {
  analyst_keyring ring;
  std::istringstream lines{std::string{text}};
  std::string line;
  for (int line_no = 1; std::getline(lines, line); ++line_no) {
    std::istringstream words_of{line.substr(0, line.find('#'))};
    std::vector<std::string> words{std::istream_iterator<std::string>{words_of},
                                   {}};
    auto where = origin + ":" + std::to_string(line_no);
    if (words.empty())
      continue;
    if (words.size() != 2)
      return make_error(ec::config_error,
                        where + ": expected \"<name> <public key>\"");
    if (auto err = ring.add(words[0], words[1]))
      return with_context(err, where);
  }
  return ring;
}

fraud::error analyst_keyring::add(const std::string& name,
                                  const std::string& public_key) {
  // Neither the name nor the key is quoted until it is known to be
  // harmless: a seed pasted here by mistake must not reach a log.
  if (!is_analyst_name(name))
    return make_error(ec::config_error,
                      "an analyst name is 1 to 64 of A-Z a-z 0-9 _ . @ -");
  if (public_key.size() == 58 && public_key[0] == 'S')
    return make_error(ec::config_error,
                      "the key of " + name
                        + " is a seed, a secret: remove it from this file "
                          "and make a new key, this one is no longer "
                          "secret");
  if (!nkey::is_user_public_key(public_key))
    return make_error(ec::config_error,
                      "the key of " + name + " is not a user public key ("
                        + std::to_string(public_key_chars)
                        + " characters starting U)");
  if (names_.count(name) != 0)
    return make_error(ec::config_error, name + " is listed twice");
  auto known = name_by_key_.find(public_key);
  if (known != name_by_key_.end())
    return make_error(ec::config_error, "the key of " + name
                                          + " is already " + known->second
                                          + "'s");
  names_.insert(name);
  name_by_key_.emplace(public_key, name);
  return {};
}

const std::string*
analyst_keyring::name_of(const std::string& public_key) const {
  auto i = name_by_key_.find(public_key);
  return i == name_by_key_.end() ? nullptr : &i->second;
}

change_verifier::change_verifier(analyst_keyring keyring,
                                 std::int64_t max_skew_ms,
                                 std::size_t max_nonces)
  : keyring_(std::make_shared<const analyst_keyring>(std::move(keyring))),
    max_skew_ms_(max_skew_ms < 0 ? 0 : max_skew_ms),
    max_nonces_(max_nonces) {
}

std::shared_ptr<const analyst_keyring> change_verifier::keyring() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return keyring_;
}

void change_verifier::replace_keyring(analyst_keyring keyring) {
  auto fresh = std::make_shared<const analyst_keyring>(std::move(keyring));
  std::lock_guard<std::mutex> guard{mtx_};
  keyring_ = std::move(fresh);
}

std::size_t change_verifier::remembered_nonces() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return nonces_.size();
}

fraud::expected<analyst_identity>
change_verifier::verify(std::string_view subject, std::string_view body,
                        const change_signature& sig, std::int64_t now_ms) {
  auto keys = keyring();
  if (keys->empty())
    return denied("no analyst keys are configured (--analyst-keys): every "
                  "change is refused");
  if (sig.signer.empty() && sig.signed_at.empty() && sig.nonce.empty()
      && sig.signature.empty())
    return denied("unsigned change: sign it with an analyst NKey (fraudctl "
                  "--nats-nkey)");
  for (auto [header, value] :
       {std::pair{signer_header, &sig.signer},
        std::pair{signed_at_header, &sig.signed_at},
        std::pair{nonce_header, &sig.nonce},
        std::pair{signature_header, &sig.signature}})
    if (value->empty())
      return denied(std::string{"incomplete signature: no "} + header
                    + " header");
  // Only a well-formed key is quoted back: the header is anyone's text.
  if (!nkey::is_user_public_key(sig.signer))
    return denied(std::string{signer_header}
                  + " is not a user public key (56 characters starting U)");
  auto* name = keys->name_of(sig.signer);
  if (name == nullptr)
    return denied("signer " + sig.signer
                  + " is not an analyst key fraudd trusts");
  std::int64_t signed_at = 0;
  if (!parse_ms(sig.signed_at, signed_at))
    return denied(std::string{signed_at_header}
                  + " is not milliseconds since the epoch");
  std::string nonce;
  if (!from_hex(sig.nonce, nonce_bytes, nonce))
    return denied(std::string{nonce_header} + " is not "
                  + std::to_string(2 * nonce_bytes)
                  + " lower-case hex digits");
  std::string raw_signature;
  if (!from_hex(sig.signature, signature_bytes, raw_signature))
    return denied(std::string{signature_header} + " is not "
                  + std::to_string(2 * signature_bytes)
                  + " lower-case hex digits");
  auto text = change_signing_text(subject, body, sig.signed_at, sig.nonce);
  if (!nkey::verify(sig.signer, text, raw_signature))
    return denied("bad signature: this is not the change " + sig.signer
                  + " (" + *name + ") signed");
  std::lock_guard<std::mutex> guard{mtx_};
  // Nonces are forgotten by the latest reading of the clock, so that a
  // clock stepped back does not reopen the window of a forgotten one.
  clock_ms_ = std::max(clock_ms_, now_ms);
  bool stale = signed_at < clock_ms_ - max_skew_ms_;
  if (stale || signed_at > now_ms + max_skew_ms_)
    return denied("signed at " + sig.signed_at + " is more than "
                  + duration_words(max_skew_ms_) + " from fraudd's clock ("
                  + (stale ? duration_words(clock_ms_ - signed_at) + " behind"
                           : duration_words(signed_at - now_ms) + " ahead")
                  + "): check the clock where it was signed");
  while (!expiries_.empty() && expiries_.begin()->first < clock_ms_) {
    nonces_.erase(expiries_.begin()->second);
    expiries_.erase(expiries_.begin());
  }
  auto key = sig.signer + " " + sig.nonce;
  if (nonces_.count(key) != 0)
    return denied("nonce already used (a replayed request)");
  // Full of nonces still within the window: forgetting one would let its
  // request be replayed, so refuse new changes until some expire.
  if (nonces_.size() >= max_nonces_)
    return make_error(ec::limit_exceeded,
                      "more than " + std::to_string(max_nonces_)
                        + " signed changes within "
                        + duration_words(max_skew_ms_)
                        + ": fraudd cannot remember more nonces; try again "
                          "later");
  nonces_.insert(key);
  expiries_.emplace(signed_at + max_skew_ms_, std::move(key));
  return analyst_identity{*name, sig.signer};
}

} // namespace fraud::service
