// The guard pass over every request body and the xmlrpc-c path it admits
// bodies to (see xmlrpc_decoder.cpp for why both exist).
#include <xmlrpc-c/base.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "api/xmlrpc_decoder_internal.h"

namespace prefixd::api::xmlrpc_detail {

namespace {

// Structs larger than this go to the fallback parser: xmlrpc-c inserts in O(n).
constexpr std::size_t kMaxXmlrpcCStructMembers = 256;

// Guard pass

bool xmlrpc_c_vocabulary(std::string_view tag) {
  static constexpr std::string_view kNames[] = {
      "methodCall", "methodName", "params", "param",  "value", "int",  "i4",     "i1",     "i2",
      "boolean",    "string",     "nil",    "ex:nil", "array", "data", "struct", "member", "name"};
  return std::find(std::begin(kNames), std::end(kNames), tag) != std::end(kNames);
}

class Guard {
 public:
  Guard(std::string_view body, const XmlRpcLimits& limits) : body_(body), limits_(limits) {
    // Raw element depth: a struct level takes three elements (value, struct, member).
    std::size_t m = limits.max_depth;
    max_elements_ = m > (std::numeric_limits<std::size_t>::max() - 16) / 4
                        ? std::numeric_limits<std::size_t>::max()
                        : 4 * m + 16;
  }

  // Throws on malformed XML or excessive nesting; returns whether xmlrpc-c may decode it.
  bool run() {
    if (body_.size() >= 2 &&
        ((body_[0] == '\xFE' && body_[1] == '\xFF') || (body_[0] == '\xFF' && body_[1] == '\xFE')))
      xmlrpc_c_ok_ = false;  // UTF-16
    if (body_.size() >= 3 && body_.substr(0, 3) == "\xEF\xBB\xBF") xmlrpc_c_ok_ = false;
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &Guard::on_start, &Guard::on_end);
    XML_SetCharacterDataHandler(p, &Guard::on_data);
    XML_SetXmlDeclHandler(p, &Guard::on_xml_decl);
    XML_SetStartDoctypeDeclHandler(p, &Guard::on_doctype);
    XML_SetEntityDeclHandler(p, &Guard::on_entity);
    parser_.parse(body_);
    return xmlrpc_c_ok_;
  }

 private:
  struct Container {
    bool is_struct;
    std::size_t members;
  };
  enum class Element : char { kOther, kMemberWithoutName, kMemberWithName };

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_, [&] { g->start(name); });
  }
  static void XMLCALL on_end(void* self, const XML_Char* name) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_, [&] { g->end(name); });
  }
  // Expat turns raw CRs into LFs, so a CR in character data came from "&#13;": xmlrpc-c
  // turns those into LF as well, Python keeps them.
  static void XMLCALL on_data(void* self, const XML_Char* text, int len) {
    if (std::memchr(text, '\r', static_cast<std::size_t>(len)) != nullptr)
      static_cast<Guard*>(self)->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_xml_decl(void* self, const XML_Char*, const XML_Char* encoding, int) {
    auto* g = static_cast<Guard*>(self);
    if (encoding != nullptr && !iequals(encoding, "utf-8")) g->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    static_cast<Guard*>(self)->xmlrpc_c_ok_ = false;
  }
  static void XMLCALL on_entity(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* g = static_cast<Guard*>(self);
    guarded(g->parser_,
            [&] { fail(g->parser_.position_text("entity declarations are not supported")); });
  }

  void start(std::string_view tag) {
    if (path_.size() >= max_elements_) fail(limit_message(limits_.max_depth));
    if (path_.empty() && tag != "methodCall") xmlrpc_c_ok_ = false;
    if (!xmlrpc_c_vocabulary(tag)) xmlrpc_c_ok_ = false;
    // Python pairs struct items in document order, so <value> before <name> inside a
    // <member> swaps key and value there; xmlrpc-c reads them by element name.
    if (!path_.empty() && path_.back() == Element::kMemberWithoutName) {
      if (tag == "name")
        path_.back() = Element::kMemberWithName;
      else if (tag == "value")
        xmlrpc_c_ok_ = false;
    }
    path_.push_back(tag == "member" ? Element::kMemberWithoutName : Element::kOther);
    std::string_view local = local_name(tag);
    if (local == "value" && ++values_ > limits_.max_values) {
      fail("request holds more than " + std::to_string(limits_.max_values) +
           " values (limits.max_values)");
    }
    if (local == "member" && !open_.empty() && open_.back().is_struct &&
        ++open_.back().members > kMaxXmlrpcCStructMembers)
      xmlrpc_c_ok_ = false;
    if (local == "array" || local == "struct") {
      if (open_.size() >= limits_.max_depth) fail(limit_message(limits_.max_depth));
      open_.push_back({local == "struct", 0});
    }
  }

  void end(std::string_view tag) {
    path_.pop_back();
    std::string_view local = local_name(tag);
    if ((local == "array" || local == "struct") && !open_.empty()) open_.pop_back();
  }
  std::size_t values_ = 0;

  std::string_view body_;
  const XmlRpcLimits& limits_;
  ExpatParser parser_;
  std::size_t max_elements_;
  std::vector<Container> open_;
  std::vector<Element> path_;  // one entry per open element
  bool xmlrpc_c_ok_ = true;
};

