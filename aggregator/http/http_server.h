// A small HTTP/1.1 server (Boost.Beast) for the API and /metrics: keep-alive, GET only,
// runs its own threads. Binds to loopback unless told otherwise. No Beast type appears here.
// The handler is called concurrently from the server threads: it must be thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "web_config.h"

namespace naervaer::http {

struct Request {
  std::string method;
  std::string path;   // without the query
  std::string query;  // after '?', undecoded
  std::string user;   // who authenticated (basic authentication); empty without --web-config users
  // The units (and their descendants) this user may see (--web-config unit_scopes); none:
  // every unit.
  std::optional<std::vector<std::string>> unit_scope;
};

struct Response {
  Response() = default;
  Response(int status_code, std::string type, std::string content,
           std::vector<std::pair<std::string, std::string>> extra_headers = {})
      : status(status_code),
        content_type(std::move(type)),
        body(std::move(content)),
        headers(std::move(extra_headers)) {}

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Cache-Control
};

using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  // listen: "HOST:PORT" (port 0 picks a free one). With `web` users, every request but
  // /healthz and /readyz needs one of their passwords (401 otherwise); with its TLS files,
  // every connection is TLS (1.2 or later). With `web_config_file` (the file `web` was read
  // from), the file is read again when it or its certificate or key changes: new
  // connections and requests use it (rotation without a restart). Throws
  // std::runtime_error when the address cannot be bound or the TLS files used, naming them.
  Server(const std::string& listen, Handler handler, int threads = 2, const WebConfig& web = {},
         const std::filesystem::path& web_config_file = {});
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] std::string address() const;  // "HOST:PORT" as bound

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes one query parameter (percent-encoding and '+'); empty when missing.
std::string query_param(const std::string& query, const std::string& name);
// Decodes %XX escapes (and '+' as a space when plus_is_space, as in a query).
std::string percent_decode(std::string_view s, bool plus_is_space = false);
// Whether every '%' is followed by two hex digits.
bool valid_percent_encoding(std::string_view s);
// Encodes all but the unreserved characters (letters, digits, '-', '_', '.', '~') as %XX: a
// path segment or a query value.
std::string percent_encode(std::string_view s);

}  // namespace naervaer::http
