#include "api/json_frontend.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "api/openapi.h"
#include "api/rest_frontend.h"

namespace prefixd::api {

namespace {

constexpr std::string_view kRoot = "/api/v1";

// A refusal decided by the transport itself (unknown route, wrong verb,
// unusable body or query): its own status; a NIPAP code for the body.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, FaultCode code, const std::string& message, std::string allow = {})
      : std::runtime_error(message), status(status), code(code), allow(std::move(allow)) {}
  int status;
  FaultCode code;
  std::string allow;  // the Allow header of a 405
};

std::string json_type_name(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      return "null";
    case Value::Type::kBool:
      return "a boolean";
    case Value::Type::kInt:
    case Value::Type::kBigInt:
    case Value::Type::kDouble:
      return "a number";
    case Value::Type::kArray:
      return "an array";
    case Value::Type::kStruct:
      return "an object";
    default:
      return "a string";
  }
}

std::string joined(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The query parameters of one request (the first of a repeated name), checked
// against what a route takes.
class QueryParams {
 public:
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> args)
      : args_(std::move(args)) {}

  // Refuses parameters the route does not take.
  void allow_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [name, value] : args_) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        throw NipapError(FaultCode::kExtraneousInput, "unknown query parameter '" + name +
                                                          "'; this route takes " + joined(allowed));
      }
    }
  }

  // The value of `name` ("" for a bare name), or nullopt when absent.
  std::optional<std::string> text(std::string_view name) const {
    for (const auto& [key, value] : args_) {
      if (key == name) return value;
    }
    return std::nullopt;
  }

  // An integer parameter no smaller than `min`; nullopt when absent.
  std::optional<int64_t> integer(std::string_view name, int64_t min) const {
    const auto t = text(name);
    if (!t) return std::nullopt;
    const auto v = parse_int(*t);
    if (!v || *v < min) {
      throw NipapError(FaultCode::kValue, "query parameter '" + std::string(name) +
                                              "' must be an integer of at least " +
                                              std::to_string(min) + ", not '" + *t + "'");
    }
    return v;
  }

  // A flag: present (bare, or any value but 0/false/no) means true.
  bool flag(std::string_view name) const {
    const auto t = text(name);
    return t && *t != "0" && *t != "false" && *t != "no";
  }

 private:
  std::vector<std::pair<std::string, std::string>> args_;
};

// Only what the route needs to know about a body's media type: JSON, or
// what curl sends with -d when no type is given.
bool acceptable_content_type(std::string_view type) {
  std::string media(type.substr(0, type.find(';')));
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return media.empty() || media == "application/json" ||
         media == "application/x-www-form-urlencoded" || media.ends_with("+json");
}

// `auth` is optional on /api/v1; its authoritative_source defaults to nipap.
void default_auth(Value::Struct& args) {
  auto it = args.find("auth");
  if (it == args.end()) {
    it = args.emplace("auth", Value::structure()).first;
  } else if (!it->second.is_struct()) {
    throw NipapError(FaultCode::kInput,
                     "'auth' must be an object, not " + json_type_name(it->second));
  }
  Value::Struct& auth = it->second.as_struct();
  auto source = auth.find("authoritative_source");
  if (source == auth.end() || source->second.is_nil()) {
    auth.insert_or_assign("authoritative_source", Value::string("nipap"));
  }
}

NipapError no_such(const JsonResource& res, int64_t id) {
  return NipapError(FaultCode::kNonExistent, "no " + std::string(res.noun) + " with " +
                                                 std::string(res.key) + " " + std::to_string(id));
}

void write_error(std::string& out, FaultCode code, std::string_view message, bool pretty) {
  JsonWriter w(out, pretty);
  w.begin_struct();
  w.write_key("error");
  w.begin_struct();
  w.write_key("code");
  w.write_int(static_cast<int>(code));
  w.member("type", fault_class_name(code));
  w.member("message", message);
  w.end_struct();
  w.end_struct();
  w.finish();
}

}  // namespace

// One request's calls into the method table.
class JsonFrontend::Route {
 public:
  Route(ApiServices& services, Credentials credentials, QueryParams params, JsonWriter& writer,
        CallOutcome& outcome)
      : params(std::move(params)),
        writer(writer),
        services_(services),
        credentials_(std::move(credentials)),
        outcome_(outcome) {}

  // Calls `name` with `args` (auth defaulted), its result into `out`.
  void call(const std::string& name, Value::Struct args, ValueWriter& out) {
    const MethodDef* method = find_api_method(name);
    if (method == nullptr) throw std::logic_error("resource route names no method " + name);
    outcome_.method = method->name;
    default_auth(args);
    std::vector<Value> params;
    params.push_back(Value::structure(std::move(args)));
    call_api_method(*method, params, credentials_, services_, out);
  }
  Value capture(const std::string& name, Value::Struct args) {
    ValueTreeWriter tree;
    call(name, std::move(args), tree);
    return std::move(tree.result());
  }
  // The object {id} names (list_<object>), or 404.
  Value find_one(const JsonResource& res, int64_t id) {
    Value found = capture("list_" + std::string(res.object),
                          {{std::string(res.object),
                            Value::structure({{std::string(res.key), Value::integer(id)}})}});
    if (!found.is_array() || found.as_array().empty()) throw no_such(res, id);
    return std::move(found.as_array().front());
  }

