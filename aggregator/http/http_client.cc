#include "http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace naervaer::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Target {
  bool tls = false;
  std::string host, port, path;
};

// "http[s]://HOST[:PORT][/path]": anything else (another scheme, user info) is refused.
bool split_url(const std::string& url, Target& t) {
  static constexpr std::string_view kHttp = "http://";
  static constexpr std::string_view kHttps = "https://";
  std::string rest;
  if (url.starts_with(kHttp)) {
    rest = url.substr(kHttp.size());
  } else if (url.starts_with(kHttps)) {
    rest = url.substr(kHttps.size());
    t.tls = true;
  } else {
    return false;
  }
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return false;
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos || authority.back() == ']') {
    t.host = authority;
    t.port = t.tls ? "443" : "80";
  } else {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  }
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']') t.host = t.host.substr(1, t.host.size() - 2);
  return !t.host.empty() && !t.port.empty();
}

// Connects, (with TLS: shakes hands, checking the certificate's chain and name), sends the
// request and reads the answer, all under the stream's one timer; the first failure wins.
template <class Stream>
beast::error_code exchange(asio::io_context& io, Stream& stream, const Target& t,
                           const bhttp::request<bhttp::empty_body>& request,
                           bhttp::response_parser<bhttp::string_body>& parser) {
  beast::error_code failure;
  beast::flat_buffer buffer;
  auto& lowest = beast::get_lowest_layer(stream);
  auto send = [&] {
    bhttp::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        failure = wec;
        return;
      }
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) { failure = rec; });
    });
  };
  tcp::resolver resolver(io);
  resolver.async_resolve(t.host, t.port, [&](beast::error_code ec, const tcp::resolver::results_type& endpoints) {
    if (ec) {
      failure = ec;
      return;
    }
    lowest.async_connect(endpoints, [&](beast::error_code cec, const tcp::endpoint&) {
      if (cec) {
        failure = cec;
        return;
      }
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        send();
      } else {
        stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code hec) {
          if (hec) {
            failure = hec;
            return;
          }
          send();
        });
      }
    });
  });
  io.run();
  beast::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return failure;
}

// `verify_result`: OpenSSL's verdict on the certificate (X509_V_OK when it was not the
// certificate that failed): "certificate verify failed" alone does not say which check.
std::string describe(const beast::error_code& failure, std::chrono::milliseconds deadline, long verify_result) {
  if (failure == beast::error::timeout) return "no answer within " + std::to_string(deadline.count()) + " ms";
  std::string what = failure.message();
  if (failure.category() == asio::error::get_ssl_category()) {
    what = "TLS: " + what;
    if (verify_result != X509_V_OK) what += " (" + std::string(X509_verify_cert_error_string(verify_result)) + ")";
  }
  return what;
}

bool is_ip_address(const std::string& host) {
  beast::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

ClientResponse get(const std::string& url, const ClientOptions& options) {
  ClientResponse out;
  Target t;
  if (!split_url(url, t)) {
    out.error = "not a URL of the form http[s]://HOST:PORT/path: \"" + url + "\"";
    return out;
  }
  asio::io_context io;
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, t.path, 11};
  const bool ip = is_ip_address(t.host);
  const bool ipv6 = ip && t.host.find(':') != std::string::npos;
  request.set(bhttp::field::host, (ipv6 ? "[" + t.host + "]" : t.host) + ":" + t.port);
  request.set(bhttp::field::user_agent, "naervaer");
  if (!options.authorization.empty()) request.set(bhttp::field::authorization, options.authorization);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256U << 20);
  beast::error_code failure;
  long verify_result = X509_V_OK;
  if (!t.tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(options.deadline);  // one deadline for the whole exchange
    failure = exchange(io, stream, t, request, parser);
  } else {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (!options.verify_certificate) {
      tls.set_verify_mode(asio::ssl::verify_none);
    } else if (options.ca_file.empty()) {
      tls.set_default_verify_paths(ec);
    } else {
      tls.load_verify_file(options.ca_file.string(), ec);
    }
    if (ec) {
      out.error = "cannot use the CA certificates " +
                  (options.ca_file.empty() ? std::string("of the system") : options.ca_file.string()) + ": " +
                  ec.message();
      return out;
    }
    if (options.verify_certificate) tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    SSL* ssl = stream.native_handle();
    // The name (or IP address) the certificate must carry, checked by OpenSSL itself so that
    // a mismatch is reported as one ("hostname mismatch").
    if (options.verify_certificate) {
      const int set =
          ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) : SSL_set1_host(ssl, t.host.c_str());
      if (set != 1) {
        out.error = "TLS: cannot check certificates against the name " + t.host;
        return out;
      }
    }
    // SNI, for servers with several names (never an IP address: RFC 6066). This is
    // SSL_set_tlsext_host_name without its C cast (a macro over this call).
    if (!ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                        const_cast<char*>(t.host.c_str())) != 1) {
      out.error = "TLS: cannot set the server name " + t.host;
      return out;
    }
    beast::get_lowest_layer(stream).expires_after(options.deadline);
    failure = exchange(io, stream, t, request, parser);
    if (failure && options.verify_certificate) verify_result = SSL_get_verify_result(ssl);
  }
  if (failure) {
    out.error = describe(failure, options.deadline, verify_result);
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
