#include "tests/support/jwt.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

namespace fraud::test::jwt {

namespace {

namespace nkey = service::nkey;

// base64url without padding (RFC 4648 section 5), from OpenSSL's base64.
std::string base64url_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(raw.data()),
                           static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1
      || text.find_first_of("+/=") != std::string_view::npos)
    return std::nullopt;
  std::string in{text};
  for (auto& c : in)
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto padding = (4 - in.size() % 4) % 4;
  in.append(padding, '=');
  std::string out(in.size() / 4 * 3, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(in.data()),
                           static_cast<int>(in.size()));
  if (n < 0)
    return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

// A string as Go's json.Marshal writes it, HTML-safe escapes included.
std::string json_string(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c == 0xe2 && i + 2 < s.size() && s[i + 1] == '\x80'
               && (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      out += s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";  // JS line breaks
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A JSON object written field by field in the order of the Go struct, the
// omitempty ones left out when empty.
class json_object {
public:
  json_object& raw(std::string_view key, std::string_view json) {
    out_ += out_.size() > 1 ? ",\"" : "\"";
    out_.append(key);
    out_ += "\":";
    out_.append(json);
    return *this;
  }
  json_object& text(std::string_view key, std::string_view value) {
    return value.empty() ? *this : raw(key, json_string(value));
  }
  json_object& number(std::string_view key, std::int64_t value,
                      bool omit_zero = true) {
    return omit_zero && value == 0 ? *this : raw(key, std::to_string(value));
  }
  json_object& flag(std::string_view key, bool value) {
    return value ? raw(key, "true") : *this;
  }
  json_object& strings(std::string_view key,
                       const std::vector<std::string>& values) {
    if (values.empty())
      return *this;
    std::string list = "[";
    for (auto& v : values)
      list += (list.size() > 1 ? "," : "") + json_string(v);
    return raw(key, list + "]");
  }
  std::string str() const {
    return out_ + "}";
  }

private:
  std::string out_ = "{";
};

std::string sha512_256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha512_256(),
                 nullptr)
      != 1)
    return {};
  return {reinterpret_cast<char*>(digest), len};
}

// jwt's ClaimsData and the `nats` object of one kind of claims: `jti` is
// the hash of the first without it, as jwt computes it.
std::string claims_payload(const claims& c, const std::string& issuer,
                           const std::string& nats) {
  auto issued_at = c.issued_at != 0
                     ? c.issued_at
                     : static_cast<std::int64_t>(std::time(nullptr));
  auto data = [&](const std::string& jti) {
    json_object o;
    o.number("exp", c.expires)
      .text("jti", jti)
      .number("iat", issued_at)
      .text("iss", issuer)
      .text("name", c.name)
      .text("sub", c.subject);
    return o;
  };
  auto jti = nkey::base32_encode(sha512_256(data({}).str()));
  return data(jti).raw("nats", nats).str();
}

std::string permission_json(const permission& p) {
  return json_object{}.strings("allow", p.allow).strings("deny", p.deny).str();
}

constexpr int lib_version = 2;

} // namespace

std::string operator_payload(const claims& c, const std::string& issuer,
                             const std::string& system_account) {
  return claims_payload(c, issuer,
                 json_object{}
                   .text("system_account", system_account)
                   .text("type", "operator")
                   .number("version", lib_version)
                   .str());
}

std::string account_payload(const claims& c, const std::string& issuer) {
  // NewAccountClaims' limits: NoLimit (-1) everywhere, wildcard exports
  // allowed, JetStream off (its limits 0, so left out).
  auto limits = json_object{}
                  .number("subs", -1)
                  .number("data", -1)
                  .number("payload", -1)
                  .number("imports", -1)
                  .number("exports", -1)
                  .flag("wildcards", true)
                  .number("conn", -1)
                  .number("leaf", -1)
                  .str();
  return claims_payload(c, issuer,
                 json_object{}
                   .raw("limits", limits)
                   .raw("default_permissions", R"({"pub":{},"sub":{}})")
                   .text("type", "account")
                   .number("version", lib_version)
                   .str());
}

