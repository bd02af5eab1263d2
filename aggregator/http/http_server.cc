#include "http_server.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace naervaer::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Open connections before idle ones are closed to make room: a scraper, a dashboard and a
// page need a few; hundreds are idle or slow clients, and must not lock out a liveness probe.
constexpr int kMaxSessions = 256;
// A request's headers must arrive within this of the connection or of the previous answer.
constexpr auto kFirstRequestTimeout = std::chrono::seconds(10);
constexpr auto kKeepAliveTimeout = std::chrono::seconds(30);
// Only GET and HEAD are served: a body beyond this is not read.
constexpr std::uint32_t kMaxRequestBytes = 16 * 1024;

class SessionBase;

// Every open session, and since when each has waited for a request (0: it is answering),
// so that at the limit the longest-waiting ones are closed instead of refusing a new one.
struct Registry {
  std::mutex mutex;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
};

class SessionBase {
 public:
  SessionBase() = default;
  virtual ~SessionBase() = default;
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;
  // Closes the connection from any thread (on its own strand).
  virtual void close() = 0;
  // Since when it has waited for a request, in steady-clock nanoseconds; 0 while answering.
  [[nodiscard]] std::int64_t waiting_since() const noexcept { return waiting_since_.load(); }

 protected:
  std::atomic<std::int64_t> waiting_since_{0};
};

