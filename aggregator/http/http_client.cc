#include "http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace naervaer::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  std::string host, port, path;
};

// "http://HOST[:PORT][/path]": anything else (https, user info) is refused by the caller.
bool split_url(const std::string& url, Target& t) {
  static constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  const std::string rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return false;
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    t.host = authority;
    t.port = "80";
  } else {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  }
  return !t.host.empty() && !t.port.empty();
}

}  // namespace

ClientResponse get(const std::string& url, std::chrono::milliseconds deadline, const std::string& authorization) {
  ClientResponse out;
  Target t;
  if (!split_url(url, t)) {
    out.error = "not a URL of the form http://HOST:PORT/path: \"" + url + "\"";
    return out;
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, t.path, 11};
  request.set(bhttp::field::host, t.host + ":" + t.port);
  request.set(bhttp::field::user_agent, "naervaer");
  if (!authorization.empty()) request.set(bhttp::field::authorization, authorization);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256U << 20);
  beast::error_code failure;
  // One deadline for the whole exchange: the stream's timer covers every step below.
  stream.expires_after(deadline);
  tcp::resolver resolver(io);
  resolver.async_resolve(t.host, t.port, [&](beast::error_code ec, const tcp::resolver::results_type& endpoints) {
    if (ec) {
      failure = ec;
      return;
    }
    stream.async_connect(endpoints, [&](beast::error_code cec, const tcp::endpoint&) {
      if (cec) {
        failure = cec;
        return;
      }
      bhttp::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
        if (wec) {
          failure = wec;
          return;
        }
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) { failure = rec; });
      });
    });
  });
  io.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) {
    out.error = failure == beast::error::timeout ? "no answer within " + std::to_string(deadline.count()) + " ms"
                                                 : failure.message();
    return out;
  }
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

std::string basic_authorization(const std::string& user_colon_password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : user_colon_password) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 0x3F]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 0x3F]);
  while ((out.size() - 6) % 4 != 0) out.push_back('=');
  return out;
}

}  // namespace naervaer::http
