// `--web-config FILE`: who may read the HTTP API and over what. The file is in the format of
// the Prometheus exporter-toolkit (so Prometheus and Grafana connect as to any exporter):
//
//   tls_server_config:
//     cert_file: /etc/naervaer/tls.crt     # relative paths: to the file's directory
//     key_file: /etc/naervaer/tls.key
//   basic_auth_users:
//     prometheus: $2y$10$...                # bcrypt (naervaer passwd makes one)
//     helse-leder: $2y$10$...
//   unit_scopes:                            # naervaer's own: users who see only some units
//     helse-leder: [helse]                  # and their descendants; the others see all
//
// Only this subset of YAML is read: maps of scalars two spaces deep, lists in brackets or
// as "- item" lines, quotes, comments.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace naervaer::http {

struct WebConfig {
  struct Tls {
    std::filesystem::path cert_file;
    std::filesystem::path key_file;
  };
  std::optional<Tls> tls;
  std::map<std::string, std::string> users;                     // name -> bcrypt hash
  std::map<std::string, std::vector<std::string>> unit_scopes;  // name -> units
};

// Reads and checks the file: throws std::runtime_error "FILE:LINE: what is wrong" (a
// hash that is not bcrypt, a scope for a user without a password, an unknown key, ...).
WebConfig read_web_config(const std::filesystem::path& file);

// Whether `password` matches the bcrypt `hash` (libcrypt; costs one bcrypt).
bool bcrypt_matches(const std::string& password, const std::string& hash);
// A new bcrypt hash of `password` ($2b$, a random salt). Cost 10 (2^10 rounds, tens of
// milliseconds) by default; tests use less where they need many checks quickly.
std::string bcrypt_hash(const std::string& password, int cost = 10);

}  // namespace naervaer::http
