// XML-RPC codec. Requests are decoded the way nipapd's Python xmlrpc.client.Unmarshaller
// decodes them: by xmlrpc-c (a project decision) where it is known to be safe and exact, and
// by a small libexpat port of the Unmarshaller everywhere else. Responses are written
// straight into a string.
//
// Why not "rename a few tags, then hand the body to xmlrpc-c": measured against xmlrpc-c
// 1.33.14 (Debian 12), that can be made neither safe nor exact.
//  * It rejects <biginteger>, <float>, <bigdecimal>, <int> outside 32 bits, <x:nil/> for any
//    prefix but "ex", <array> without <data>, two <methodName>s, a missing <methodName>, and
//    <int> with blanks or '_' (Python's int() takes both). A safe rename needs a tokenizer
//    anyway (CDATA, comments, entities, encodings).
//  * It accepts but decodes differently: <dateTime.iso8601> loses its text (Python keeps it;
//    "2024-01-02T03:04:05Z" came back as 20240102T03:04:05), <double> is not correctly
//    rounded ("0.30000000000000004" gave 0.3000000000000001) and takes hex floats, <base64>
//    goes on after '=' padding where Python stops, "&#13;" becomes LF instead of CR, and a
//    <member> with <value> before <name> is read by element name where Python pairs items
//    in document order (the last two found by fuzzing both decoders against each other).
//  * It crashes: any invalid <i8> text (2^63, "abc") segfaults in its error path (bad printf
//    argument); elements nested ~100k deep overflow the stack in its recursive
//    xml_element_free. Its bundled expat is an old fork that expands internal entities, and
//    it builds structs in quadratic time (160k members: 4.4 s).
//  * Its errors carry no line/column, so Python's ExpatError texts cannot be reproduced.
//
// So every body first goes through a guard pass with the system libexpat (2.5, the parser
// CPython uses, hence identical error texts). The guard checks well-formedness, enforces the
// nesting limit, refuses entity declarations (nothing legitimate needs them, and they feed
// every expat expansion and recursion bug), and decides whether the body stays where
// xmlrpc-c is exact: UTF-8 without BOM or DOCTYPE, root <methodCall>, only the elements
// methodCall methodName params param value int i4 i1 i2 boolean string nil ex:nil array data
// struct member name, <name> before <value> in a member, at most 256 members per struct, no
// "&#13;". Such bodies go to xmlrpc-c. Everything else, and whatever xmlrpc-c refuses, goes
// to PythonUnmarshaller: the Unmarshaller's stack machine with the same tag handling, value
// conversions and exception texts. It is iterative, so any depth the guard admits is safe.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include "api/xmlrpc_codec.h"

#include "api/xmlrpc_codec.h"
#include "api/xmlrpc_decoder_internal.h"
#include "backend/python_text.h"

namespace prefixd::api {

namespace xmlrpc_detail {

namespace {

class PythonUnmarshaller {
 public:
  XmlRpcCall parse(std::string_view body) {
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &PythonUnmarshaller::on_start, &PythonUnmarshaller::on_end);
    XML_SetCharacterDataHandler(p, &PythonUnmarshaller::on_data);
    XML_SetEntityDeclHandler(p, &PythonUnmarshaller::on_entity);
    parser_.parse(body);
    return close();
  }