std::string user_payload(const claims& c, const std::string& issuer,
                         const user_permissions& p) {
  json_object nats;
  nats.raw("pub", permission_json(p.pub)).raw("sub", permission_json(p.sub));
  if (p.resp)
    nats.raw("resp", json_object{}
                       .number("max", p.resp->max_msgs, false)
                       .number("ttl", p.resp->ttl_ns, false)
                       .str());
  // NewUserClaims' limits: NoLimit.
  nats.number("subs", -1)
    .number("data", -1)
    .number("payload", -1)
    .text("type", "user")
    .number("version", lib_version);
  return claims_payload(c, issuer, nats.str());
}

fraud::expected<std::string> encode(const std::string& payload,
                                    const std::string& issuer_seed,
                                    key_type issuer) {
  auto text = base64url_encode(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "."
              + base64url_encode(payload);
  auto sig = nkey::sign(issuer_seed, text, issuer);
  if (!sig)
    return sig.error();
  return text + "." + base64url_encode(*sig);
}

fraud::expected<std::string> operator_jwt(const std::string& operator_seed,
                                          const std::string& name) {
  auto key = nkey::public_key(operator_seed, key_type::operator_);
  if (!key)
    return key.error();
  return encode(operator_payload({*key, name}, *key), operator_seed,
                key_type::operator_);
}

fraud::expected<std::string> account_jwt(const std::string& operator_seed,
                                         const std::string& account_key,
                                         const std::string& name) {
  auto issuer = nkey::public_key(operator_seed, key_type::operator_);
  if (!issuer)
    return issuer.error();
  return encode(account_payload({account_key, name}, *issuer), operator_seed,
                key_type::operator_);
}

fraud::expected<std::string> user_jwt(const std::string& account_seed,
                                      const std::string& user_key,
                                      const std::string& name,
                                      const user_permissions& p) {
  auto issuer = nkey::public_key(account_seed, key_type::account);
  if (!issuer)
    return issuer.error();
  return encode(user_payload({user_key, name}, *issuer, p), account_seed,
                key_type::account);
}

std::optional<parts> decode(const std::string& token) {
  auto first = token.find('.');
  auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos
      || token.find('.', second + 1) != std::string::npos)
    return std::nullopt;
  auto header = base64url_decode(std::string_view{token}.substr(0, first));
  auto payload = base64url_decode(
    std::string_view{token}.substr(first + 1, second - first - 1));
  auto signature =
    base64url_decode(std::string_view{token}.substr(second + 1));
  if (!header || !payload || !signature)
    return std::nullopt;
  return parts{*header, *payload, *signature};
}

bool verify(const std::string& token, const std::string& issuer_key,
            key_type issuer) {
  auto p = decode(token);
  return p
         && nkey::verify(issuer_key, token.substr(0, token.rfind('.')),
                         p->signature, issuer);
}

fraud::expected<std::string> resign(const std::string& token,
                                    const std::string& seed, key_type type) {
  auto text = token.substr(0, token.rfind('.'));
  auto sig = nkey::sign(seed, text, type);
  if (!sig)
    return sig.error();
  return text + "." + base64url_encode(*sig);
}

std::string creds_text(const std::string& user_jwt,
                       const std::string& user_seed) {
  return "-----BEGIN NATS USER JWT-----\n" + user_jwt
         + "\n------END NATS USER JWT------\n\n"
           "************************* IMPORTANT *************************\n"
           "NKEY Seed printed below can be used to sign and prove identity.\n"
           "NKEYs are sensitive and should be treated as secrets.\n\n"
           "-----BEGIN USER NKEY SEED-----\n" + user_seed
         + "\n------END USER NKEY SEED------\n\n"
           "*************************************************************\n";
}

fraud::error write_creds_file(const std::string& path,
                              const std::string& user_jwt,
                              const std::string& user_seed) {
  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ec::config_error,
                      "cannot create " + path + ": " + std::strerror(errno));
  auto text = creds_text(user_jwt, user_seed);
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != text.size())
    return make_error(ec::config_error, "cannot write " + path);
  return {};
}

std::string operator_mode_config(
  const std::string& operator_jwt,
  const std::vector<std::pair<std::string, std::string>>& accounts) {
  std::string preload;
  for (auto& [key, token] : accounts)
    preload += "  " + key + ": \"" + token + "\"\n";
  return "operator: \"" + operator_jwt + "\"\n"
         "resolver: MEMORY\n"
         "resolver_preload: {\n" + preload + "}\n";
}

} // namespace fraud::test::jwt