  QueryParams params;
  JsonWriter& writer;

 private:
  ApiServices& services_;
  Credentials credentials_;
  CallOutcome& outcome_;
};

const std::vector<JsonResource>& json_resources() {
  static const std::vector<JsonResource> kResources = {
      {"vrfs", "vrf", "id", "VRF"},
      {"pools", "pool", "id", "pool"},
      {"prefixes", "prefix", "id", "prefix"},
      {"asns", "asn", "asn", "ASN"},
  };
  return kResources;
}

int http_status_for(FaultCode code) {
  switch (code) {
    case FaultCode::kGeneric:
    case FaultCode::kInput:
    case FaultCode::kMissingInput:
    case FaultCode::kExtraneousInput:
    case FaultCode::kNoSuchOperator:
    case FaultCode::kValue:
      return 400;
    case FaultCode::kAuth:
    case FaultCode::kAuthentication:
      return 401;
    case FaultCode::kAuthorization:
      return 403;
    case FaultCode::kNonExistent:
      return 404;
    case FaultCode::kDuplicate:
      return 409;
    case FaultCode::kError:
      break;
  }
  return 500;
}

bool JsonFrontend::handles(std::string_view path) {
  return path == kRoot || (path.starts_with(kRoot) && path[kRoot.size()] == '/');
}

CallOutcome JsonFrontend::handle(const HttpRequest& request, HttpResponse& response,
                                 std::string& out) {
  CallOutcome outcome;
  out.clear();
  response.content_type = "application/json";
  QueryParams params(query_parameters(request));
  const bool pretty = params.flag("pretty");
  JsonWriter writer(out, pretty);
  auto fail = [&](int status, FaultCode code, std::string_view message) {
    outcome.fault_code = static_cast<int>(code);
    response.status = status;
    out.clear();
    write_error(out, code, message, pretty);
  };
  try {
    Route r(services_, parse_authorization(request.header("Authorization")), std::move(params),
            writer, outcome);
    response.status = route(request, r);
    writer.finish();
  } catch (const HttpError& e) {
    fail(e.status, e.code, e.what());
    if (!e.allow.empty()) response.headers.emplace_back("Allow", e.allow);
  } catch (const JsonError& e) {
    fail(400, FaultCode::kGeneric, e.what());
  } catch (const DatabaseUnavailable& e) {
    fail(503, e.code(), e.what());
  } catch (const NipapError& e) {
    const int status = http_status_for(e.code());
    fail(status, e.code(), e.what());
    if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"prefixd\"");
  } catch (const std::exception& e) {
    // A bug, not bad input: say so without leaking internals, and log it.
    spdlog::error("internal error in '{}' ({}): {}", outcome.method, request.path, e.what());
    fail(500, FaultCode::kError, "internal error, see the prefixd log");
  }
  response.body = out;
  return outcome;
}

int JsonFrontend::route(const HttpRequest& request, Route& r) {
  std::vector<std::string_view> segments;
  std::string_view rest = request.path.substr(kRoot.size());
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    const std::size_t slash = rest.find('/');
    segments.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  const std::string_view verb = request.method;
  auto not_found = [&] {
    return HttpError(
        404, FaultCode::kGeneric,
        "no such route: " + std::string(request.path) + " (see GET /api/v1/openapi.json)");
  };
  auto only = [&](std::initializer_list<std::string_view> verbs) {
    if (std::find(verbs.begin(), verbs.end(), verb) != verbs.end()) return;
    throw HttpError(405, FaultCode::kGeneric,
                    "method " + std::string(verb) + " is not allowed on " +
                        std::string(request.path) + "; allowed: " + joined(verbs),
                    joined(verbs));
  };
  if (segments.empty() || std::find(segments.begin(), segments.end(), "") != segments.end()) {
    throw not_found();
  }

  if (segments.size() == 1 && segments[0] == "openapi.json") {
    only({"GET", "HEAD"});
    r.params.allow_only({"pretty"});
    r.writer.write(openapi_document());
    return 200;
  }
  for (const JsonResource& res : json_resources()) {
    if (segments[0] != res.collection) continue;
    if (segments.size() == 1) {
      only({"GET", "POST"});
      return serve_collection(request, r, res);
    }
    if (segments.size() == 2) {
      only({"GET", "PATCH", "DELETE"});
      return serve_item(request, r, res, segments[1]);
    }
    if (segments.size() == 3 && res.collection == "prefixes" && segments[2] == "free") {
      only({"GET"});
      return serve_free(r, segments[1]);
    }
    throw not_found();
  }
  if (segments.size() == 1) {
    if (const MethodDef* method = find_api_method(segments[0])) {
      only({"POST"});
      r.params.allow_only({"pretty"});
      Value body = body_object(request);
      r.call(std::string(method->name), std::move(body.as_struct()), r.writer);
      return 200;
    }
    throw HttpError(
        404, FaultCode::kGeneric,
        "no such method: '" + std::string(segments[0]) + "' (GET /api/v1/openapi.json lists them)");
  }
  throw not_found();
}

