// HTTPS both ways, in one process over loopback: the server with --web-config TLS, the
// client peers use (http::get with a CA file), certificate checks that must fail, and the
// web config read again when it or its certificate changes (rotation without a restart).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "http_server.h"
#include "web_config.h"

namespace naervaer::http {
namespace {

namespace fs = std::filesystem;

struct FreePkey {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct FreeX509 {
  void operator()(X509* p) const { X509_free(p); }
};

// A self-signed certificate for `subject_alt_name` ("IP:127.0.0.1", "DNS:elsewhere"),
// written as PEM to `cert` and its key to `key`: the test's own CA, as openssl req -x509 makes.
void make_certificate(const fs::path& cert, const fs::path& key, const std::string& subject_alt_name) {
  std::unique_ptr<EVP_PKEY, FreePkey> pkey(EVP_EC_gen("P-256"));
  ASSERT_TRUE(pkey);
  std::unique_ptr<X509, FreeX509> x(X509_new());
  ASSERT_TRUE(x);
  X509_set_version(x.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("naervaer test"), -1, -1,
                             0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_name},
                                   std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    ASSERT_NE(ext, nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(x.get(), pkey.get(), EVP_sha256()), 0);
  // Written beside and renamed into place, as a Secret or a careful operator updates files.
  const fs::path cert_tmp = cert.string() + ".new", key_tmp = key.string() + ".new";
  std::FILE* f = std::fopen(cert_tmp.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, x.get());
  std::fclose(f);
  f = std::fopen(key_tmp.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  fs::rename(key_tmp, key);
  fs::rename(cert_tmp, cert);
}

class HttpsTest : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "naervaer-https-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);  // a directory of this run's own
    dir = pattern;
  }
  void TearDown() override { fs::remove_all(dir); }