std::string base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : in) {
    if (c == '=') break;
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return {};
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// Basic authentication against bcrypt hashes. A bcrypt costs tens of milliseconds, so a
// password once verified is remembered by a SHA-256 of the hash, the user and the password
// (as the exporter-toolkit caches; a changed hash is checked again): a page or a scrape
// does not pay it on every request. A wrong one is remembered too, and bcrypts are rationed
// (kBcryptsPerSecond, a burst of kBcryptBurst): someone guessing passwords gets 429 instead
// of occupying the HTTP threads, while users whose password was verified before are
// answered as ever. Shared by every reading of the web config, so that a reload (a renewed
// certificate) neither makes Prometheus and Grafana pay a bcrypt again nor refills the
// ration of someone guessing.
class PasswordChecks {
 public:
  static constexpr double kBcryptsPerSecond = 5;
  static constexpr double kBcryptBurst = 10;

  struct Outcome {
    std::optional<std::string> user;  // who, when the password is right
    bool throttled = false;           // not checked: too many bcrypts just now (429)
  };

  // The user of `users` named by a valid "Authorization: Basic ..." header; nothing otherwise.
  Outcome check(const std::map<std::string, std::string>& users, std::string_view authorization) {
    static constexpr std::string_view kBasic = "Basic ";
    if (authorization.size() <= kBasic.size() || !boost::algorithm::istarts_with(authorization, kBasic)) return {};
    const std::string pair = base64_decode(authorization.substr(kBasic.size()));
    const std::size_t colon = pair.find(':');
    if (colon == std::string::npos) return {};
    std::string name = pair.substr(0, colon);
    const std::string password = pair.substr(colon + 1);
    const auto it = users.find(name);
    if (it == users.end()) return {};
    const Digest digest = sha256(it->second + '\0' + name + '\0' + password);
    {
      std::lock_guard lock(mutex_);
      if (verified_.count(digest)) return {name, false};
      if (refused_.count(digest)) return {};
      if (!take_bcrypt_locked()) return {std::nullopt, true};
    }
    const bool right = bcrypt_matches(password, it->second);
    std::lock_guard lock(mutex_);
    std::set<Digest>& remembered = right ? verified_ : refused_;
    if (remembered.size() > 1000) remembered.clear();  // bounded, whatever is tried
    remembered.insert(digest);
    return right ? Outcome{name, false} : Outcome{};
  }

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest sha256(const std::string& text) {
    Digest d{};
    unsigned int n = 0;
    if (EVP_Digest(text.data(), text.size(), d.data(), &n, EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 failed");
    }
    return d;
  }
  // A token bucket: kBcryptBurst tokens, refilled at kBcryptsPerSecond.
  bool take_bcrypt_locked() {
    const auto now = std::chrono::steady_clock::now();
    tokens_ =
        std::min(kBcryptBurst, tokens_ + std::chrono::duration<double>(now - refilled_).count() * kBcryptsPerSecond);
    refilled_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  std::mutex mutex_;
  std::set<Digest> verified_;
  std::set<Digest> refused_;
  double tokens_ = kBcryptBurst;
  std::chrono::steady_clock::time_point refilled_ = std::chrono::steady_clock::now();
};

// What one reading of the web config allows: its users, their unit scopes and its TLS
// context. A changed file is read into a new Access and swapped in whole; a session keeps
// the TLS context it was accepted with, and each request is authenticated against the
// Access current when it arrives (a removed user is out at its next request).
struct Access {
  Access(const WebConfig& web, std::shared_ptr<PasswordChecks> password_checks)
      : users(web.users), unit_scopes(web.unit_scopes), tls_files(web.tls), checks(std::move(password_checks)) {
    if (!web.tls) return;
    tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls->use_certificate_chain_file(web.tls->cert_file.string(), ec);
    if (ec) throw std::runtime_error("cannot use the certificate " + web.tls->cert_file.string() + ": " + ec.message());
    tls->use_private_key_file(web.tls->key_file.string(), asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot use the private key " + web.tls->key_file.string() + ": " + ec.message());
  }
  [[nodiscard]] bool locked() const noexcept { return !users.empty(); }
  [[nodiscard]] WebConfig config() const { return WebConfig{tls_files, users, unit_scopes}; }
  [[nodiscard]] PasswordChecks::Outcome check(std::string_view authorization) const {
    return checks->check(users, authorization);
  }

  std::map<std::string, std::string> users;  // name -> bcrypt hash
  std::map<std::string, std::vector<std::string>> unit_scopes;
  std::optional<WebConfig::Tls> tls_files;
  std::shared_ptr<asio::ssl::context> tls;  // with TLS configured, every new connection is TLS
  std::shared_ptr<PasswordChecks> checks;
};

// What `fresh` would open that `old` kept closed, in words; empty when nothing. A file
// caught half-written (cut before its users, its scopes or its TLS) reads as exactly
// such a config, so a reload never widens access: that takes a restart.
std::string widens(const Access& old, const Access& fresh) {
  if (old.tls && !fresh.tls) return "turn TLS off";
  if (old.locked() && !fresh.locked()) return "leave the API without passwords";
  for (const auto& [user, hash] : fresh.users) {  // a scoped password under a new, unscoped name
    if (old.users.count(user) || fresh.unit_scopes.count(user)) continue;
    for (const auto& [scoped, units] : old.unit_scopes) {
      if (const auto it = old.users.find(scoped); it != old.users.end() && it->second == hash) {
        std::string what = "let ";
        what.append(user).append(" (with the password of ").append(scoped).append(") see every unit");
        return what;
      }
    }
  }
  for (const auto& [user, units] : old.unit_scopes) {
    if (!fresh.users.count(user)) continue;
    const auto it = fresh.unit_scopes.find(user);
    if (it == fresh.unit_scopes.end()) return "let " + user + " see every unit";
    for (const std::string& unit : it->second) {
      if (std::find(units.begin(), units.end(), unit) == units.end()) {
        std::string what = "let ";
        what.append(user).append(" see ").append(unit);
        return what;
      }
    }
  }
  return {};
}

// The web config as it is now: read again when the file, or the certificate or key it
// names, changed and then stayed the same for a second (checked at most once a second, on
// a connection or request), as the exporter-toolkit reads its file on every request. A
// file that does not read, or that would widen access, leaves the previous config in force,
// said once on standard error.
class AccessSource {
 public:
  AccessSource(const WebConfig& web, std::filesystem::path file)
      : file_(std::move(file)),
        checks_(std::make_shared<PasswordChecks>()),
        current_(std::make_shared<const Access>(web, checks_)),
        seen_(fingerprint(*current_)),
        tls_loaded_(tls_fingerprint(*current_)) {}

  std::shared_ptr<const Access> current() {
    if (!file_.empty()) {
      const std::int64_t now =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
              .count();
      std::int64_t last = last_check_ms_.load();
      if (now - last >= 1000 && last_check_ms_.compare_exchange_strong(last, now)) {
        const std::unique_lock reloading(reload_mutex_, std::try_to_lock);  // one reload at a time
        if (reloading.owns_lock()) reload_if_changed();
      }
    }
    return snapshot();
  }

 private:
  std::shared_ptr<const Access> snapshot() {
    std::lock_guard lock(mutex_);
    return current_;
  }

  // The files' identities: a Kubernetes Secret is updated by swapping a symlink, a file on
  // disk by rewriting it; either changes the inode, the size or the modification time.
  static std::string file_fingerprint(const std::filesystem::path& f) {
    struct stat st {};
    if (f.empty() || ::stat(f.c_str(), &st) != 0) return "-;";
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
           "." + std::to_string(st.st_mtim.tv_nsec) + ";";
  }
  static std::string tls_fingerprint(const Access& access) {
    if (!access.tls_files) return {};
    return file_fingerprint(access.tls_files->cert_file) + file_fingerprint(access.tls_files->key_file);
  }
  std::string fingerprint(const Access& access) const { return file_fingerprint(file_) + tls_fingerprint(access); }

  // A file refused or unreadable must not keep an expiring certificate in use: when the
  // certificate or key it named changed (a renewal), they are read again on their own.
  void renew_certificate(const Access& old) {
    if (!old.tls_files || tls_fingerprint(old) == tls_loaded_) return;
    tls_loaded_ = tls_fingerprint(old);
    try {
      auto renewed = std::make_shared<const Access>(old.config(), checks_);
      {
        std::lock_guard lock(mutex_);
        current_ = std::move(renewed);
      }
      std::fprintf(stderr, "naervaer: %s: its certificate and key were read again (the rest is not applied)\n",
                   file_.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "naervaer: %s: its renewed certificate cannot be used, the previous one stays: %s\n",
                   file_.c_str(), e.what());
    }
  }

  // Under reload_mutex_. Never throws: a request or connection must not fail because of it.
  void reload_if_changed() noexcept {
    try {
      const std::shared_ptr<const Access> old = snapshot();
      const std::string before = fingerprint(*old);
      if (before == seen_) {
        pending_.clear();
        return;
      }
      // Being written, perhaps: read once the files stayed the same for a check.
      if (before != pending_) {
        pending_ = before;
        return;
      }
      auto fresh = std::make_shared<const Access>(read_web_config(file_), checks_);
      const bool same_files = fresh->tls_files.has_value() == old->tls_files.has_value() &&
                              (!fresh->tls_files || (fresh->tls_files->cert_file == old->tls_files->cert_file &&
                                                     fresh->tls_files->key_file == old->tls_files->key_file));
      const std::string after = fingerprint(*fresh);
      if (same_files && after != before) return;  // changed while being read: again at the next check
      if (const std::string wider = widens(*old, *fresh); !wider.empty()) {
        seen_ = before;  // said once; looked at again when the files change again
        std::fprintf(stderr,
                     "naervaer: %s changed but is not applied: it would %s (cut short while written?); restart "
                     "the aggregator to apply it\n",
                     file_.c_str(), wider.c_str());
        renew_certificate(*old);
        return;
      }
      {
        std::lock_guard lock(mutex_);
        current_ = fresh;
      }
      seen_ = after;
      tls_loaded_ = tls_fingerprint(*fresh);
      std::fprintf(stderr, "naervaer: %s read again (it or its TLS files changed): %zu users%s\n", file_.c_str(),
                   fresh->users.size(), fresh->tls ? ", TLS" : "");
    } catch (const std::exception& e) {
      seen_ = pending_;  // said once; tried again when the files change again
      std::fprintf(stderr, "naervaer: %s changed but cannot be used, the previous one stays: %s\n", file_.c_str(),
                   e.what());
      renew_certificate(*snapshot());
    } catch (...) {
      seen_ = pending_;
    }
  }

  const std::filesystem::path file_;
  const std::shared_ptr<PasswordChecks> checks_;
  std::mutex mutex_;  // guards current_
  std::shared_ptr<const Access> current_;
  std::mutex reload_mutex_;  // guards what follows
  std::string seen_;         // the fingerprint last applied (or last found unusable)
  std::string pending_;      // a new fingerprint, read once it is seen again a second later
  std::string tls_loaded_;   // the fingerprint of the certificate and key current_ holds
  std::atomic<std::int64_t> last_check_ms_{0};
};

// Paths answered without credentials: they say whether the process lives and is ready,
// never a figure, and probes should not need a password.
bool open_without_credentials(std::string_view path) {
  return path == "/healthz" || path == "/readyz";
}

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... StreamArgs>
  Session(const Handler& handler, AccessSource& access, std::atomic<int>& open, Registry& registry,
          StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        handler_(handler),
        access_(access),
        open_(open),
        registry_(registry) {
    ++open_;
  }
  ~Session() override {
    --open_;
    std::lock_guard lock(registry_.mutex);
    registry_.sessions.erase(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    {
      std::lock_guard lock(registry_.mutex);
      registry_.sessions.emplace(this, std::weak_ptr<SessionBase>(this->shared_from_this()));
    }
    if constexpr (kTls) {
      // The handshake counts as waiting for a request: a client that never finishes it is
      // closed like any idle one.
      waiting_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
      beast::get_lowest_layer(stream_).expires_after(kFirstRequestTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read(kFirstRequestTimeout);  // plain HTTP, or no common cipher: closed
      });
    } else {
      read(kFirstRequestTimeout);
    }
  }

  void close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_socket(); });
  }
  // Keeps alive what the stream refers to (the TLS context it was accepted with).
  void keep(std::shared_ptr<void> p) { kept_ = std::move(p); }

 private:
  void close_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  void read(std::chrono::seconds timeout) {
    request_.emplace();
    request_->body_limit(kMaxRequestBytes);
    request_->header_limit(kMaxRequestBytes);
    waiting_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
    beast::get_lowest_layer(stream_).expires_after(timeout);
    bhttp::async_read(stream_, buffer_, *request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    waiting_since_ = 0;
    if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit) {
      answer_and_close(431, R"({"error":"the request is larger than 16 KiB"})");
      return;
    }
    // A message the HTTP parser refused (not a connection closed or timed out in the middle).
    const bool unparsable = ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                            ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
                            ec != bhttp::error::need_more;
    if (unparsable) {
      answer_and_close(400, R"({"error":"not an HTTP/1.1 request"})");
      return;
    }
    if (ec) {
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    const auto& request = request_->get();
    Request req;
    req.method = std::string(request.method_string());
    const std::string target(request.target());
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    const std::shared_ptr<const Access> access = access_.current();
    if constexpr (!kTls) {
      if (access->tls) {  // TLS was configured since this connection began: no more plain HTTP on it
        close_socket();
        return;
      }
    }
    Response res;
    if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
      res =
          Response{405, "application/json", R"({"error":"only GET and HEAD are supported"})", {{"Allow", "GET, HEAD"}}};
    } else if (!valid_percent_encoding(target)) {
      res =
          Response{400, "application/json", R"({"error":"the request target has a % not followed by two hex digits"})"};
    } else {
      Auth auth = Auth::kOk;
      if (access->locked() && !open_without_credentials(req.path)) auth = authenticate(*access, request, req);
      if (auth == Auth::kThrottled) {
        res = Response{429,
                       "application/json",
                       R"j({"error":"too many passwords to check just now; try again in a second"})j",
                       {{"Retry-After", "1"}}};
      } else if (auth == Auth::kRefused) {
        res = Response{401,
                       "application/json",
                       R"j({"error":"a user name and password are needed (HTTP basic authentication)"})j",
                       {{"WWW-Authenticate", R"(Basic realm="naervaer", charset="UTF-8")"}}};
      } else {
        try {
          res = handler_(req);
        } catch (const std::exception& e) {
          res = Response{500, "application/json", R"({"error":"internal error"})"};
        }
      }
    }
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(res.status),
                                                                          request.version());
    response->set(bhttp::field::server, "naervaer");
    response->set(bhttp::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) response->set(name, value);
    response->keep_alive(request.keep_alive());
    response->body() = std::move(res.body);
    response->prepare_payload();
    if (request.method() == bhttp::verb::head) response->body().clear();       // headers as for GET, no body
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));  // a client that reads nothing is let go
    bhttp::async_write(stream_, *response,
                       [self = this->shared_from_this(), response](beast::error_code wec, std::size_t) {
                         if (!wec && response->keep_alive()) self->read(kKeepAliveTimeout);
                       });
  }

  enum class Auth { kOk, kRefused, kThrottled };
  template <class Message>
  static Auth authenticate(const Access& access, const Message& request, Request& req) {
    PasswordChecks::Outcome outcome = access.check(request[bhttp::field::authorization]);
    if (outcome.throttled) return Auth::kThrottled;
    if (!outcome.user) return Auth::kRefused;
    if (auto it = access.unit_scopes.find(*outcome.user); it != access.unit_scopes.end()) {
      req.unit_scope = it->second;
    }
    req.user = std::move(*outcome.user);
    return Auth::kOk;
  }

  // For a request that cannot be read: say why, then close.
  void answer_and_close(int status, std::string body) {
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(status), 11);
    response->set(bhttp::field::server, "naervaer");
    response->set(bhttp::field::content_type, "application/json");
    response->keep_alive(false);
    response->body() = std::move(body);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    bhttp::async_write(stream_, *response, [self = this->shared_from_this(), response](beast::error_code, std::size_t) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  std::shared_ptr<void> kept_;  // destroyed after the stream, which refers to it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> request_;
  const Handler& handler_;
  AccessSource& access_;
  std::atomic<int>& open_;
  Registry& registry_;
};

}  // namespace

