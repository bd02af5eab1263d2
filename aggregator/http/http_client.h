// A small blocking HTTP/1.1 client (Boost.Beast) for what one instance asks another: GET of
// a URL "http://HOST:PORT/path?query" or "https://...", with one deadline for connect, TLS
// handshake, send and receive. No Beast type appears here. Thread-safe: each call has its
// own connection.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace naervaer::http {

struct ClientResponse {
  int status = 0;     // 0: no answer (see error)
  std::string body;   // the answer's body, whatever its status
  std::string error;  // why there was no answer: "connection refused", "timed out", ...
};

struct ClientOptions {
  std::chrono::milliseconds deadline = std::chrono::seconds(10);
  std::string authorization;  // when not empty, sent as the Authorization header
  // For https: the CA certificates (PEM) a server's certificate must chain to; empty: the
  // system's. The certificate must also name the URL's host (or IP address).
  std::filesystem::path ca_file;
  // false: any certificate is taken. Only for a liveness probe on loopback, which sends no
  // credential and reads only the status.
  bool verify_certificate = true;
};

// GET `url` (http or https). A URL it cannot use, a refused connection or a certificate
// that does not verify is an error in the response, not an exception.
ClientResponse get(const std::string& url, const ClientOptions& options = {});

// The Authorization header of HTTP basic authentication for "user:password".
std::string basic_authorization(const std::string& user_colon_password);

}  // namespace naervaer::http