int JsonFrontend::serve_collection(const HttpRequest& request, Route& r, const JsonResource& res) {
  const std::string object(res.object);
  if (request.method == "POST") {
    r.params.allow_only({"pretty"});
    r.call("add_" + object, {{"attr", body_object(request)}}, r.writer);
    return 201;
  }
  r.params.allow_only({"q", "limit", "offset", "pretty"});
  Value::Struct options;
  if (auto limit = r.params.integer("limit", 1)) {
    options.emplace("max_result", Value::integer(*limit));
  }
  if (auto offset = r.params.integer("offset", 0)) {
    options.emplace("offset", Value::integer(*offset));
  }
  r.call("smart_search_" + object,
         {{"query_string", Value::string(r.params.text("q").value_or(""))},
          {"search_options", Value::structure(std::move(options))}},
         r.writer);
  return 200;
}

namespace {

int64_t path_id(std::string_view id, const JsonResource& res) {
  const auto v = parse_int(id);
  if (!v) {
    throw NipapError(FaultCode::kValue, "'" + std::string(id) + "' in the URL is not a " +
                                            std::string(res.noun) + " " + std::string(res.key) +
                                            " (an integer)");
  }
  return *v;
}

}  // namespace

int JsonFrontend::serve_item(const HttpRequest& request, Route& r, const JsonResource& res,
                             std::string_view id_text) {
  const std::string object(res.object);
  const int64_t id = path_id(id_text, res);
  auto spec = [&] { return Value::structure({{std::string(res.key), Value::integer(id)}}); };
  if (request.method == "GET") {
    r.params.allow_only({"pretty"});
    r.writer.write(r.find_one(res, id));
  } else if (request.method == "PATCH") {
    r.params.allow_only({"pretty"});
    Value edited = r.capture("edit_" + object, {{object, spec()}, {"attr", body_object(request)}});
    if (!edited.is_array() || edited.as_array().empty()) throw no_such(res, id);
    r.writer.write(edited.as_array().front());
  } else {
    // DELETE answers the object as it was; removing nothing is a 404.
    Value::Struct args{{object, spec()}};
    if (res.collection == "prefixes") {
      r.params.allow_only({"recursive", "pretty"});
      args.emplace("recursive", Value::boolean(r.params.flag("recursive")));
    } else {
      r.params.allow_only({"pretty"});
    }
    Value removed = r.find_one(res, id);
    r.capture("remove_" + object, std::move(args));
    r.writer.write(removed);
  }
  return 200;
}

int JsonFrontend::serve_free(Route& r, std::string_view id_text) {
  const JsonResource& res = json_resources()[2];
  r.params.allow_only({"prefix_length", "count", "pretty"});
  const int64_t id = path_id(id_text, res);
  const auto length = r.params.integer("prefix_length", 0);
  if (!length) {
    throw NipapError(FaultCode::kMissingInput, "query parameter 'prefix_length' is required");
  }
  const auto count = r.params.integer("count", 1);
  const Value parent = r.find_one(res, id);
  const Value* prefix = parent.find("prefix");
  const Value* vrf_id = parent.find("vrf_id");
  if (prefix == nullptr || vrf_id == nullptr) throw std::logic_error("list_prefix without prefix");
  Value::Struct args{{"from-prefix", Value::array({*prefix})},
                     {"prefix_length", Value::integer(*length)}};
  if (count) args.emplace("count", Value::integer(*count));
  r.call(
      "find_free_prefix",
      {{"args", Value::structure(std::move(args))}, {"vrf", Value::structure({{"id", *vrf_id}})}},
      r.writer);
  return 200;
}

Value JsonFrontend::body_object(const HttpRequest& request) const {
  if (request.body_too_large) {
    throw HttpError(413, FaultCode::kGeneric,
                    "request body exceeds the configured limit of " +
                        std::to_string(max_body_bytes_) + " bytes (limits.max_body_bytes)");
  }
  const std::string_view type = request.header("Content-Type");
  if (!acceptable_content_type(type)) {
    throw HttpError(
        415, FaultCode::kGeneric,
        "unsupported Content-Type '" + std::string(type) + "'; send the body as application/json");
  }
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return Value::structure();
  Value body = parse_json(request.body, limits_);
  if (!body.is_struct()) {
    throw NipapError(FaultCode::kInput,
                     "the request body must be a JSON object, not " + json_type_name(body));
  }
  return body;
}

}  // namespace prefixd::api