struct Server::Impl {
  // Declared before the io_context: sessions still queued in it are destroyed with it and
  // count themselves out on the way.
  std::atomic<int> sessions{0};
  Registry registry;
  Handler handler;
  std::unique_ptr<AccessSource> access;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::vector<std::thread> threads;

  // Closes the sessions that have waited longest for a request (idle keep-alive or slow
  // clients), a sixteenth of the limit at a time; sessions answering are never closed.
  void make_room() {
    std::vector<std::pair<std::int64_t, std::shared_ptr<SessionBase>>> waiting;
    {
      std::lock_guard lock(registry.mutex);
      for (const auto& [raw, weak] : registry.sessions) {
        if (auto session = weak.lock(); session && session->waiting_since() > 0) {
          waiting.emplace_back(session->waiting_since(), std::move(session));
        }
      }
    }
    std::sort(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < waiting.size() && i < kMaxSessions / 16; ++i) waiting[i].second->close();
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (sessions.load() >= kMaxSessions) make_room();
        if (auto tls = access->current()->tls) {
          // The context lives as long as the connection, whatever a reload does meanwhile.
          auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              handler, *access, sessions, registry, std::move(socket), *tls);
          session->keep(std::move(tls));
          session->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(handler, *access, sessions, registry, std::move(socket))
              ->start();
        }
        accept();
        return;
      }
      // Out of file descriptors or similar: make room, and wait a little instead of spinning.
      make_room();
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code wec) {
        if (!wec) accept();
      });
    });
  }
};

Server::Server(const std::string& listen, Handler handler, int threads, const WebConfig& web,
               const std::filesystem::path& web_config_file)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->access = std::make_unique<AccessSource>(web, web_config_file);
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--listen must be HOST:PORT, got \"" + listen + "\"");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("--listen: \"" + host + "\" is not an IP address");
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (const std::exception&) {
    throw std::runtime_error("--listen: bad port in \"" + listen + "\"");
  }
  if (port > 65535) throw std::runtime_error("--listen: bad port in \"" + listen + "\"");
  const tcp::endpoint endpoint(addr, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + listen + ": " + ec.message());
  impl_->accept();
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

Server::~Server() {
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
}

std::uint16_t Server::port() const noexcept {
  return impl_->acceptor.local_endpoint().port();
}

std::string Server::address() const {
  const auto ep = impl_->acceptor.local_endpoint();
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string query_param(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const std::size_t end = std::min(query.find('&', pos), query.size());
    const std::string pair = query.substr(pos, end - pos);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return percent_decode(eq == std::string::npos ? "" : pair.substr(eq + 1), true);
    pos = end + 1;
  }
  return {};
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

bool valid_percent_encoding(std::string_view s) {
  const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace naervaer::http
