// SPDX-License-Identifier: MIT
#include "api/jwks_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

namespace prefixd::api {

namespace {

constexpr std::size_t kMaxJwksBytes = 1 << 20;

struct Body {
  std::string text;
  std::size_t limit;
};

size_t append(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const size_t n = size * count;
  if (body->text.size() + n > body->limit) return 0;  // aborts the transfer
  body->text.append(data, n);
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

std::string fetch_url(const std::string& url, std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds timeout, const std::string& ca_file,
                      std::size_t max_bytes) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  std::unique_ptr<CURL, CurlFree> curl(initialised ? curl_easy_init() : nullptr);
  if (!curl) throw BackendUnavailable("Could not fetch the JWT signing keys");
  Body body{std::string(), max_bytes};
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "prefixd");
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    spdlog::warn("fetching JWKS {} failed: {}", url, error[0] ? error : curl_easy_strerror(rc));
    throw BackendUnavailable("Could not fetch the JWT signing keys");
  }
  return std::move(body.text);
}

void JwksClient::refresh() {
  const auto now = std::chrono::steady_clock::now();
  last_attempt_ = now;
  ++fetches_;
  const std::string text =
      fetch_url(settings_.jwk_url, std::chrono::seconds(settings_.connect_timeout),
                std::chrono::seconds(settings_.timeout), settings_.tls_ca_file, kMaxJwksBytes);
  auto json = nlohmann::json::parse(text, nullptr, false);
  auto keys = json.is_object() ? json.find("keys") : json.end();
  if (!json.is_object() || keys == json.end() || !keys->is_array()) {
    spdlog::warn("JWKS {}: not a JSON object with a \"keys\" array", settings_.jwk_url);
    throw BackendUnavailable("Could not fetch the JWT signing keys");
  }
  std::map<std::string, Jwk> fresh;
  for (const auto& item : *keys) {
    std::string why;
    auto jwk = parse_jwk(item, why);
    if (!jwk) {
      spdlog::info("JWKS {}: key skipped: {}", settings_.jwk_url, why);
      continue;
    }
    fresh.emplace(jwk->kid, std::move(*jwk));
  }
  spdlog::info("JWKS {}: {} signing key(s)", settings_.jwk_url, fresh.size());
  keys_ = std::move(fresh);
  have_keys_ = true;
  fetched_ = now;
}

std::optional<Jwk> JwksClient::key(const std::string& kid) {
  const auto now = std::chrono::steady_clock::now();
  const bool may_fetch =
      !last_attempt_ ||
      now - *last_attempt_ >= std::chrono::seconds(settings_.jwks_refresh_interval);
  const bool stale =
      !have_keys_ || now - fetched_ >= std::chrono::seconds(settings_.jwks_cache_timeout);
  auto it = keys_.find(kid);
  if ((stale || it == keys_.end()) && may_fetch) {
    try {
      refresh();
    } catch (const BackendUnavailable&) {
      // Keys already known stay usable while the issuer is unreachable.
      if (!have_keys_) throw;
    }
    it = keys_.find(kid);
  } else if (!have_keys_) {
    throw BackendUnavailable("Could not fetch the JWT signing keys");
  }
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace prefixd::api
