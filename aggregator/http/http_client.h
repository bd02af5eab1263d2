// A small blocking HTTP/1.1 client (Boost.Beast) for what one instance asks another: GET of
// a URL "http://HOST:PORT/path?query", with one deadline for connect, send and receive.
// No Beast type appears here. Thread-safe: each call has its own connection.
#pragma once

#include <chrono>
#include <string>

namespace naervaer::http {

struct ClientResponse {
  int status = 0;     // 0: no answer (see error)
  std::string body;   // the answer's body, whatever its status
  std::string error;  // why there was no answer: "connection refused", "timed out", ...
};

// GET `url`. Only plain http; a URL it cannot use is an error, not an exception.
// `authorization`, when not empty, is sent as the Authorization header.
ClientResponse get(const std::string& url, std::chrono::milliseconds deadline = std::chrono::seconds(10),
                   const std::string& authorization = {});

// The Authorization header of HTTP basic authentication for "user:password".
std::string basic_authorization(const std::string& user_colon_password);

}  // namespace naervaer::http