  static Response echo(const Request& r) {
    return {200, "text/plain", "hello " + r.user + (r.unit_scope ? " in " + r.unit_scope->front() : "")};
  }
  fs::path write_config(const std::string& text) {
    fs::path file = dir / "web.yml";
    std::ofstream(dir / "web.yml.new") << text;
    fs::rename(dir / "web.yml.new", file);
    return file;
  }
  // Asks until `want` (a status, or 0 for no answer) comes, for up to 5 s: a changed file is
  // seen within about a second.
  static ClientResponse until(int want, const std::string& url, const ClientOptions& options) {
    ClientResponse got;
    for (int i = 0; i < 50; ++i) {
      got = get(url, options);
      if (got.status == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return got;
  }
};

TEST_F(HttpsTest, APeerAsksOverTlsCheckingTheCertificateAndItsName) {
  make_certificate(dir / "tls.crt", dir / "tls.key", "IP:127.0.0.1");
  make_certificate(dir / "other.crt", dir / "other.key", "DNS:elsewhere.example");
  const fs::path config = write_config("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n");
  const Server server("127.0.0.1:0", echo, 2, read_web_config(config), config);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x";

  ClientOptions trusting;
  trusting.ca_file = dir / "tls.crt";
  const ClientResponse ok = get(url, trusting);
  EXPECT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(ok.body, "hello ");

  // The system's CAs do not know the test's certificate: refused, and said so.
  const ClientResponse unknown = get(url, {});
  EXPECT_EQ(unknown.status, 0);
  EXPECT_NE(unknown.error.find("TLS"), std::string::npos) << unknown.error;
  EXPECT_NE(unknown.error.find("certificate verify failed"), std::string::npos) << unknown.error;
  EXPECT_NE(unknown.error.find("self-signed certificate"), std::string::npos) << unknown.error;

  // A certificate that chains to the CA given but names another host: refused.
  write_config("tls_server_config:\n  cert_file: other.crt\n  key_file: other.key\n");
  ClientOptions trusting_other;
  trusting_other.ca_file = dir / "other.crt";
  const ClientResponse wrong_name = until(0, url, trusting);  // the reload: tls.crt no longer verifies
  EXPECT_EQ(wrong_name.status, 0);
  const ClientResponse other_name = get(url, trusting_other);
  EXPECT_EQ(other_name.status, 0) << "a certificate for elsewhere.example accepted for 127.0.0.1";
  EXPECT_NE(other_name.error.find("certificate verify failed"), std::string::npos) << other_name.error;
  EXPECT_NE(other_name.error.find("IP address mismatch"), std::string::npos) << other_name.error;

  // Plain HTTP to a TLS port: no answer, not an exception.
  const ClientResponse plain = get("http://127.0.0.1:" + std::to_string(server.port()) + "/x", {});
  EXPECT_EQ(plain.status, 0);
  EXPECT_FALSE(plain.error.empty());
}

TEST_F(HttpsTest, TheWebConfigIsReadAgainWhenItChanges) {
  const std::string alice = bcrypt_hash("alice-secret");
  const std::string bob = bcrypt_hash("bob-secret");
  const fs::path config = write_config("basic_auth_users:\n  alice: " + alice + "\n");
  const Server server("127.0.0.1:0", echo, 2, read_web_config(config), config);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/x";
  ClientOptions as_alice, as_bob;
  as_alice.authorization = basic_authorization("alice:alice-secret");
  as_bob.authorization = basic_authorization("bob:bob-secret");
  EXPECT_EQ(get(url, as_alice).status, 200);
  EXPECT_EQ(get(url, as_bob).status, 401);

  // Alice's password is withdrawn and bob gets one, scoped to helse: seen without a restart.
  write_config("basic_auth_users:\n  bob: " + bob + "\nunit_scopes:\n  bob: [helse]\n");
  const ClientResponse b = until(200, url, as_bob);
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.body, "hello bob in helse");
  EXPECT_EQ(get(url, as_alice).status, 401);

  // A file that no longer reads keeps the config before it: bob still gets in.
  write_config("basic_auth_users:\n  bob: not-a-hash\n");
  for (int i = 0; i < 3; ++i) {  // seen changed, then read a second later (and refused)
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(get(url, as_bob).status, 200);
  }
  EXPECT_EQ(get(url, as_alice).status, 401);

  // Mended again: read again.
  write_config("basic_auth_users:\n  alice: " + alice + "\n");
  EXPECT_EQ(until(200, url, as_alice).status, 200);
  EXPECT_EQ(get(url, as_bob).status, 401);

  // A file caught empty (written in place, cut short) would open the API: not applied.
  write_config("");
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(get(url, {}).status, 401) << "the API opened after " << i * 100 << " ms";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(get(url, as_alice).status, 200);
}

TEST_F(HttpsTest, GuessingPasswordsIsThrottledWhileKnownUsersGoOn) {
  // Cost 4: a check takes about a millisecond, far below the ration's 200 ms per token, so
  // what is throttled depends on the ration alone, not on how busy the machine is.
  const fs::path config = write_config("basic_auth_users:\n  alice: " + bcrypt_hash("alice-secret", 4) + "\n");
  const Server server("127.0.0.1:0", echo, 2, read_web_config(config), config);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/x";
  ClientOptions as_alice;
  as_alice.authorization = basic_authorization("alice:alice-secret");
  ASSERT_EQ(get(url, as_alice).status, 200);  // verified once: remembered

  // Thirty different guesses at once: the burst of 10 and what refills meanwhile (5 a
  // second) are checked, the rest get 429 without a bcrypt; alice is answered meanwhile.
  const auto start = std::chrono::steady_clock::now();
  std::vector<int> statuses(30);
  std::vector<std::thread> guessing;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    guessing.emplace_back([&, i] {
      ClientOptions guess;
      guess.authorization = basic_authorization("alice:guess-" + std::to_string(i));
      statuses[i] = get(url, guess).status;
    });
  }
  EXPECT_EQ(get(url, as_alice).status, 200);
  for (std::thread& t : guessing) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto refused = std::count(statuses.begin(), statuses.end(), 401);
  const auto throttled = std::count(statuses.begin(), statuses.end(), 429);
  EXPECT_EQ(refused + throttled, 30);
  EXPECT_GE(refused, 9);  // the burst of 10, less the one alice used
  EXPECT_LE(static_cast<double>(refused), 10 + 5 * seconds + 1) << "in " << seconds << " s";
  EXPECT_GE(throttled, 1) << "in " << seconds << " s";
  EXPECT_EQ(get(url, as_alice).status, 200);

