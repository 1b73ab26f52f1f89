// SPDX-License-Identifier: MIT
#include "api/openapi.h"

#include <string>
#include <string_view>

#include "api/json_codec.h"
#include "api/json_frontend.h"
#include "api/method_table.h"
#include "api/model_writer.h"
#include "backend/version.h"

namespace prefixd::api {

namespace {

using Members = Value::Struct;

Value object(Members members) {
  return Value::structure(std::move(members));
}
Value text(std::string_view s) {
  return Value::string(std::string(s));
}
Value ref(std::string_view schema) {
  return object({{"$ref", text("#/components/schemas/" + std::string(schema))}});
}
Value type(std::string_view t) {
  return object({{"type", text(t)}});
}
Value array_of(Value items) {
  return object({{"type", text("array")}, {"items", std::move(items)}});
}
Value object_schema(Members properties, std::string_view description = {}) {
  Members m{{"type", text("object")}, {"properties", object(std::move(properties))}};
  if (!description.empty()) m.emplace("description", text(description));
  return object(std::move(m));
}
Value described(Value schema, std::string_view description) {
  schema.as_struct().insert_or_assign("description", text(description));
  return schema;
}

// The schema of one value as a model writer emitted it. Nested objects are
// maps of strings (avps) when the sample has none; arrays take the type of
// their first item.
Value schema_of(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNil:
      // Samples fill every optional that is not a string, so an unfilled
      // one is a nullable string.
      return object({{"type", text("string")}, {"nullable", Value::boolean(true)}});
    case Value::Type::kBool:
      return type("boolean");
    case Value::Type::kInt:
      return type("integer");
    case Value::Type::kBigInt:
      return object({{"type", text("string")}, {"pattern", text("^-?[0-9]+$")}});
    case Value::Type::kDouble:
      return type("number");
    case Value::Type::kDateTime:
      return object({{"type", text("string")}, {"format", text("date-time")}});
    case Value::Type::kArray:
      return array_of(v.as_array().empty() ? object({}) : schema_of(v.as_array().front()));
    case Value::Type::kStruct: {
      if (v.as_struct().empty()) {
        return object({{"type", text("object")},
                       {"additionalProperties",
                        object({{"type", text("string")}, {"nullable", Value::boolean(true)}})}});
      }
      Members properties;
      for (const auto& [key, member] : v.as_struct()) properties.emplace(key, schema_of(member));
      return object({{"type", text("object")}, {"properties", object(std::move(properties))}});
    }
    default:
      return type("string");
  }
}

// The schema of an object kind: property types from a filled-in sample,
// `nullable` where a default-constructed object writes null, and every key
// required (the writers always send every key).
template <typename Write>
Value model_schema(Write write, std::string_view description) {
  ValueTreeWriter sample, empty;
  write(sample, true);
  write(empty, false);
  Value schema = schema_of(sample.result());
  Members& properties = schema.as_struct().at("properties").as_struct();
  Value::Array required;
  for (auto& [key, property] : properties) {
    required.push_back(text(key));
    const Value* when_empty = empty.result().find(key);
    if (when_empty != nullptr && when_empty->is_nil()) {
      property.as_struct().insert_or_assign("nullable", Value::boolean(true));
    }
  }
  schema.as_struct().emplace("required", Value::array(std::move(required)));
  schema.as_struct().emplace("description", text(description));
  return schema;
}

Members model_schemas() {
  Members schemas;
  schemas.emplace("Vrf", model_schema(
                             [](ValueWriter& out, bool filled) {
                               Vrf v;
                               if (filled) v.tags = std::vector<std::string>{"tag"};
                               write_vrf(out, v);
                             },
                             "A VRF. Counters are decimal strings (they exceed 2^53)."));
  schemas.emplace("Pool", model_schema(
                              [](ValueWriter& out, bool filled) {
                                Pool p;
                                if (filled) {
                                  p.ipv4_default_prefix_length = 24;
                                  p.ipv6_default_prefix_length = 64;
                                  p.tags = std::vector<std::string>{"tag"};
                                  p.vrf_id = 0;
                                  p.prefixes = {"10.0.0.0/8"};
                                }
                                write_pool(out, p, !filled);
                              },
                              "A pool. Counters are decimal strings; prefixes are its members."));
  auto prefix = [](PrefixShape shape) {
    return [shape](ValueWriter& out, bool filled) {
      Prefix p;
      if (filled) {
        p.pool_id = 1;
        p.monitor = true;
        p.vlan = 1;
        p.expires = Timestamp{1704067200, 0};  // 2024-01-01
        p.tags = p.inherited_tags = {"tag"};
      } else {
        p.display.reset();
      }
      write_prefix(out, p, shape);
    };
  };
  schemas.emplace("Prefix",
                  model_schema(prefix(PrefixShape::kList),
                               "A prefix as add_prefix and list_prefix return it. Times are ISO "
                               "8601 with offset; expires is null for never."));
  schemas.emplace("PrefixSearchRow",
                  model_schema(prefix(PrefixShape::kSearch),
                               "A prefix as searches and edit_prefix return it: display_prefix "
                               "always with its length, plus prefix_length, children, match and "
                               "display."));
  schemas.emplace("Asn", model_schema([](ValueWriter& out, bool) { write_asn(out, Asn{}); },
                                      "An autonomous system number."));
  schemas.emplace("Tag", object_schema({{"name", type("string")}}, "A tag used on prefixes."));
  schemas.emplace(
      "Auth",
      object_schema({{"authoritative_source", described(type("string"), "Defaults to \"nipap\".")},
                     {"username", described(type("string"), "Trusted accounts only.")},
                     {"full_name", described(type("string"), "Trusted accounts only.")},
                     {"readonly", described(type("boolean"), "Trusted accounts only.")}},
                    "NIPAP's authentication options; optional on /api/v1."));
  schemas.emplace(
      "Error",
      object_schema(
          {{"error", object_schema({{"code", described(type("integer"), "The NIPAP fault code.")},
                                    {"type", described(type("string"), "The NIPAP error class.")},
                                    {"message", type("string")}})}}));
  return schemas;
}

// The object schema a method suffix ("vrf", "prefix", ...) refers to.
std::string_view schema_name(std::string_view object) {
  if (object == "vrf") return "Vrf";
  if (object == "pool") return "Pool";
  if (object == "prefix") return "Prefix";
  if (object == "asn") return "Asn";
  return "Tag";
}

// Rows of searches, smart searches and edits.
Value row_schema(std::string_view object) {
  return ref(object == "prefix" ? "PrefixSearchRow" : schema_name(object));
}

bool strip(std::string_view& name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return false;
  name.remove_prefix(prefix.size());
  return true;
}

// A method's argument members and result, from NIPAP's naming convention
// (add_X, list_X, edit_X, remove_X, search_X, smart_search_X).
struct MethodShape {
  Members arguments;
  Value result;
};

MethodShape method_shape(std::string_view name) {
  const Value any = object({});
  const Value spec_of = type("object");
  std::string_view object_name = name;
  if (strip(object_name, "smart_search_")) {
    return {{{"query_string", type("string")},
             {"search_options", type("object")},
             {"extra_query", type("object")}},
            object_schema({{"interpretation", type("object")},
                           {"search_options", type("object")},
                           {"result", array_of(row_schema(object_name))},
                           {"error", type("boolean")},
                           {"error_message", type("string")}})};
  }
  if (strip(object_name, "search_")) {
    return {{{"query", type("object")}, {"search_options", type("object")}},
            object_schema({{"search_options", type("object")},
                           {"result", array_of(row_schema(object_name))}})};
  }
  const std::string object_key(name.substr(name.find('_') + 1));
  if (strip(object_name, "add_")) {
    Members args{{"attr", described(type("object"), "The attributes of the new object.")}};
    if (object_name == "prefix") {
      args.emplace("args", described(type("object"), "Allocation: from-pool or from-prefix."));
    }
    return {std::move(args), ref(schema_name(object_name))};
  }
  if (strip(object_name, "list_")) {
    return {{{object_key, described(spec_of, "Selects by exact values; {} or null for all.")}},
            array_of(ref(schema_name(object_name)))};
  }
  if (strip(object_name, "edit_")) {
    return {{{object_key, described(spec_of, "Selects the objects to edit.")},
             {"attr", described(type("object"), "The attributes to set.")}},
            array_of(row_schema(object_name))};
  }
  if (strip(object_name, "remove_")) {
    Members args{{object_key, described(spec_of, "Selects the objects to remove.")}};
    if (object_name == "prefix") args.emplace("recursive", type("boolean"));
    return {std::move(args), object({{"nullable", Value::boolean(true)}})};
  }
  if (name == "find_free_prefix") {
    return {{{"args", type("object")}, {"vrf", type("object")}}, array_of(type("string"))};
  }
  if (name == "echo") return {{{"message", any}, {"sleep", type("number")}}, any};
  if (name == "db_version") return {{}, type("integer")};
  if (name == "version") return {{}, type("string")};
  return {{}, any};
}

Value json_content(Value schema) {
  return object({{"application/json", object({{"schema", std::move(schema)}})}});
}

Value response(std::string_view description, Value schema) {
  return object({{"description", text(description)}, {"content", json_content(std::move(schema))}});
}

// Success plus the error statuses every authenticated call may answer.
Value responses(std::string_view status, std::string_view description, Value schema) {
  Members m{{std::string(status), response(description, std::move(schema))}};
  for (const char* code : {"400", "401", "403", "404", "409", "413", "500"}) {
    m.emplace(code, object({{"$ref", text("#/components/responses/Error")}}));
  }
  return object(std::move(m));
}

Value parameter(std::string_view name, std::string_view in, Value schema,
                std::string_view description, bool required = false) {
  return object({{"name", text(name)},
                 {"in", text(in)},
                 {"required", Value::boolean(required)},
                 {"schema", std::move(schema)},
                 {"description", text(description)}});
}

Value pretty_parameter() {
  return object({{"$ref", text("#/components/parameters/pretty")}});
}

Value operation(std::string_view id, std::string_view summary, std::string_view tag,
                Value::Array parameters, Value responses_value) {
  parameters.push_back(pretty_parameter());
  return object({{"operationId", text(id)},
                 {"summary", text(summary)},
                 {"tags", Value::array({text(tag)})},
                 {"parameters", Value::array(std::move(parameters))},
                 {"responses", std::move(responses_value)}});
}

Value json_body(Value schema, bool required) {
  return object({{"required", Value::boolean(required)}, {"content", json_content(schema)}});
}

void add_method_paths(Members& paths) {
  for (const MethodDef& m : api_methods()) {
    MethodShape shape = method_shape(m.name);
    shape.arguments.emplace("auth", ref("Auth"));
    Value op = operation(m.name, m.help, "methods", {},
                         responses("200", "The method's result.", std::move(shape.result)));
    Value body = object({{"type", text("object")},
                         {"properties", object(std::move(shape.arguments))},
                         {"description", text("The method's argument struct, as on XML-RPC.")}});
    op.as_struct().emplace("requestBody", json_body(std::move(body), false));
    if (m.access == Access::kWrite) {
      op.as_struct().emplace("description", text("Writes; refused (403) for read-only users."));
    }
    paths.emplace("/api/v1/" + std::string(m.name), object({{"post", std::move(op)}}));
  }
}

void add_resource_paths(Members& paths) {
  for (const JsonResource& res : json_resources()) {
    const std::string collection = "/api/v1/" + std::string(res.collection);
    const std::string object_name(res.object);
    const std::string noun(res.noun);
    const Value schema = ref(schema_name(res.object));
    const std::string tag(res.collection);

    Value search = operation(
        std::string("get_") + tag, "Smart search (smart_search_" + object_name + ").", tag,
        {parameter("q", "query", type("string"), "The smart search text; empty for all."),
         parameter("limit", "query", type("integer"), "search_options.max_result"),
         parameter("offset", "query", type("integer"), "search_options.offset")},
        responses("200", "The smart search result.",
                  method_shape("smart_search_" + object_name).result));
    Value add = operation("post_" + tag, "Adds a " + noun + " (add_" + object_name + ").", tag, {},
                          responses("201", "The new " + noun + ".", schema));
    add.as_struct().emplace("requestBody", json_body(described(type("object"), "attr"), true));
    paths.emplace(collection, object({{"get", std::move(search)}, {"post", std::move(add)}}));

    const std::string key(res.key);
    auto id_param = [&] {
      return parameter(key, "path", type("integer"), "The " + noun + "'s " + key + ".", true);
    };
    Value get = operation("get_" + tag + "_item", "One " + noun + " (list_" + object_name + ").",
                          tag, {id_param()}, responses("200", "The " + noun + ".", schema));
    Value patch = operation("patch_" + tag + "_item",
                            "Edits a " + noun + " (edit_" + object_name + ").", tag, {id_param()},
                            responses("200", "The edited " + noun + ".", row_schema(res.object)));
    patch.as_struct().emplace("requestBody", json_body(described(type("object"), "attr"), true));
    Value::Array delete_params{id_param()};
    if (res.collection == "prefixes") {
      delete_params.push_back(parameter("recursive", "query", type("boolean"),
                                        "Also remove everything inside the prefix."));
    }
    Value remove = operation(
        "delete_" + tag + "_item", "Removes a " + noun + " (remove_" + object_name + ").", tag,
        std::move(delete_params), responses("200", "The " + noun + " as it was.", schema));
    paths.emplace(collection + "/{" + key + "}", object({{"get", std::move(get)},
                                                         {"patch", std::move(patch)},
                                                         {"delete", std::move(remove)}}));
  }
  Value free = operation(
      "get_prefixes_free", "Free space inside a prefix (find_free_prefix from-prefix).", "prefixes",
      {parameter("id", "path", type("integer"), "The prefix's id.", true),
       parameter("prefix_length", "query", type("integer"), "Length of the free prefixes.", true),
       parameter("count", "query", type("integer"), "How many (default 1, at most 1000).")},
      responses("200", "Free prefixes, lowest first.", array_of(type("string"))));
  paths.emplace("/api/v1/prefixes/{id}/free", object({{"get", std::move(free)}}));

  Value batch = operation("post_batch",
                          "Runs a JSON array of method calls in one transaction, all or nothing "
                          "(limits.max_batch_calls, default 10000).",
                          "methods", {},
                          responses("200", "Every call's result, in order.",
                                    object_schema({{"results", array_of(object({}))}})));
  batch.as_struct().emplace(
      "description",
      text("Each call is {\"method\": NAME, \"args\": {...}} with the argument struct "
           "POST /api/v1/NAME takes (auth optional). The calls run in order in one "
           "transaction: each sees what the earlier ones wrote (an allocation sees the "
           "batch's earlier allocations). When a call fails nothing is stored and the error "
           "object adds \"index\", the failed call's position (0-based). A batch cannot "
           "contain a batch or echo; read-only users may batch read calls only (403)."));
  batch.as_struct().emplace(
      "requestBody",
      json_body(described(object({{"type", text("array")},
                                  {"items", object_schema({{"method", type("string")},
                                                           {"args", type("object")}})}}),
                          "The calls."),
                true));
  paths.emplace("/api/v1/batch", object({{"post", std::move(batch)}}));

  Value document =
      operation("get_openapi", "This document.", "meta", {},
                object({{"200", response("The OpenAPI 3 document.", type("object"))}}));
  document.as_struct().emplace("security", Value::array());
  paths.emplace("/api/v1/openapi.json", object({{"get", std::move(document)}}));
}

Value build_document() {
  Members paths;
  add_method_paths(paths);
  add_resource_paths(paths);
  Value components = object(
      {{"schemas", object(model_schemas())},
       {"securitySchemes",
        object({{"basic", object({{"type", text("http")}, {"scheme", text("basic")}})}})},
       {"responses", object({{"Error", response("An error; the status follows the NIPAP code.",
                                                ref("Error"))}})},
       {"parameters",
        object({{"pretty", parameter("pretty", "query", type("boolean"),
                                     "Indent the JSON answer (a bare ?pretty is enough).")}})}});
  return object(
      {{"openapi", text("3.0.3")},
       {"info", object({{"title", text("prefixd JSON API")},
                        {"version", text(kVersion)},
                        {"description",
                         text("Every method of prefixd's method table as POST /api/v1/<method> "
                              "with the XML-RPC argument struct as JSON, plus resource routes. "
                              "Address counters are strings, times ISO 8601 with offset.")}})},
       {"servers", Value::array({object({{"url", text("/")}})})},
       {"security", Value::array({object({{"basic", Value::array()}})})},
       {"paths", object(std::move(paths))},
       {"components", std::move(components)}});
}

}  // namespace

const Value& openapi_document() {
  static const Value kDocument = build_document();
  return kDocument;
}

}  // namespace prefixd::api
