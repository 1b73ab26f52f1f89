// SPDX-License-Identifier: MIT
#include "api/rest_frontend.h"

#include "backend/utf8.h"

#include <microhttpd.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

#include "api/cached_call.h"
#include "api/model_writer.h"
#include "api/prefix_methods.h"
#include "api/wire_decode.h"
#include "backend/errors.h"

namespace prefixd::api {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kJson = "application/json";
constexpr const char* kAllow = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
constexpr std::string_view kBadRequest =
    "The browser (or proxy) sent a request that this server could not understand.";

// GET parameters that are search options (rest.md §4); every other one is a filter.
constexpr std::array<std::string_view, 7> kSearchOptions = {"parents_depth",
                                                            "children_depth",
                                                            "include_all_parents",
                                                            "include_all_children",
                                                            "include_neighbors",
                                                            "max_result",
                                                            "offset"};
constexpr std::array<std::string_view, 3> kFlagOptions = {
    "include_all_parents", "include_all_children", "include_neighbors"};
// Filters NIPAP matches as a case-insensitive whole-string regular expression.
constexpr std::array<std::string_view, 7> kRegexFilters = {
    "description", "comment", "node", "country", "customer_id", "authoritative_source", "order_id"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const std::string* parameter(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

Value optional_string(const std::string* s) {
  return s ? Value::string(*s) : Value::nil();
}

// NIPAP's bodies: {"message": …} from the web framework, {"error": {…}} from NIPAP's code.
std::string message_body(std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_struct();
  w.member("message", message);
  w.end_struct();
  w.finish();
  out += '\n';
  return out;
}

std::string error_body(int64_t code, std::string_view message) {
  std::string out;
  JsonWriter w(out);
  w.begin_struct();
  w.write_key("error");
  w.begin_struct();
  w.write_key("code");
  w.write_int(code);
  w.member("message", message);
  w.end_struct();
  w.end_struct();
  w.finish();
  out += '\n';
  return out;
}

// An answer given instead of a method call (rest.md §3 steps 1–4).
struct Refusal {
  int status;
  std::string body;
  bool challenge = false;  // with WWW-Authenticate
};

Refusal internal_server_error() {
  return {500, message_body("Internal Server Error")};
}

// No usable credentials (rest.md §3 step 4).
Refusal unauthorized() {
  return {401, message_body("Unauthorized"), true};
}

void refuse(const Refusal& r, HttpResponse& response, std::string& out) {
  response.status = r.status;
  out = r.body;
  if (r.challenge) {
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Login Required\"");
  }
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Flask's request.is_json: application/json or application/*+json, any parameters.
bool is_json_type(std::string_view content_type) {
  std::string type = lowercase(content_type.substr(0, content_type.find(';')));
  const auto first = type.find_first_not_of(" \t");
  const auto last = type.find_last_not_of(" \t");
  type = first == std::string::npos ? "" : type.substr(first, last - first + 1);
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

// Step 1: the body of POST and PUT. A JSON-false body ({}, [], null, "", 0,
// false) counts as no body at all, as in NIPAP.
Value read_body(const HttpRequest& request, const JsonLimits& limits, std::size_t max_body_bytes) {
  if (request.body_too_large) {
    throw Refusal{413,
                  message_body("The data value transmitted exceeds the capacity limit of " +
                               std::to_string(max_body_bytes) + " bytes (limits.max_body_bytes).")};
  }
  if (!is_json_type(request.header("Content-Type"))) throw Refusal{400, message_body(kBadRequest)};
  Value body;
  try {
    body = parse_json(request.body, limits);
  } catch (const JsonError& e) {
    spdlog::debug("REST body refused: {}", e.what());
    throw Refusal{400, message_body(kBadRequest)};
  }
  return body.truthy() ? std::move(body) : Value::nil();
}

// What the method's result becomes in the response body.
enum class Answer {
  kResult,      // the value as it is
  kResultList,  // only the `result` member (search_prefix)
  kSpec,        // the selector as NIPAP's backend left it (remove_prefix)
};

// Step 2: a method-table call built from the query parameters and the body.
struct RestCall {
  std::string_view method;
  Value::Struct args;  // `auth` is added after the checks of steps 3 and 4
  Answer answer = Answer::kResult;
};

Value leaf(std::string_view op, std::string_view attribute, Value value) {
  return Value::structure({{"operator", Value::string(std::string(op))},
                           {"val1", Value::string(std::string(attribute))},
                           {"val2", std::move(value)}});
}

// A flag option's text: NIPAP passes it on as a string, which its search
// refuses whatever it says (rest.md §9 upstream bug 2); true/false/1/0 work here.
Value flag_value(const std::string& text) {
  const std::string lower = lowercase(text);
  if (lower == "true" || lower == "1") return Value::boolean(true);
  if (lower == "false" || lower == "0") return Value::boolean(false);
  return Value::string(text);
}

// GET (rest.md §4): filters ANDed left-nested in parameter order.
RestCall search_call(const Params& params) {
  Value::Struct options;
  std::optional<Value> query;
  for (const auto& [name, text] : params) {
    if (among(kSearchOptions, name)) {
      options[name] = among(kFlagOptions, name) ? flag_value(text) : Value::string(text);
      continue;
    }
    Value filter = among(kRegexFilters, name) ? leaf("~*", name, Value::string("^" + text + "$"))
                                              : leaf("=", name, Value::string(text));
    if (query) {
      query = Value::structure({{"operator", Value::string("and")},
                                {"val1", std::move(*query)},
                                {"val2", std::move(filter)}});
    } else {
      query = std::move(filter);
    }
  }
  if (!query) {
    // No parameters: NIPAP's empty query, refused with 1110. Options alone
    // search everything (NIPAP crashes, rest.md §9 upstream bug 3).
    query = params.empty() ? Value::structure() : leaf("is_not", "id", Value::nil());
  }
  return {"search_prefix",
          {{"query", std::move(*query)}, {"search_options", Value::structure(std::move(options))}},
          Answer::kResultList};
}

// POST (rest.md §5): allocation arguments from the query string, if any.
RestCall add_call(const Params& params, Value attr) {
  Value::Struct args{{"attr", std::move(attr)}};
  if (!params.empty()) {
    Value::Struct alloc;
    if (const std::string* pool = parameter(params, "fromPoolName")) {
      // NIPAP converts prefixLength with int() here and crashes when it cannot.
      const std::string* length = parameter(params, "prefixLength");
      const auto n = length ? python_int(Value::string(*length)) : std::nullopt;
      if (!n) throw internal_server_error();
      alloc["from-pool"] = Value::structure({{"name", Value::string(*pool)}});
      alloc["family"] = optional_string(parameter(params, "family"));
      alloc["prefix_length"] = Value::integer(*n);
    } else {
      alloc["from-prefix"] = Value::array({optional_string(parameter(params, "fromPrefix"))});
      alloc["prefix_length"] = optional_string(parameter(params, "prefixLength"));
    }
    args["args"] = Value::structure(std::move(alloc));
  }
  return {"add_prefix", std::move(args)};
}

// The query parameters, refused with 1200 when one cannot reach PostgreSQL
// intact (libpq would cut a value at a NUL byte, changing its meaning).
Params parameters_of(const HttpRequest& request) {
  Params params = query_parameters(request);
  for (const auto& [name, text] : params) {
    if (name.find('\0') != std::string::npos || text.find('\0') != std::string::npos) {
      throw NipapError(FaultCode::kValue, "Invalid query parameter '" +
                                              std::string(name.substr(0, name.find('\0'))) +
                                              "': NUL characters are not allowed");
    }
  }
  return params;
}

// The prefix spec of PUT and DELETE: the parameters, values as strings.
Value spec_of(const Params& params) {
  Value::Struct spec;
  for (const auto& [name, text] : params) spec[name] = Value::string(text);
  return Value::structure(std::move(spec));
}

// Step 3: the NIPAP-* headers as the call's auth options (rest.md §2).
// Username and full name count as given when the header is present at all.
Value auth_options(const HttpRequest& request) {
  const std::string_view source = request.header("NIPAP-Authoritative-Source");
  if (source.empty()) {
    throw Refusal{401, error_body(401, "Missing/invalid authentication options in request.")};
  }
  const auto checked = [](const char* header, std::string_view value) {
    if (!is_valid_utf8(value)) {
      throw Refusal{500, error_body(static_cast<int64_t>(FaultCode::kValue),
                                    std::string("header ") + header + " is not valid UTF-8")};
    }
    return Value::string(std::string(value));
  };
  Value::Struct auth{{"authoritative_source", checked("NIPAP-Authoritative-Source", source)}};
  for (const auto& [header, key] :
       {std::pair{"NIPAP-Username", "username"}, std::pair{"NIPAP-Full-Name", "full_name"}}) {
    const std::string_view value = request.header(header);
    if (value.data() != nullptr) auth[key] = checked(header, value);
  }
  return Value::structure(std::move(auth));
}

void run(const RestCall& call, Value auth, const Credentials& credentials, ApiServices& services,
         std::string& out) {
  std::vector<Value> params;
  params.push_back(Value::structure(call.args));
  params[0].as_struct()["auth"] = std::move(auth);
  const MethodDef& method = *find_api_method(call.method);
  const Value::Struct& args = params[0].as_struct();
  JsonWriter json(out);
  switch (call.answer) {
    case Answer::kResult:
      call_api_method(method, params, credentials, services, json);
      break;
    case Answer::kResultList: {
      CallContext ctx = open_call(method, params, credentials, services);
      const auto render = [&] {
        const auto found = run_operation<ops::SearchPrefix>(ctx, decode_search_prefix(args));
        write_prefixes(json, found.rows, PrefixShape::kSearch);
      };
      if (services.cache != nullptr && services.cache->serves(method)) {
        services.cache->invoke_as(method, "/rest-list", ctx, args, json, render);
      } else {
        render();
      }
      break;
    }
    case Answer::kSpec: {
      // DELETE's answer (rest.md §7): NIPAP's backend replaces an `id` in
      // the spec by the prefix's address and VRF before removing it, and
      // the spec is sent back.
      CallContext ctx = open_call(method, params, credentials, services);
      const auto removed = run_operation<ops::RemovePrefix>(ctx, decode_remove_prefix(args));
      const Value& spec = args.at("prefix");
      if (spec.find("id") == nullptr || removed.empty()) {
        json.write(spec);
      } else {
        json.write(Value::structure({{"prefix", Value::string(removed.front().prefix)},
                                     {"vrf_id", Value::integer(removed.front().vrf_id)}}));
      }
      break;
    }
  }
  json.finish();
  out += '\n';
}

}  // namespace

Params query_parameters(const HttpRequest& request) {
  struct Collect {
    Params params;
    std::unordered_set<std::string> seen;
  } collect;
  if (request.connection == nullptr) return {};
  MHD_get_connection_values_n(
      request.connection, MHD_GET_ARGUMENT_KIND,
      [](void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
         size_t value_size) -> MHD_Result {
        auto* c = static_cast<Collect*>(cls);
        std::string name = key ? std::string(key, key_size) : std::string();
        if (c->seen.insert(name).second) {
          c->params.emplace_back(std::move(name),
                                 value ? std::string(value, value_size) : std::string());
        }
        return MHD_YES;
      },
      &collect);
  return std::move(collect.params);
}

CallOutcome RestFrontend::handle(const HttpRequest& request, HttpResponse& response,
                                 std::string& out) {
  CallOutcome outcome;
  out.clear();
  response.status = 200;
  response.content_type = kJson;
  const std::string_view verb = request.method;
  if (verb == "OPTIONS") {
    response.content_type = "text/html; charset=utf-8";
    response.headers.emplace_back("Allow", kAllow);
    response.body = out;
    return outcome;
  }
  try {
    RestCall call;
    if (verb == "GET" || verb == "HEAD") {
      call = search_call(parameters_of(request));
    } else if (verb == "POST") {
      Value attr = read_body(request, limits_, max_body_bytes_);
      call = add_call(parameters_of(request), std::move(attr));
    } else if (verb == "PUT") {
      Value attr = read_body(request, limits_, max_body_bytes_);
      call = {"edit_prefix",
              {{"prefix", spec_of(parameters_of(request))}, {"attr", std::move(attr)}}};
    } else if (verb == "DELETE") {
      // Never recursive; a body is ignored.
      call = {"remove_prefix", {{"prefix", spec_of(parameters_of(request))}}, Answer::kSpec};
    } else {
      response.headers.emplace_back("Allow", kAllow);
      throw Refusal{405, message_body("The method is not allowed for the requested URL.")};
    }
    Value auth = auth_options(request);
    const Credentials credentials = parse_authorization(request.header("Authorization"));
    if (credentials.scheme == Credentials::Scheme::kNone) {
      throw unauthorized();
    }
    outcome.method = call.method;
    run(call, std::move(auth), credentials, services_, out);
  } catch (const Refusal& r) {
    refuse(r, response, out);
  } catch (const NipapError& e) {
    outcome.fault_code = static_cast<int>(e.code());
    std::string_view message = e.what();
    if (e.code() == FaultCode::kAuth) {
      refuse(unauthorized(), response, out);
    } else if (e.code() == FaultCode::kAuthentication) {
      // NIPAP's REST texts have no final period ("Incorrect username or password").
      if (message.ends_with('.')) message.remove_suffix(1);
      refuse({401, error_body(401, message)}, response, out);
    } else {
      refuse({500, error_body(outcome.fault_code, message)}, response, out);
    }
  } catch (const std::exception& e) {
    // A bug, not bad input: answer as NIPAP does for unexpected exceptions, and log it.
    // The access log records the fault a NIPAP client sees in the body's
    // place (NipapError 1000); the body keeps NIPAP's code 500.
    spdlog::error("internal error in REST '{}': {}", outcome.method, e.what());
    outcome.fault_code = static_cast<int>(FaultCode::kError);
    refuse({500, error_body(500, "Internal error")}, response, out);
  }
  response.body = out;
  return outcome;
}

}  // namespace prefixd::api
