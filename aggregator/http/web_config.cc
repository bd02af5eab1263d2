#include "web_config.h"

#include <crypt.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace naervaer::http {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// Drops a comment: a '#' at the start or after a space, outside quotes.
std::string without_comment(const std::string& line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw std::runtime_error(file_.string() + ":" + std::to_string(line) + ": " + what);
  }

  std::string scalar(std::size_t line, std::string v) const {
    v = trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
      if (v.back() != v.front()) fail(line, "a quote is not closed");
      return v.substr(1, v.size() - 2);
    }
    if (!v.empty() &&
        (v.front() == '{' || v.front() == '&' || v.front() == '*' || v.front() == '|' || v.front() == '>')) {
      fail(line, "this YAML is not read here: write plain or quoted values");
    }
    return v;
  }

  std::vector<std::string> flow_list(std::size_t line, const std::string& v) const {
    if (v.back() != ']') fail(line, "a list in brackets must end with ]");
    std::vector<std::string> out;
    const std::string inner = v.substr(1, v.size() - 2);
    std::size_t pos = 0;
    while (pos <= inner.size()) {
      const std::size_t comma = std::min(inner.find(',', pos), inner.size());
      const std::string item = scalar(line, inner.substr(pos, comma - pos));
      if (!item.empty()) out.push_back(item);
      pos = comma + 1;
    }
    return out;
  }

 private:
  std::filesystem::path file_;
};

bool is_bcrypt(const std::string& h) {
  return h.size() == 60 && h[0] == '$' && h[1] == '2' && (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$';
}

}  // namespace

WebConfig read_web_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  const Reader r(file);
  WebConfig out;
  std::optional<WebConfig::Tls> tls;
  std::string section;
  std::string list_key;  // the user whose "- unit" lines follow, in unit_scopes
  std::size_t number = 0;
  std::string raw;
  while (std::getline(in, raw)) {
    ++number;
    const std::string line = without_comment(raw);
    if (trim(line).empty()) continue;
    if (line.find('\t') != std::string::npos) r.fail(number, "a tab: indent with spaces");
    const std::size_t indent = line.find_first_not_of(' ');
    const std::string text = trim(line);
    if (indent == 0) {
      if (text.back() != ':')
        r.fail(number, "expected a section (tls_server_config:, basic_auth_users:, unit_scopes:)");
      section = text.substr(0, text.size() - 1);
      list_key.clear();
      if (section != "tls_server_config" && section != "basic_auth_users" && section != "unit_scopes") {
        r.fail(number, "unknown section \"" + section + "\" (tls_server_config, basic_auth_users, unit_scopes)");
      }
      if (section == "tls_server_config") tls.emplace();
      continue;
    }
    if (section.empty()) r.fail(number, "indented line outside a section");
    if (text.starts_with("- ")) {
      if (section != "unit_scopes" || list_key.empty()) r.fail(number, "a list item where none belongs");
      const std::string unit = r.scalar(number, text.substr(2));
      if (unit.empty()) r.fail(number, "an empty unit");
      out.unit_scopes[list_key].push_back(unit);
      continue;
    }
    const std::size_t colon = text.find(':');
    if (colon == std::string::npos) r.fail(number, "expected name: value");
    const std::string key = r.scalar(number, text.substr(0, colon));
    const std::string value_text = trim(text.substr(colon + 1));
    if (key.empty()) r.fail(number, "an empty name");
    if (section == "tls_server_config") {
      const std::string value = r.scalar(number, value_text);
      std::filesystem::path path = value;
      if (!value.empty() && path.is_relative()) path = file.parent_path() / path;
      if (key == "cert_file") {
        tls->cert_file = path;
      } else if (key == "key_file") {
        tls->key_file = path;
      } else if (key == "client_auth_type" || key == "client_ca_file" || key == "min_version" ||
                 key == "cipher_suites" || key == "curve_preferences" || key == "max_version" ||
                 key == "prefer_server_cipher_suites") {
        r.fail(number, key + " is not supported here (only cert_file and key_file)");
      } else {
        r.fail(number, "unknown TLS setting \"" + key + "\"");
      }
    } else if (section == "basic_auth_users") {
      const std::string hash = r.scalar(number, value_text);
      if (!is_bcrypt(hash))
        r.fail(number, "the password of \"" + key + "\" is not a bcrypt hash ($2y$..., 60 characters)");
      if (!out.users.emplace(key, hash).second) r.fail(number, "user \"" + key + "\" twice");
    } else {  // unit_scopes
      if (out.unit_scopes.count(key)) r.fail(number, "user \"" + key + "\" twice");
      if (value_text.empty()) {
        list_key = key;
        out.unit_scopes[key];
      } else if (value_text.front() == '[') {
        list_key.clear();
        out.unit_scopes[key] = r.flow_list(number, value_text);
      } else {
        list_key.clear();
        out.unit_scopes[key] = {r.scalar(number, value_text)};
      }
    }
  }
  if (tls) {
    if (tls->cert_file.empty() || tls->key_file.empty()) {
      throw std::runtime_error(file.string() + ": tls_server_config needs both cert_file and key_file");
    }
    out.tls = tls;
  }
  for (const auto& [user, units] : out.unit_scopes) {
    if (!out.users.count(user)) {
      throw std::runtime_error(file.string() + ": unit_scopes names \"" + user + "\", who is not in basic_auth_users");
    }
    if (units.empty()) throw std::runtime_error(file.string() + ": unit_scopes gives \"" + user + "\" no unit");
  }
  return out;
}

bool bcrypt_matches(const std::string& password, const std::string& hash) {
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), hash.c_str(), &data);
  if (out == nullptr || out[0] == '*') return false;
  // Compared in full, in time independent of where they differ.
  const std::size_t n = std::strlen(out);
  if (n != hash.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(out[i] ^ hash[i]);
  return diff == 0;
}

std::string bcrypt_hash(const std::string& password, int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt) == nullptr) {
    throw std::runtime_error("cannot make a bcrypt salt (libcrypt)");
  }
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), salt, &data);
  if (out == nullptr || out[0] == '*') throw std::runtime_error("cannot hash the password (libcrypt)");
  return out;
}

}  // namespace naervaer::http
