// SPDX-License-Identifier: MIT
// NIPAP's call envelope checks (spec/xmlrpc.md §2.2), in isolation: the
// checks that come before authentication need no database, so the database
// session here points nowhere and must never be used.
#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/method_table.h"
#include "backend/errors.h"

namespace prefixd::api {
namespace {

class NullWriter : public ValueWriter {
 public:
  void write_nil() override {}
  void write_bool(bool) override {}
  void write_int(int64_t) override {}
  void write_double(double) override {}
  void write_string(std::string_view) override {}
  void write_datetime(std::string_view) override {}
  void write_binary(std::string_view) override {}
  void begin_array() override {}
  void end_array() override {}
  void begin_struct() override {}
  void write_key(std::string_view) override {}
  void end_struct() override {}
};

class Envelope : public ::testing::Test {
 protected:
  // Fails fast if anything tries to connect.
  DbSession db_{"host=/nonexistent port=1 connect_timeout=1"};
  Authenticator auth_{std::chrono::seconds(60)};
  ApiServices services_{db_, auth_, {}};

  std::pair<int, std::string> fault(const std::vector<Value>& params,
                                    Credentials credentials = {}) {
    NullWriter out;
    try {
      call_api_method(*find_api_method("version"), params, credentials, services_, out);
    } catch (const NipapError& e) {
      return {static_cast<int>(e.code()), e.what()};
    }
    return {0, ""};
  }
  static Value with_auth(Value::Struct auth) {
    return Value::structure({{"auth", Value::structure(std::move(auth))}});
  }
};

TEST_F(Envelope, ParameterCount) {
  EXPECT_EQ(fault({}), std::make_pair(1000, std::string("NIPAP API functions take exactly 1 "
                                                        "argument (0 given)")));
  auto two = fault({Value::structure(), Value::structure()});
  EXPECT_EQ(two.first, 1000);
  EXPECT_EQ(two.second, "NIPAP API functions take exactly 1 argument (2 given)");
}

TEST_F(Envelope, ArgumentMustBeStructNamingPythonType) {
  const std::pair<Value, const char*> cases[] = {
      {Value::string("x"), "str"},        {Value::integer(1), "int"},
      {Value::boolean(true), "bool"},     {Value::real(1.5), "float"},
      {Value::array(), "list"},           {Value::nil(), "NoneType"},
      {Value::datetime("x"), "DateTime"}, {Value::binary("x"), "Binary"},
  };
  for (const auto& [value, name] : cases) {
    auto f = fault({value});
    EXPECT_EQ(f.first, 1000);
    EXPECT_EQ(f.second,
              std::string("Function argument must be XML-RPC struct/Python dict (Python ") + name +
                  " given).");
  }
}

TEST_F(Envelope, AuthStructRequired) {
  for (const Value& auth : {Value::string("x"), Value::array(), Value::nil(), Value::integer(3)}) {
    auto f = fault({Value::structure({{"auth", auth}})});
    EXPECT_EQ(
        f, std::make_pair(1000, std::string("Missing/invalid authentication options in request.")));
  }
  EXPECT_EQ(fault({Value::structure()}).first, 1000);
}

TEST_F(Envelope, AuthoritativeSourceRequired) {
  auto f = fault({with_auth({})});
  EXPECT_EQ(f, std::make_pair(1000, std::string("Missing authoritative source in auth options.")));
}

TEST_F(Envelope, CredentialsComeAfterTheArgumentChecks) {
  auto f = fault({with_auth({{"authoritative_source", Value::string("nipap")}})});
  EXPECT_EQ(f, std::make_pair(1500, std::string("Missing authentication method")));
  Credentials bearer = parse_authorization("Bearer abc");
  f = fault({with_auth({{"authoritative_source", Value::string("nipap")}})}, bearer);
  EXPECT_EQ(f.first, 1510);
  Credentials other_backend =
      parse_authorization("Basic dW5pdHRlc3RAbm9zdWNoOng=");  // unittest@nosuch:x
  f = fault({with_auth({{"authoritative_source", Value::string("nipap")}})}, other_backend);
  EXPECT_EQ(f.first, 1510);
  EXPECT_NE(f.second.find("nosuch"), std::string::npos);
}

TEST(AuthorizationHeader, BasicAndBearerForms) {
  auto c = parse_authorization("Basic dW5pdHRlc3Q6Z290dGF0ZXN0");  // unittest:gottatest
  EXPECT_EQ(c.scheme, Credentials::Scheme::kBasic);
  EXPECT_EQ(c.login, "unittest");
  EXPECT_EQ(c.password, "gottatest");
  c = parse_authorization("basic dW5pdHRlc3Q6Z290dGF0ZXN0");
  EXPECT_EQ(c.scheme, Credentials::Scheme::kBasic);
  c = parse_authorization(
      "Basic dTphOmI=");  // u:a:b — password is everything after the first colon
  EXPECT_EQ(c.login, "u");
  EXPECT_EQ(c.password, "a:b");
  for (const char* bad : {"", "Basic", "Basic ", "Basic !!!notbase64",
                          "Basic dW5pdHRlc3Q=", "Token abc", "Digest username=\"u\""}) {
    EXPECT_EQ(parse_authorization(bad).scheme, Credentials::Scheme::kNone) << bad;
  }
  c = parse_authorization("Bearer tok en");
  EXPECT_EQ(c.scheme, Credentials::Scheme::kBearer);
  EXPECT_EQ(c.token, "tok en");
}

TEST(Session, OnlyTrustedAccountsImpersonate) {
  const Value::Struct opts = {{"username", Value::string("alice")},
                              {"full_name", Value::string("Alice A")},
                              {"readonly", Value::boolean(true)}};
  AuthenticatedUser plain{"bob", std::string("Bob B"), false, false};
  Session s = make_session(plain, opts, "nipap");
  EXPECT_EQ(s.username, "bob");
  EXPECT_EQ(s.full_name, "Bob B");
  EXPECT_FALSE(s.readonly);

  AuthenticatedUser trusted{"www", std::string("Web"), true, false};
  s = make_session(trusted, opts, "nipap");
  EXPECT_EQ(s.authenticated_as, "www");
  EXPECT_EQ(s.username, "alice");
  EXPECT_EQ(s.full_name, "Alice A");
  EXPECT_TRUE(s.readonly);
  // Without full_name the trusted account's own name is not used.
  s = make_session(trusted, {{"username", Value::nil()}}, "nipap");
  EXPECT_FALSE(s.username.has_value());
  EXPECT_FALSE(s.full_name.has_value());
}

TEST(MethodTable, SortedAndReadOnlyUtilities) {
  const auto& all = api_methods();
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
  for (const char* name : {"echo", "version", "db_version"}) {
    const MethodDef* m = find_api_method(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->access, Access::kRead);
    EXPECT_FALSE(m->help.empty());
  }
  EXPECT_EQ(find_api_method("system.multicall"), nullptr);
  EXPECT_EQ(find_api_method("ECHO"), nullptr);
}

}  // namespace
}  // namespace prefixd::api