// ---------------------------------------------------------------------------------------
// xmlrpc-c path

}  // namespace

bool xmlrpc_c_may_decode(std::string_view body, const XmlRpcLimits& limits) {
  return Guard(body, limits).run();
}

namespace {

struct XmlrpcValueRef {
  xmlrpc_value* v = nullptr;
  ~XmlrpcValueRef() {
    if (v != nullptr) xmlrpc_DECREF(v);
  }
};

struct XmlrpcEnv {
  xmlrpc_env env;
  XmlrpcEnv() { xmlrpc_env_init(&env); }
  ~XmlrpcEnv() { xmlrpc_env_clean(&env); }
  XmlrpcEnv(const XmlrpcEnv&) = delete;
  XmlrpcEnv& operator=(const XmlrpcEnv&) = delete;
};

bool read_string(xmlrpc_env* env, xmlrpc_value* v, std::string& out) {
  std::size_t len = 0;
  const char* text = nullptr;
  xmlrpc_read_string_lp(env, v, &len, &text);
  if (env->fault_occurred) return false;
  std::unique_ptr<char, decltype(&std::free)> owner(const_cast<char*>(text), &std::free);
  out.assign(text, len);
  return true;
}

// Converts an xmlrpc-c value; false when it holds anything the guard should have kept
// away (then the fallback parser decides). Depth is bounded by the guard.
bool convert(xmlrpc_env* env, xmlrpc_value* v, Value& out) {
  switch (xmlrpc_value_type(v)) {
    case XMLRPC_TYPE_INT: {
      int i = 0;
      xmlrpc_read_int(env, v, &i);
      out = Value::integer(i);
      break;
    }
    case XMLRPC_TYPE_BOOL: {
      xmlrpc_bool b = 0;
      xmlrpc_read_bool(env, v, &b);
      out = Value::boolean(b != 0);
      break;
    }
    case XMLRPC_TYPE_STRING: {
      std::string s;
      if (!read_string(env, v, s)) return false;
      out = Value::string(std::move(s));
      break;
    }
    case XMLRPC_TYPE_NIL:
      out = Value::nil();
      break;
    case XMLRPC_TYPE_ARRAY: {
      int size = xmlrpc_array_size(env, v);
      if (env->fault_occurred || size < 0) return false;
      Value::Array items(static_cast<std::size_t>(size));
      for (int i = 0; i < size; ++i) {
        XmlrpcValueRef item;
        xmlrpc_array_read_item(env, v, static_cast<unsigned>(i), &item.v);
        if (env->fault_occurred || !convert(env, item.v, items[static_cast<std::size_t>(i)]))
          return false;
      }
      out = Value::array(std::move(items));
      break;
    }
    case XMLRPC_TYPE_STRUCT: {
      int size = xmlrpc_struct_size(env, v);
      if (env->fault_occurred || size < 0) return false;
      Value::Struct members;
      for (int i = 0; i < size; ++i) {
        XmlrpcValueRef key, item;
        xmlrpc_struct_read_member(env, v, static_cast<unsigned>(i), &key.v, &item.v);
        std::string name;
        Value value;
        if (env->fault_occurred || !read_string(env, key.v, name) || !convert(env, item.v, value))
          return false;
        members.insert_or_assign(std::move(name), std::move(value));
      }
      out = Value::structure(std::move(members));
      break;
    }
    default:
      return false;  // double, dateTime, base64, i8: the guard routes these elsewhere
  }
  return !env->fault_occurred;
}

}  // namespace

std::optional<XmlRpcCall> parse_with_xmlrpc_c(std::string_view body) {
  XmlrpcEnv env;
  const char* method = nullptr;
  XmlrpcValueRef params;
  xmlrpc_parse_call(&env.env, body.data(), body.size(), &method, &params.v);
  if (env.env.fault_occurred) return std::nullopt;
  std::unique_ptr<char, decltype(&std::free)> method_owner(const_cast<char*>(method), &std::free);
  Value converted;
  if (method == nullptr || params.v == nullptr || !convert(&env.env, params.v, converted) ||
      !converted.is_array())
    return std::nullopt;
  return XmlRpcCall{method, std::move(converted.as_array())};
}

}  // namespace prefixd::api::xmlrpc_detail
