// SPDX-License-Identifier: MIT
#include "api/json_frontend.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "api/asn_methods.h"
#include "api/batch.h"
#include "api/model_writer.h"
#include "api/openapi.h"
#include "api/pool_methods.h"
#include "api/prefix_methods.h"
#include "api/rest_frontend.h"
#include "api/vrf_methods.h"

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

NipapError no_such(const JsonResource& res, int64_t id) {
  return NipapError(FaultCode::kNonExistent, "no " + std::string(res.noun) + " with " +
                                                 std::string(res.key) + " " + std::to_string(id));
}

// `index`: the failed call of a batch.
void write_error(std::string& out, FaultCode code, std::string_view message, bool pretty,
                 std::optional<std::size_t> index = std::nullopt) {
  JsonWriter w(out, pretty);
  w.begin_struct();
  w.write_key("error");
  w.begin_struct();
  if (index) {
    w.write_key("index");
    w.write_int(static_cast<int64_t>(*index));
  }
  w.write_key("code");
  w.write_int(static_cast<int>(code));
  w.member("type", fault_class_name(code));
  w.member("message", message);
  w.end_struct();
  w.end_struct();
  w.finish();
}

}  // namespace

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

// `auth` is optional on /api/v1; its authoritative_source defaults to nipap.
void json_default_auth(Value::Struct& args) {
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
  void call(std::string_view name, Value::Struct args, ValueWriter& out) {
    std::vector<Value> params = envelope(name, std::move(args));
    call_api_method(*find_api_method(name), params, credentials_, services_, out);
  }

  // POST /api/v1/batch.
  void batch(Value body) {
    outcome_.method = "batch";
    run_batch(std::move(body), credentials_, services_, writer);
  }

  // Calls `name`, whose operation is Op and decoder Decode, and returns the
  // operation's result for the route to write.
  template <typename Op, auto Decode>
  typename Op::Result run(std::string_view name, Value::Struct args) {
    std::vector<Value> params = envelope(name, std::move(args));
    CallContext ctx = open_call(*find_api_method(name), params, credentials_, services_);
    return run_operation<Op>(ctx, Decode(params[0].as_struct()));
  }

  QueryParams params;
  JsonWriter& writer;

 private:
  // The call's parameters, `auth` defaulted; records the method for the log.
  std::vector<Value> envelope(std::string_view name, Value::Struct args) {
    const MethodDef* method = find_api_method(name);
    if (method == nullptr) {
      throw std::logic_error("resource route names no method " + std::string(name));
    }
    outcome_.method = method->name;
    json_default_auth(args);
    std::vector<Value> params;
    params.push_back(Value::structure(std::move(args)));
    return params;
  }

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
  } catch (const BatchFailure& e) {
    fail(http_status_for(e.code), e.code, e.what());
    out.clear();
    write_error(out, e.code, e.what(), pretty, e.index);
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
  if (segments.size() == 1 && segments[0] == "batch") {
    only({"POST"});
    r.params.allow_only({"pretty"});
    r.batch(body_json(request));
    return 200;
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

namespace {

// The operations behind the item routes of one collection, and how an item
// is written: as list_<object> shows it (GET, DELETE) and as edit_<object>
// does (PATCH).
struct VrfItem {
  using List = ops::ListVrf;
  using Edit = ops::EditVrf;
  using Remove = ops::RemoveVrf;
  static constexpr auto decode_list = decode_list_vrf;
  static constexpr auto decode_edit = decode_edit_vrf;
  static constexpr auto decode_remove = decode_remove_vrf;
  static void write_listed(ValueWriter& out, const Vrf& v) { write_vrf(out, v); }
  static void write_edited(ValueWriter& out, const Vrf& v) { write_vrf(out, v); }
};

struct PoolItem {
  using List = ops::ListPool;
  using Edit = ops::EditPool;
  using Remove = ops::RemovePool;
  static constexpr auto decode_list = decode_list_pool;
  static constexpr auto decode_edit = decode_edit_pool;
  static constexpr auto decode_remove = decode_remove_pool;
  static void write_listed(ValueWriter& out, const Pool& p) { write_pool(out, p, false); }
  static void write_edited(ValueWriter& out, const Pool& p) { write_pool(out, p, true); }
};

struct PrefixItem {
  using List = ops::ListPrefix;
  using Edit = ops::EditPrefix;
  using Remove = ops::RemovePrefix;
  static constexpr auto decode_list = decode_list_prefix;
  static constexpr auto decode_edit = decode_edit_prefix;
  static constexpr auto decode_remove = decode_remove_prefix;
  static void write_listed(ValueWriter& out, const Prefix& p) {
    write_prefix(out, p, PrefixShape::kList);
  }
  static void write_edited(ValueWriter& out, const Prefix& p) {
    write_prefix(out, p, PrefixShape::kSearch);
  }
};

struct AsnItem {
  using List = ops::ListAsn;
  using Edit = ops::EditAsn;
  using Remove = ops::RemoveAsn;
  static constexpr auto decode_list = decode_list_asn;
  static constexpr auto decode_edit = decode_edit_asn;
  static constexpr auto decode_remove = decode_remove_asn;
  static void write_listed(ValueWriter& out, const Asn& a) { write_asn(out, a); }
  static void write_edited(ValueWriter& out, const Asn& a) { write_asn(out, a); }
};

}  // namespace

int JsonFrontend::serve_item(const HttpRequest& request, Route& r, const JsonResource& res,
                             std::string_view id_text) {
  const int64_t id = path_id(id_text, res);
  if (res.collection == "vrfs") return serve_item_of<VrfItem>(request, r, res, id);
  if (res.collection == "pools") return serve_item_of<PoolItem>(request, r, res, id);
  if (res.collection == "prefixes") return serve_item_of<PrefixItem>(request, r, res, id);
  return serve_item_of<AsnItem>(request, r, res, id);
}

template <typename Item>
int JsonFrontend::serve_item_of(const HttpRequest& request, Route& r, const JsonResource& res,
                                int64_t id) {
  const std::string object(res.object);
  const Value spec = Value::structure({{std::string(res.key), Value::integer(id)}});
  if (request.method == "GET") {
    r.params.allow_only({"pretty"});
    const auto found =
        r.run<typename Item::List, Item::decode_list>("list_" + object, {{object, spec}});
    if (found.empty()) throw no_such(res, id);
    Item::write_listed(r.writer, found.front());
  } else if (request.method == "PATCH") {
    r.params.allow_only({"pretty"});
    const auto edited = r.run<typename Item::Edit, Item::decode_edit>(
        "edit_" + object, {{object, spec}, {"attr", body_object(request)}});
    if (edited.empty()) throw no_such(res, id);
    Item::write_edited(r.writer, edited.front());
  } else {
    // DELETE answers the object as it was, from the removal itself;
    // removing nothing is a 404.
    Value::Struct args{{object, spec}};
    if (res.collection == "prefixes") {
      r.params.allow_only({"recursive", "pretty"});
      args.emplace("recursive", Value::boolean(r.params.flag("recursive")));
    } else {
      r.params.allow_only({"pretty"});
    }
    typename Item::Remove::Result removed;
    try {
      removed =
          r.run<typename Item::Remove, Item::decode_remove>("remove_" + object, std::move(args));
    } catch (const NipapError& e) {
      // remove_prefix's own word for an unknown id (model.md §8.1).
      if (e.code() == FaultCode::kNonExistent) throw no_such(res, id);
      throw;
    }
    if (removed.empty()) throw no_such(res, id);
    Item::write_listed(r.writer, removed.front());
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
  const auto parents = r.run<ops::ListPrefix, decode_list_prefix>(
      "list_prefix", {{"prefix", Value::structure({{"id", Value::integer(id)}})}});
  if (parents.empty()) throw no_such(res, id);
  Value::Struct args{{"from-prefix", Value::array({Value::string(parents.front().prefix)})},
                     {"prefix_length", Value::integer(*length)}};
  if (count) args.emplace("count", Value::integer(*count));
  r.call("find_free_prefix",
         {{"args", Value::structure(std::move(args))},
          {"vrf", Value::structure({{"id", Value::integer(parents.front().vrf_id)}})}},
         r.writer);
  return 200;
}

Value JsonFrontend::body_json(const HttpRequest& request) const {
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
  return parse_json(request.body, limits_);
}

Value JsonFrontend::body_object(const HttpRequest& request) const {
  Value body = body_json(request);
  if (!body.is_struct()) {
    throw NipapError(FaultCode::kInput,
                     "the request body must be a JSON object, not " + json_type_name(body));
  }
  return body;
}

}  // namespace prefixd::api