  // With the ration used up, a guess already refused is refused again (401, no bcrypt
  // needed), while a new one is throttled.
  const auto checked = std::find(statuses.begin(), statuses.end(), 401) - statuses.begin();
  ClientOptions again, fresh;
  again.authorization = basic_authorization("alice:guess-" + std::to_string(checked));
  int status = 0;
  for (int i = 0; i < 40 && status != 429; ++i) {  // the ration refills meanwhile: until one is throttled
    fresh.authorization = basic_authorization("alice:a-new-guess-" + std::to_string(i));
    status = get(url, fresh).status;
  }
  ASSERT_EQ(status, 429);
  EXPECT_EQ(get(url, again).status, 401);  // right after: no ration left, yet answered
}

TEST_F(HttpsTest, ARotatedCertificateIsServedToNewConnections) {
  make_certificate(dir / "tls.crt", dir / "tls.key", "IP:127.0.0.1");
  fs::copy_file(dir / "tls.crt", dir / "first.crt");
  const fs::path config = write_config("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n");
  const Server server("127.0.0.1:0", echo, 2, read_web_config(config), config);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x";
  ClientOptions first, second;
  first.ca_file = dir / "first.crt";
  second.ca_file = dir / "tls.crt";
  EXPECT_EQ(get(url, first).status, 200);

  // The same paths, a new key and certificate (as cert-manager renews a Secret).
  make_certificate(dir / "tls.crt", dir / "tls.key", "IP:127.0.0.1");
  second.ca_file = dir / "second.crt";
  fs::copy_file(dir / "tls.crt", second.ca_file);
  const ClientResponse renewed = until(200, url, second);
  EXPECT_EQ(renewed.status, 200) << renewed.error;
  EXPECT_EQ(get(url, first).status, 0) << "the old certificate is still served";
}

TEST_F(HttpsTest, ACertificateIsRenewedEvenWhileAChangeIsRefused) {
  make_certificate(dir / "tls.crt", dir / "tls.key", "IP:127.0.0.1");
  const std::string tls = "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n";
  const std::string hash = bcrypt_hash("alice-secret", 4);
  const fs::path config =
      write_config(tls + "basic_auth_users:\n  alice: " + hash + "\nunit_scopes:\n  alice: [helse]\n");
  const Server server("127.0.0.1:0", echo, 2, read_web_config(config), config);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x";
  ClientOptions as_alice;
  as_alice.ca_file = dir / "first.crt";
  fs::copy_file(dir / "tls.crt", as_alice.ca_file);
  as_alice.authorization = basic_authorization("alice:alice-secret");
  EXPECT_EQ(get(url, as_alice).body, "hello alice in helse");

  // Alice's password under a new name without her scope: refused (it would widen access).
  write_config(tls + "basic_auth_users:\n  alice2: " + hash + "\n");
  ClientOptions as_alice2 = as_alice;
  as_alice2.authorization = basic_authorization("alice2:alice-secret");
  for (int i = 0; i < 25; ++i) {
    ASSERT_EQ(get(url, as_alice2).status, 401) << "applied after " << i * 100 << " ms";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(get(url, as_alice).body, "hello alice in helse");

  // The certificate renewed meanwhile: served, although the file stays refused.
  make_certificate(dir / "tls.crt", dir / "tls.key", "IP:127.0.0.1");
  ClientOptions renewed = as_alice;
  renewed.ca_file = dir / "second.crt";
  fs::copy_file(dir / "tls.crt", renewed.ca_file);
  const ClientResponse got = until(200, url, renewed);
  EXPECT_EQ(got.status, 200) << got.error;
  EXPECT_EQ(got.body, "hello alice in helse");
  as_alice2.ca_file = renewed.ca_file;
  EXPECT_EQ(get(url, as_alice2).status, 401);
  as_alice.authorization.clear();
  EXPECT_EQ(get(url, as_alice).status, 0) << "the first certificate is still served";
}

}  // namespace
}  // namespace naervaer::http
