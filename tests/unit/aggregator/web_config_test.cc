// --web-config: the exporter-toolkit format as read here, its errors (file:line), bcrypt,
// and the Authorization header peers send.
#include "web_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "http_client.h"

namespace naervaer::http {
namespace {

class WebConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("naervaer-web-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path write(const std::string& text) {
    const auto file = dir / "web.yml";
    std::ofstream(file) << text;
    return file;
  }
  // The message of the error reading `text`, or "" when it is read.
  std::string error_of(const std::string& text) {
    try {
      (void)read_web_config(write(text));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return {};
  }
};

const std::string kHash = "$2y$10$abcdefghijklmnopqrstuu9m2/6Yk9e1Iu3sYUGKh3O2Pq0w0S8yq";  // 60 characters

TEST_F(WebConfigTest, ReadsTheExporterToolkitFormatWithUnitScopes) {
  const WebConfig c =
      read_web_config(write("# comment\n"
                            "tls_server_config:\n"
                            "  cert_file: tls.crt   # relative to the file\n"
                            "  key_file: \"/etc/naervaer/tls.key\"\n"
                            "basic_auth_users:\n"
                            "  prometheus: '" +
                            kHash +
                            "'\n"
                            "  leder: " +
                            kHash +
                            "\n"
                            "unit_scopes:\n"
                            "  leder: [helse, 'oppvekst-1']\n"));
  ASSERT_TRUE(c.tls);
  EXPECT_EQ(c.tls->cert_file, dir / "tls.crt");
  EXPECT_EQ(c.tls->key_file, "/etc/naervaer/tls.key");
  EXPECT_EQ(c.users.size(), 2U);
  EXPECT_EQ(c.users.at("prometheus"), kHash);
  EXPECT_EQ(c.unit_scopes.at("leder"), (std::vector<std::string>{"helse", "oppvekst-1"}));
}

TEST_F(WebConfigTest, ReadsScopesAsBlockLists) {
  const WebConfig c = read_web_config(
      write("basic_auth_users:\n  leder: " + kHash + "\nunit_scopes:\n  leder:\n    - helse\n    - kultur\n"));
  EXPECT_EQ(c.unit_scopes.at("leder"), (std::vector<std::string>{"helse", "kultur"}));
  EXPECT_FALSE(c.tls);
}

TEST_F(WebConfigTest, NamesTheFileAndLineOfWhatIsWrong) {
  EXPECT_NE(error_of("basic_auth_users:\n  a: secret\n").find("web.yml:2: the password of \"a\" is not a bcrypt hash"),
            std::string::npos);
  EXPECT_NE(error_of("tls_config:\n").find("web.yml:1: unknown section"), std::string::npos);
  EXPECT_NE(error_of("tls_server_config:\n  cert_file: a\n  client_ca_file: b\n").find("web.yml:3: client_ca_file"),
            std::string::npos);
  EXPECT_NE(error_of("tls_server_config:\n  cert_file: a\n").find("needs both cert_file and key_file"),
            std::string::npos);
  EXPECT_NE(error_of("unit_scopes:\n  ghost: [helse]\n").find("\"ghost\", who is not in basic_auth_users"),
            std::string::npos);
  EXPECT_NE(error_of("basic_auth_users:\n\ta: " + kHash + "\n").find("web.yml:2: a tab"), std::string::npos);
  EXPECT_NE(error_of("basic_auth_users:\n  a: " + kHash + "\n  a: " + kHash + "\n").find("web.yml:3: user \"a\" twice"),
            std::string::npos);
  EXPECT_EQ(error_of("basic_auth_users:\n  a: " + kHash + "\n"), "");
}

TEST(Bcrypt, AHashMatchesItsPasswordOnly) {
  const std::string hash = bcrypt_hash("correct horse");
  EXPECT_EQ(hash.size(), 60U);
  EXPECT_TRUE(hash.starts_with("$2b$10$"));
  EXPECT_TRUE(bcrypt_matches("correct horse", hash));
  EXPECT_FALSE(bcrypt_matches("correct horse ", hash));
  EXPECT_FALSE(bcrypt_matches("", hash));
  EXPECT_FALSE(bcrypt_matches("correct horse", "not a hash"));
  EXPECT_NE(bcrypt_hash("correct horse"), hash);  // a new salt every time
}

TEST(BasicAuthorization, IsTheHeaderOfRfc7617) {
  EXPECT_EQ(basic_authorization("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic_authorization("a:b"), "Basic YTpi");
  EXPECT_EQ(basic_authorization("ab:c"), "Basic YWI6Yw==");
}

}  // namespace
}  // namespace naervaer::http