 private:
  enum class DocType { kNone, kParams, kFault, kMethodName };

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->start(local_name(name)); });
  }
  static void XMLCALL on_end(void* self, const XML_Char* name) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->end(local_name(name)); });
  }
  static void XMLCALL on_data(void* self, const XML_Char* text, int len) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->data_.append(text, static_cast<std::size_t>(len)); });
  }
  static void XMLCALL on_entity(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_,
            [&] { fail(u->parser_.position_text("entity declarations are not supported")); });
  }

  static bool dispatches(std::string_view tag) {
    static constexpr std::string_view kNames[] = {"nil",
                                                  "boolean",
                                                  "int",
                                                  "i1",
                                                  "i2",
                                                  "i4",
                                                  "i8",
                                                  "biginteger",
                                                  "double",
                                                  "float",
                                                  "bigdecimal",
                                                  "string",
                                                  "name",
                                                  "array",
                                                  "struct",
                                                  "base64",
                                                  "dateTime.iso8601",
                                                  "value",
                                                  "params",
                                                  "fault",
                                                  "methodName"};
    return std::find(std::begin(kNames), std::end(kNames), tag) != std::end(kNames);
  }

  void start(std::string_view tag) {
    if (tag == "array" || tag == "struct") marks_.push_back(stack_.size());
    data_.clear();
    if (in_value_ && !dispatches(tag))
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError(" +
           py_repr("unknown tag " + py_repr(tag)) + ")");
    in_value_ = tag == "value";
  }

  void push(Value v) {
    stack_.push_back(std::move(v));
    in_value_ = false;
  }

  std::size_t pop_mark() {
    if (marks_.empty()) fail("<class 'IndexError'>:pop from empty list");
    std::size_t mark = std::min(marks_.back(), stack_.size());
    marks_.pop_back();
    return mark;
  }

  void end(std::string_view tag) {
    const std::string& data = data_;
    if (tag == "nil") {
      push(Value::nil());
    } else if (tag == "boolean") {
      if (data != "0" && data != "1") fail("<class 'TypeError'>:bad boolean value");
      push(Value::boolean(data == "1"));
    } else if (tag == "int" || tag == "i4" || tag == "i8" || tag == "i1" || tag == "i2" ||
               tag == "biginteger") {
      push(py_int(data));
    } else if (tag == "double" || tag == "float") {
      push(Value::real(py_float(data)));
    } else if (tag == "bigdecimal") {
      push(Value::real(py_decimal(data)));
    } else if (tag == "string" || tag == "name") {
      push(Value::string(data));
    } else if (tag == "array") {
      std::size_t mark = pop_mark();
      Value::Array items(
          std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
          std::make_move_iterator(stack_.end()));
      stack_.resize(mark);
      push(Value::array(std::move(items)));
    } else if (tag == "struct") {
      end_struct();
    } else if (tag == "base64") {
      push(Value::binary(py_b64decode(data)));
    } else if (tag == "dateTime.iso8601") {
      // DateTime.decode keeps str(data).strip(); end_dateTime leaves _value alone.
      stack_.push_back(Value::datetime(std::string(py_strip(data))));
    } else if (tag == "value") {
      if (in_value_) push(Value::string(data));
    } else if (tag == "params") {
      type_ = DocType::kParams;
    } else if (tag == "fault") {
      type_ = DocType::kFault;
    } else if (tag == "methodName") {
      method_ = data;
      type_ = DocType::kMethodName;
    }
  }

  void end_struct() {
    std::size_t mark = pop_mark();
    Value::Struct members;
    for (std::size_t i = mark; i < stack_.size(); i += 2) {
      if (i + 1 >= stack_.size()) fail("<class 'IndexError'>:list index out of range");
      Value& key = stack_[i];
      switch (key.type()) {
        case Value::Type::kString:
          members.insert_or_assign(key.text(), std::move(stack_[i + 1]));
          continue;
        case Value::Type::kArray:
        case Value::Type::kStruct:
        case Value::Type::kDateTime:
        case Value::Type::kBinary:
          fail("<class 'TypeError'>:unhashable type: '" + std::string(key.python_type_name()) +
               "'");
        default:
          // Python would accept a number or None as key; a Value struct cannot hold one.
          fail("<class 'TypeError'>:dictionary key must be string");
      }
    }
    stack_.resize(mark);
    push(Value::structure(std::move(members)));
  }

  XmlRpcCall close() {
    if (type_ == DocType::kNone || !marks_.empty())
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError()");
    if (type_ == DocType::kFault) {
      // Python raises the posted Fault and the dispatcher answers with it verbatim.
      const Value* code = stack_.empty() ? nullptr : stack_[0].find("faultCode");
      const Value* text = stack_.empty() ? nullptr : stack_[0].find("faultString");
      if (code == nullptr || text == nullptr || !code->is_int() || !text->is_string() ||
          stack_[0].as_struct().size() != 2 || code->as_int() < std::numeric_limits<int>::min() ||
          code->as_int() > std::numeric_limits<int>::max())
        fail("<class 'TypeError'>:invalid fault structure");
      throw NipapError(static_cast<FaultCode>(code->as_int()), text->text());
    }
    if (!method_) fail("<class 'Exception'>:method \"None\" is not supported");
    return XmlRpcCall{std::move(*method_), std::move(stack_)};
  }

  ExpatParser parser_;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::string data_;
  bool in_value_ = false;
  DocType type_ = DocType::kNone;
  std::optional<std::string> method_;
};

}  // namespace

XmlRpcCall unmarshal_xmlrpc_call(std::string_view body) {
  return PythonUnmarshaller().parse(body);
}

}  // namespace xmlrpc_detail

XmlRpcCall parse_xmlrpc_call(std::string_view body, const XmlRpcLimits& limits) {
  using namespace xmlrpc_detail;
  if (xmlrpc_c_may_decode(body, limits)) {
    if (auto call = parse_with_xmlrpc_c(body)) return std::move(*call);
  }
  return unmarshal_xmlrpc_call(body);
}

}  // namespace prefixd::api
